"""Evaluate a checkpoint with a config's test loop (downstream configs).

    python tools/test.py CONFIG|MODEL-INDEX-NAME CHECKPOINT
        [--work-dir DIR] [--out FILE]
    bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [args...]
"""
import argparse

from mmengine.config import Config
from mmengine.runner import Runner

import gvp  # noqa: F401
from gvp.apis.model_index import config_file
from gvp.utils import (add_common_args, apply_common_args, check_data_paths,
                       load_checkpoint_file, parse_common,
                       setup_cpu_distributed)
from gvp.utils.dist import run_reporting_errors


def parse_args():
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump metrics to this json/pkl file')
    add_common_args(parser)
    return parse_common(parser)


def main():
    args = parse_args()
    # missing, damaged or unsafe files: one line before anything is built
    load_checkpoint_file(args.checkpoint, mmap=True)
    cfg = apply_common_args(Config.fromfile(config_file(args.config)), args)
    cfg.load_from = args.checkpoint
    setup_cpu_distributed(cfg, args.launcher)
    check_data_paths(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out and runner.rank == 0:
        from mmengine.fileio import dump
        dump(metrics, args.out)
        print(f'metrics written to {args.out}')


if __name__ == '__main__':
    run_reporting_errors(main)
