"""Checks before a Runner is built, so that bad input fails at once with the
fix in the message instead of deep inside mmengine."""
import os.path as osp
from typing import Iterator, Tuple

from .errors import DataError


class DataPathError(DataError, FileNotFoundError):
    """A dataset folder or ann file named by the config is missing or
    empty."""


LOOPS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _datasets(cfg, where) -> Iterator[Tuple[str, dict]]:
    """Dataset configs, through wrappers (``dataset`` / ``datasets``)."""
    if not isinstance(cfg, dict):
        return
    if 'dataset' in cfg:
        yield from _datasets(cfg['dataset'], f'{where}.dataset')
    for i, sub in enumerate(cfg.get('datasets') or []):
        yield from _datasets(sub, f'{where}.datasets.{i}')
    if 'data_root' in cfg or 'ann_file' in cfg:
        yield where, cfg


def _num_classes(cfg):
    head = (cfg.get('model') or {}).get('head') or {}
    return head.get('num_classes') if isinstance(head, dict) else None


def check_ann_lines(path: str, where: str, num_classes=None) -> None:
    """Every line of an ann file is ``path label`` (as mmpretrain's
    ``CustomDataset`` splits it, label an integer below ``num_classes``)
    or, for a file without labels, a path: a blank or malformed line is
    named with its number, instead of mmpretrain's ``not enough values to
    unpack``."""
    with open(path) as f:
        lines = f.read().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()  # a trailing newline or two
    labelled = bool(lines) and len(lines[0].split()) >= 2
    for n, line in enumerate(lines, 1):
        fields = line.strip().rsplit(' ', 1)
        problem = None
        if not line.strip():
            problem = 'is blank'
        elif labelled and (len(fields) != 2 or
                           not fields[1].lstrip('-').isdigit()):
            problem = f'is {line.strip()!r}, not "path label"'
        elif labelled and num_classes is not None and not \
                0 <= int(fields[1]) < num_classes:
            problem = (f'has label {fields[1]}, outside 0..{num_classes - 1}'
                       ' (model.head.num_classes)')
        if problem:
            raise DataError(
                f'{where}: {path} line {n} {problem}: fix or delete that '
                'line (one "path label" line per image)')


def check_data_paths(cfg) -> None:
    """Every dataset's ``data_root`` and ``ann_file`` must exist, and every
    line of an ann file must read (:func:`check_ann_lines`)."""
    for loop in LOOPS:
        loader = cfg.get(loop)
        if not loader:
            continue
        for where, ds in _datasets(loader.get('dataset'), f'{loop}.dataset'):
            root = ds.get('data_root') or ''
            ann = ds.get('ann_file') or ''
            if root and not osp.isdir(root):
                missing = f'dataset folder {root!r}'
            elif ann and not osp.isfile(osp.join(root, ann)):
                missing = f'annotation file {osp.join(root, ann)!r}'
            elif ann and _is_empty(osp.join(root, ann)):
                raise DataPathError(
                    f'{where}: annotation file {osp.join(root, ann)!r} is '
                    'empty: it must list the images (one "path label" line '
                    'each); re-run the dataset converter or fix the path')
            else:
                if ann.endswith('.txt'):  # mmpretrain's text lists
                    check_ann_lines(osp.join(root, ann), where,
                                    _num_classes(cfg))
                continue
            raise DataPathError(
                f'{where}: {missing} does not exist. Prepare the data '
                '(Fashion-MNIST demo: bash tools/install.sh --data, or '
                'python tools/dataset_converters/fashion_mnist.py SRC OUT) '
                'or point the config at it: --cfg-options '
                f'{where}.data_root=PATH')


def _is_empty(path: str) -> bool:
    """No non-blank line in the first 64 kB (a large file is not empty)."""
    with open(path, 'rb') as f:
        return not f.read(65536).strip()
