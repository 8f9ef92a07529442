"""A checkpoint hook that cannot lose work.

What it changes in mmengine's ``CheckpointHook`` (same arguments):

* **atomic files**: checkpoints and ``last_checkpoint`` are written through
  :class:`gvp.utils.atomic_io.AtomicLocalBackend` (temporary file, fsync,
  zip index read back, ``os.replace``): a file under a checkpoint's final
  name is always complete;
* **rotation after the save**: mmengine deletes the oldest checkpoint
  *before* writing the new one, so with ``max_keep_ckpts=1`` a failed save
  leaves nothing; here the old one goes only once the new one is on disk;
* **no non-finite weights**: a checkpoint whose model weights or
  optimizer state hold NaN/inf is refused
  (:class:`~gvp.utils.errors.NonFiniteError`), so rotation never replaces
  a good checkpoint by a broken one;
* **relative ``last_checkpoint``**: the file name relative to the work dir,
  so a copied work dir resumes from its own files;
* **what a resume overrides**: the config values that the checkpoint's
  optimizer / scheduler state replace (lr, schedule) are named in one
  warning; ``reset_lr_on_resume=True`` (``tools/train.py --reset-lr``)
  takes them from the config instead
  (:mod:`gvp.engine.hooks.resume_overrides`); a ``max_iters`` /
  ``max_epochs`` below the checkpoint's is refused;
* **RNG states**: every rank's Python / numpy / torch generator states are
  saved (message hub ``rng_states``) and restored on resume *after*
  mmengine's loop has replayed the data loader to the resume point, so a
  resumed run draws the same crops, flips and mask plans as an
  uninterrupted one.
"""
import os
import os.path as osp
import re
import shutil

import torch
from mmengine.dist import all_gather_object, get_rank, is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from gvp.registry import HOOKS
from gvp.utils.atomic_io import (ATOMIC_BACKEND, WriteError, atomic_write,
                                 remove_stray_temporaries)
from gvp.utils.dist import any_rank
from gvp.utils.errors import NonFiniteError, ResumeError
from gvp.utils.rng import capture_rng_state, restore_rng_state
from gvp.utils.safe_load import non_finite_tensors
from gvp.utils.state_dict import state_dict_mismatch
from .resume_overrides import reset_lr, resume_overrides

RNG_KEY = 'rng_states'


def _is_sharded(state_dict) -> bool:
    """An FSDP / DTensor state dict (saved by every rank together)."""
    return any(hasattr(v, 'to_local') or hasattr(v, 'local_tensor')
               for v in state_dict.values())


def _local(value):
    """The part of a tensor this process holds (FSDP saves sharded
    tensors)."""
    if hasattr(value, 'to_local'):  # DTensor
        return value.to_local()
    if hasattr(value, 'local_tensor'):  # ShardedTensor
        return value.local_tensor()
    return value


def non_finite_keys(state_dict) -> list:
    """Names of floating tensors holding NaN or inf (this process's shard
    of sharded ones)."""
    bad = []
    for k, v in state_dict.items():
        if not torch.is_tensor(v):
            continue
        v = _local(v)
        if v.is_floating_point() and v.numel() and \
                not bool(torch.isfinite(v).all()):
            bad.append(k)
    return bad


def last_good_checkpoint(runner) -> str:
    """The checkpoint of the work dir that ``--resume`` would take now,
    looked up on disk (not the message hub's memory, which a resume brings
    from another time or folder), or a phrase saying none."""
    from gvp.utils.resume import find_resume_checkpoint
    try:
        return find_resume_checkpoint(runner.work_dir)[0]
    except ResumeError:
        return '(none saved yet)'


