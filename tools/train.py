"""Train with a config: pretraining (gvp scope) or any downstream config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
    bash tools/dist_train.sh CONFIG GPUS [args...]
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

import gvp  # noqa: F401  (registers gvp, applies stack work-arounds)
from gvp.utils import (add_common_args, apply_common_args, check_data_paths,
                       check_resume_checkpoint, parse_common,
                       setup_cpu_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or (no value) from the '
        'latest checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (AmpOptimWrapper)')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale lr by the real total batch size')
    add_common_args(parser)
    return parse_common(parser)


def merge_args(cfg, args):
    apply_common_args(cfg, args)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
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
    last = osp.join(runner.work_dir, 'last_checkpoint')
    ckpt = open(last).read().strip() if osp.isfile(last) else '(none saved)'
    print(f'checkpoint: {ckpt}')
    print(f'logs: {osp.join(runner.work_dir, runner.timestamp)}')


def main():
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_data_paths(cfg)
    check_resume_checkpoint(args.resume)
    runner = Runner.from_cfg(cfg)
    runner.train()
    report(runner)


if __name__ == '__main__':
    main()
