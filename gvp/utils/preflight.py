"""Checks before a Runner is built, so that bad input fails at once with the
fix in the message instead of deep inside mmengine."""
import os.path as osp
from typing import Iterator, Tuple

import torch

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


def check_data_paths(cfg) -> None:
    """Every dataset's ``data_root`` and ``ann_file`` must exist."""
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
            else:
                continue
            raise FileNotFoundError(
                f'{where}: {missing} does not exist. Prepare the data '
                '(Fashion-MNIST demo: bash tools/install.sh --data, or '
                'python tools/dataset_converters/fashion_mnist.py SRC OUT) '
                'or point the config at it: --cfg-options '
                f'{where}.data_root=PATH')


RUNNER_KEYS = ('meta', 'state_dict', 'optimizer')


def check_resume_checkpoint(path: str) -> None:
    """``--resume PATH`` needs a runner checkpoint, not bare weights."""
    if not path or path == 'auto':
        return
    if not osp.isfile(path):
        raise FileNotFoundError(f'--resume {path}: no such file')
    # mmap: look at the keys without reading the tensors
    ckpt = torch.load(path, map_location='cpu', mmap=True, weights_only=False)
    missing = [k for k in RUNNER_KEYS
               if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise ValueError(
            f'--resume {path}: not a training checkpoint (it has no '
            f'{", ".join(missing)}); resume takes a runner checkpoint such '
            'as work_dirs/<config>/iter_N.pth. To start from weights only, '
            f'use --cfg-options load_from={path} (a whole model) or '
            "model.backbone.init_cfg=\"dict(type='Pretrained', "
            f"checkpoint='{path}')\" (a converted backbone).")