RESUME_ADVICE = ('resume from it with a lower lr: tools/train.py CONFIG '
                 '--resume --reset-lr --cfg-options '
                 'optim_wrapper.optimizer.lr=LOWER')


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with atomic, finite, rotation-safe
    checkpoints and saved RNG states (see the module docstring)."""

    def __init__(self, *args, backend_args=None, reset_lr_on_resume=False,
                 **kwargs):
        out_dir = kwargs.get('out_dir') or ''
        if backend_args is None and '://' not in str(out_dir):
            # local files: atomic writes (a remote out_dir keeps the
            # backend mmengine picks for its prefix)
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(*args, backend_args=backend_args, **kwargs)
        self._resumed_rng = None
        self.reset_lr_on_resume = reset_lr_on_resume

    # -- saving --------------------------------------------------------- #
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict', {})
        bad = non_finite_keys(state)
        if not _is_sharded(state):
            bad += ['optimizer.' + k for k in non_finite_tensors(
                checkpoint.get('optimizer', {}))]
        if _is_sharded(state) and any_rank(bool(bad)):
            # a sharded save is collective: every rank must refuse together
            bad = bad or ['(on another rank)']
        if bad:
            meta = checkpoint.get('meta', {})
            more = f' and {len(bad) - 3} more' if len(bad) > 3 else ''
            raise NonFiniteError(
                f'refusing to save the checkpoint of iteration '
                f'{meta.get("iter")} (epoch {meta.get("epoch")}): weights '
                f'{", ".join(bad[:3])}{more} are not finite. Last good '
                f'checkpoint: {last_good_checkpoint(runner)}; '
                f'{RESUME_ADVICE} (or check the data).')

    def _save_checkpoint_with_step(self, runner, step, meta):
        # every rank's generators (a collective: all ranks come here)
        runner.message_hub.update_info(RNG_KEY,
                                       all_gather_object(capture_rng_state()))
        ckpt_filename = self.filename_tmpl.format(step)
        try:
            runner.save_checkpoint(
                self.out_dir,
                ckpt_filename,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args)
        except WriteError as e:
            raise WriteError(f'{e}. Training stopped; last good checkpoint: '
                             f'{last_good_checkpoint(runner)}') from None
        # only now is it safe to point at it and to drop older ones
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        if is_main_process():
            self._write_last_checkpoint(runner)
        self._rotate(runner, step)

    def _write_last_checkpoint(self, runner) -> None:
        work_dir = osp.abspath(runner.work_dir)
        target = str(self.last_ckpt)
        if not osp.isabs(target) and '://' not in target:
            target = osp.abspath(target)
        if osp.isabs(target) and osp.commonpath([target,
                                                 work_dir]) == work_dir:
            target = osp.relpath(target, work_dir)
        atomic_write(osp.join(work_dir, 'last_checkpoint'), target)

    def _rotate(self, runner, step) -> None:
        """Keep the ``max_keep_ckpts`` newest of the checkpoints on disk up
        to ``step`` (mmengine's in-memory list, restored from the
        checkpoint a run resumes, never holds that checkpoint: it was never
        rotated away). Files of a later step (a run resumed from an earlier
        checkpoint) are left alone."""
        if self.max_keep_ckpts <= 0 or not is_main_process():
            return
        pattern = re.compile('^' + re.escape(self.filename_tmpl).replace(
            r'\{\}', r'(\d+)') + '$')
        folder = str(self.out_dir)
        if '://' in folder or not osp.isdir(folder):
            return
        steps = sorted(int(m.group(1)) for m in map(pattern.match,
                                                    os.listdir(folder))
                       if m and int(m.group(1)) <= step)
        for old in steps[:-self.max_keep_ckpts]:
            path = osp.join(folder, self.filename_tmpl.format(old))
            if osp.isdir(path):
                shutil.rmtree(path)
            else:
                os.remove(path)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and '://' not in str(self.out_dir) and \
                osp.isdir(str(self.out_dir)):
            for path in remove_stray_temporaries(str(self.out_dir)):
                print_log(f'removed {path}, left by a save that was '
                          'interrupted', logger='current')

    # -- resuming ------------------------------------------------------- #
    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        info = checkpoint.get('message_hub', {}).get('runtime_info', {})
        self._resumed_rng = info.get(RNG_KEY)
        if getattr(runner, '_resume', False):  # not load_from
            self._check_resume(runner, checkpoint)

    def _check_resume(self, runner, checkpoint: dict) -> None:
        """Refuse a loop shorter than the checkpoint; name (or, with
        ``reset_lr_on_resume``, reset) what the checkpoint overrides."""
        meta, loop = checkpoint.get('meta', {}), runner.train_loop
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        state = {k[len('module.'):] if k.startswith('module.') else k: v
                 for k, v in checkpoint.get('state_dict', {}).items()}
        if not _is_sharded(state):
            problems = state_dict_mismatch(model.state_dict(), state)
            if problems:
                raise ResumeError(
                    'resume: the checkpoint\'s model does not fit this '
                    f'config ({"; ".join(problems)[:400]}): resume with '
                    'the config the run was started with, or start over '
                    'with --fresh (load_from for the weights that fit)')
        for key, unit, done in (('max_iters', 'iteration', meta.get('iter')),
                                ('max_epochs', 'epoch', meta.get('epoch'))):
            end = getattr(loop, key, None)
            if isinstance(end, int) and done and end < done:
                raise ResumeError(
                    f'resume: train_cfg.{key}={end} is below the '
                    f'checkpoint\'s {unit} {done}: nothing to train; '
                    f'raise train_cfg.{key} or start over with --fresh')
        if self.reset_lr_on_resume:
            reset_lr(runner, checkpoint)
            print_log('resume: lr and schedule from the config '
                      '(--reset-lr), position from the checkpoint',
                      logger='current')
            return
        overrides = resume_overrides(runner, checkpoint)
        if overrides:
            print_log(
                'resume: the checkpoint overrides the config: '
                f'{"; ".join(overrides)}. To take the config\'s lr and '
                'schedule, resume with --reset-lr', logger='current',
                level=30)

    def before_train_epoch(self, runner) -> None:
        states, self._resumed_rng = self._resumed_rng, None
        if not states or (runner.iter == 0 and runner.epoch == 0):
            return  # a fresh run, or load_from (weights only)
        rank = get_rank()
        if rank >= len(states):
            print_log(
                f'checkpoint has RNG states of {len(states)} ranks, this '
                f'run has more: rank {rank} keeps its seeded generators '
                '(the sample stream differs from an uninterrupted run)',
                logger='current', level=30)
            return
        loop = runner.train_loop
        skips = getattr(loop, '_iter', 0) if hasattr(
            loop, 'dataloader_iterator') else 0
        if skips:
            # mmengine's IterBasedTrainLoop next replays ``skips`` batches
            # (running their transforms); restore once that is done
            loop.dataloader_iterator = _RestoreAfter(
                loop, skips, lambda: restore_rng_state(states[rank]))
        else:
            restore_rng_state(states[rank])


class _RestoreAfter:
    """Wraps a loop's data iterator: after ``skips`` batches, call
    ``restore`` and put the original iterator back."""

    def __init__(self, loop, skips: int, restore):
        self._loop = loop
        self._it = loop.dataloader_iterator
        self._left = skips
        self._restore = restore

    def __iter__(self):
        return self

    def __next__(self):
        batch = next(self._it)
        self._left -= 1
        if self._left == 0:
            self._restore()
            self._loop.dataloader_iterator = self._it
        return batch

    def __getattr__(self, name):
        return getattr(self._it, name)
