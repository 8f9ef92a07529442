"""Which checkpoint ``--resume`` takes, and whether ``load_from`` fits.

``--resume`` without a path takes the checkpoint ``last_checkpoint`` names
when it is one of the work dir's own runner checkpoints and loads (the run
that wrote it is the one being continued, whatever older files with higher
numbers lie around); otherwise the newest *loadable* one of the work dir
(``iter_N.pth`` / ``epoch_N.pth``, highest N first). Broken ones are
skipped and named, and the choice is said with its reason. A
``last_checkpoint`` pointing elsewhere (absolute, into the folder a work
dir was copied from) is matched by file name only. An explicit ``--resume
PATH`` is used as given.
"""
import os
import os.path as osp
import re
from typing import List, Optional, Tuple

from mmengine.logging import print_log

from .errors import ResumeError
from .safe_load import CheckpointError, load_checkpoint_file
from .state_dict import state_dict_mismatch
from .work_dir import is_rank_zero, move_previous_run

RUNNER_KEYS = ('meta', 'state_dict', 'optimizer')
_NAME = re.compile(r'^(iter|epoch)_(\d+)\.pth$')


def pretrained_hint(path: str) -> str:
    """The ``--cfg-options`` that load ``path`` as the backbone's
    ``init_cfg``, in the dotted form (a ``dict(...)`` value sends mmengine
    0.10.7's parser into a RecursionError)."""
    return ('model.backbone.init_cfg.type=Pretrained '
            f'model.backbone.init_cfg.checkpoint={path}')


def last_checkpoint_path(work_dir: str) -> Optional[str]:
    """The file ``work_dir/last_checkpoint`` names (relative to the work
    dir as we write it, or absolute as mmengine does), or ``None``."""
    last = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(last):
        return None
    with open(last) as f:
        path = f.read().strip()
    if not path:
        return None
    return path if osp.isabs(path) else osp.join(work_dir, path)


def runner_checkpoints(work_dir: str) -> List[str]:
    """``iter_N.pth`` / ``epoch_N.pth`` of ``work_dir``, newest first."""
    if not osp.isdir(work_dir):
        return []
    found = []
    for name in os.listdir(work_dir):
        m = _NAME.match(name)
        if m:
            path = osp.join(work_dir, name)
            found.append((int(m.group(2)), osp.getmtime(path), path))
    return [p for _, _, p in sorted(found, reverse=True)]


