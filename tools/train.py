"""Train with a config: pretraining (gvp scope) or any downstream config.

    python tools/train.py CONFIG|MODEL-INDEX-NAME [--work-dir DIR]
        [--resume [CKPT] | --auto-resume | --fresh] [--trust-checkpoint]
        [--amp] [--cfg-options k=v ...]
    bash tools/dist_train.sh CONFIG GPUS [args...]

``--resume`` alone continues from the newest loadable checkpoint of the
work dir and refuses when there is none; a work dir that already holds
checkpoints is not trained over without ``--resume`` or ``--fresh``;
``--auto-resume`` resumes when there is a checkpoint and starts otherwise.
``--fresh`` moves the earlier run's checkpoints into ``previous_run_*``. A
second run into a work dir in use is refused (``gvp.utils.work_dir``).
"""
import argparse
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.runner import Runner

import gvp  # noqa: F401  (registers gvp, applies stack work-arounds)
from gvp.apis.model_index import config_file
from gvp.utils import (add_common_args, apply_common_args, check_data_paths,
                       check_load_from, parse_common, resolve_resume,
                       setup_cpu_distributed)
from gvp.utils.dist import run_reporting_errors
from gvp.utils.errors import GVPError
from gvp.utils.quiet import quiet_paramwise
from gvp.utils.resume import last_checkpoint_path, runner_checkpoints
from gvp.utils.work_dir import acquire_work_dir, is_rank_zero


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or (no value) from the '
        'newest loadable checkpoint in the work dir')
    parser.add_argument(
        '--auto-resume',
        action='store_true',
        help='resume if the work dir holds a checkpoint, else start: one '
        'command for a run that may be interrupted and restarted')
    parser.add_argument(
        '--fresh',
        action='store_true',
        help='start from iteration 0 even if the work dir holds checkpoints '
        'of an earlier run (they are moved into WORK_DIR/previous_run_*)')
    parser.add_argument(
        '--reset-lr',
        action='store_true',
        help='with --resume: take the lr and the schedule from the config '
        '(the checkpoint\'s optimizer / scheduler state would override '
        'them); weights, moments and the iteration from the checkpoint')
    parser.add_argument(
        '--amp', action='store_true', help='mixed precision (AmpOptimWrapper)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='skip validation during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale lr by the real total batch size')
    add_common_args(parser)
    return parse_common(parser)


def merge_args(cfg, args):
    apply_common_args(cfg, args)
    if args.amp:
        if not torch.cuda.is_available():
            raise GVPError('--amp: mixed precision (mmengine\'s '
                           'AmpOptimWrapper) needs a CUDA GPU and none is '
                           'visible; drop --amp on a CPU')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    # a config's ``resume = True`` (mmengine: resume if there is something
    # to resume) means ``--auto-resume``, or ``--resume PATH`` with load_from
    resume, auto = args.resume, args.auto_resume
    if resume is None and cfg.get('resume', False):
        resume = cfg.get('load_from') or None
        auto = auto or resume is None
    if is_rank_zero():  # a run owns its work dir (one lock per work dir)
        acquire_work_dir(cfg.work_dir)
    if resume is None and auto and runner_checkpoints(cfg.work_dir):
        resume = 'auto'
    ckpt = resolve_resume(cfg.work_dir, resume, args.fresh)
    cfg.resume = ckpt is not None
    if ckpt is not None:
        cfg.load_from = ckpt
    if args.reset_lr:
        cfg.default_hooks.checkpoint.reset_lr_on_resume = True
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    setup_cpu_distributed(cfg, args.launcher)
    return cfg


def report(runner):
    """Say where the checkpoint and the logs went."""
    if runner.rank != 0:
        return
    ckpt = last_checkpoint_path(runner.work_dir) or '(none saved)'
    print(f'checkpoint: {ckpt}')
    print(f'logs: {osp.join(runner.work_dir, runner.timestamp)}')


def build_runner(cfg, path):
    """The runner of ``cfg``. What fails while the model, hooks and
    visualizer are built is the config's (a shape check, an unexpected
    argument, a typo'd type): one line naming the config."""
    try:
        if 'runner_type' in cfg:
            # e.g. FlexibleRunner with FSDPStrategy / DeepSpeedStrategy
            from mmengine.registry import RUNNERS
            return RUNNERS.build(cfg)
        return Runner.from_cfg(cfg)
    except (ValueError, TypeError, KeyError) as e:
        text = str(e).strip().strip('"\'').splitlines()
        raise GVPError(f'config {path}: {type(e).__name__}: '
                       f'{text[0] if text else e!r}') from e


def main():
    args = parse_args()
    args.config = config_file(args.config)  # a path or a model-index name
    cfg = merge_args(Config.fromfile(args.config), args)
    check_data_paths(cfg)
    runner = build_runner(cfg, args.config)
    quiet_paramwise(runner.logger, cfg.get('log_level', 'INFO'))
    if cfg.load_from and not cfg.resume and isinstance(runner, Runner):
        check_load_from(runner.model, cfg.load_from)
    runner.train()
    report(runner)


if __name__ == '__main__':
    run_reporting_errors(main)