def check_runner_checkpoint(path: str) -> dict:
    """Load ``path`` (tensors mapped, not read) and check it is a runner
    checkpoint; return it. Raises :class:`CheckpointError`."""
    ckpt = load_checkpoint_file(path, map_location='cpu', mmap=True)
    missing = [k for k in RUNNER_KEYS
               if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise CheckpointError(
            f'--resume {path}: not a training checkpoint (it has no '
            f'{", ".join(missing)}); resume takes a runner checkpoint such '
            'as work_dirs/<config>/iter_N.pth. To start from weights only, '
            f'use --cfg-options load_from={path} (a whole model), or '
            f'--cfg-options {pretrained_hint(path)} (a converted '
            'backbone).')
    return ckpt


def _named_by_last_checkpoint(work_dir: str, found: List[str]) -> List[str]:
    """``found`` reordered: the file ``last_checkpoint`` names (by file name,
    among the work dir's own) first."""
    named = last_checkpoint_path(work_dir)
    first = [p for p in found
             if named and osp.basename(p) == osp.basename(named)]
    return first + [p for p in found if p not in first]


def find_resume_checkpoint(work_dir: str) -> Tuple[str, List[str]]:
    """The runner checkpoint of ``work_dir`` to resume (see the module
    docstring) and the messages about the broken ones skipped and about the
    choice.

    Raises:
        ResumeError: the work dir holds no loadable checkpoint.
    """
    skipped = []
    found = runner_checkpoints(work_dir)
    ordered = _named_by_last_checkpoint(work_dir, found)
    for path in ordered:
        try:
            check_runner_checkpoint(path)
        except CheckpointError as e:
            skipped.append(str(e))
            continue
        if path == ordered[0] and path != found[0]:
            why = (f'named by last_checkpoint (the newest number, '
                   f'{osp.basename(found[0])}, is of an earlier run)')
        elif path == ordered[0] and last_checkpoint_path(work_dir):
            why = 'named by last_checkpoint'
        else:
            why = 'the newest loadable one'
        return path, skipped + [f'taking {osp.basename(path)}: {why}']
    looked = (f'{len(skipped)} checkpoint(s), none loadable: '
              + ' | '.join(skipped)) if skipped else \
        'no iter_N.pth / epoch_N.pth there'
    exists = '' if osp.isdir(work_dir) else ' (the folder does not exist)'
    raise ResumeError(
        f'--resume: nothing to resume in work dir {osp.abspath(work_dir)}'
        f'{exists}: {looked}. Check --work-dir, give the checkpoint '
        'explicitly (--resume PATH), or start a new run on purpose with '
        '--fresh.')


def resolve_resume(work_dir: str, resume: Optional[str], fresh: bool,
                   log=print) -> Optional[str]:
    """The checkpoint a run starts from (``None``: from scratch).

    ``resume``: ``None`` (no flag), ``'auto'`` (``--resume``) or a path.
    Without ``--resume`` a work dir that already holds checkpoints is
    refused unless ``fresh`` (no silent restart over an earlier run).
    """
    if resume is not None and fresh:
        raise ResumeError('--resume and --fresh contradict each other: '
                          'give one of them')
    if resume is None:
        existing = runner_checkpoints(work_dir)
        if existing and not fresh:
            raise ResumeError(
                f'work dir {osp.abspath(work_dir)} already holds checkpoints '
                f'({", ".join(osp.basename(p) for p in existing[:3])}): '
                'continue that run with --resume, use another --work-dir, '
                'or start over on purpose with --fresh (its checkpoints are '
                'then moved aside into a previous_run_* folder).')
        if existing and is_rank_zero():
            move_previous_run(work_dir, existing, log)
        return None
    if resume == 'auto':
        path, notes = find_resume_checkpoint(work_dir)
        for msg in notes[:-1]:
            log(f'--resume: skipping {msg}')
        log(f'--resume: resuming from {path} ({notes[-1]})')
        return path
    check_runner_checkpoint(resume)
    return resume


def check_load_from(model, path: str) -> None:
    """``load_from`` must fit the model: every model key present with its
    shape (mmengine would load non-strictly and train on from random init).

    Raises:
        CheckpointError: naming what does not fit, and for a converted
            backbone (keys without the ``backbone.`` prefix) how to load it.
    """
    from mmengine.model import is_model_wrapper
    if is_model_wrapper(model):  # DDP: compare with the wrapped model
        model = model.module
    ckpt = load_checkpoint_file(path, map_location='cpu', mmap=True)
    given = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    given = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in given.items()}
    expected = model.state_dict()
    problems = state_dict_mismatch(expected, given)
    if not [p for p in problems if not p.startswith('unexpected')]:
        if problems:
            print_log(f'load_from {path}: {problems[0]} (ignored)',
                      logger='current', level=30)
        return
    backbone = {k[len('backbone.'):] for k in expected
                if k.startswith('backbone.')}
    if backbone and sum(k in backbone for k in given) >= len(given) // 2:
        hint = (' It looks like backbone weights (a converted checkpoint): '
                f'load them with --cfg-options {pretrained_hint(path)} '
                'instead.')
    else:
        hint = (' Use a checkpoint of this model, or init_cfg=dict(type='
                "'Pretrained', checkpoint=..., prefix=...) for a part of it.")
    raise CheckpointError(
        f'load_from {path} does not fit the model: '
        f'{"; ".join(problems)}.{hint}')
