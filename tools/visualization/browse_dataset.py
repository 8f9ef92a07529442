"""mmpretrain's ``browse_dataset`` on a gvp config (its CLI: ``--mode
original|transformed|concat|pipeline``, ``--phase``, ``--show-number``,
``--output-dir``, ``--cfg-options``, ...), with two additions: a model-index
name for CONFIG, and a missing data folder refused in one line before
anything is built. On a machine without a display the defaults are
``--output-dir browse_dataset --not-show --show-number 16``.

    python tools/visualization/browse_dataset.py CONFIG|NAME [-n 16]
        [-m transformed] [-o OUT_DIR] [--cfg-options k=v ...]
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:  # this checkout's gvp, also when not installed
    sys.path.insert(0, ROOT)
HEADLESS = {('-o', '--output-dir'): 'browse_dataset',
            ('-n', '--show-number'): '16'}


def with_defaults(argv):
    """``argv`` with the config resolved to a file and the headless
    defaults added where the user gave none."""
    from gvp.apis.model_index import config_file
    argv = [config_file(argv[0])] + list(argv[1:])
    for flags, value in HEADLESS.items():
        if not any(a.split('=')[0] in flags for a in argv):
            argv += [flags[1], value]
    return argv + ([] if '--not-show' in argv else ['--not-show'])


def main():
    from mmengine.config import DictAction

    from gvp.utils.mmpretrain_tools import run_tool
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument('config', nargs='?')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    known, _ = p.parse_known_args()
    if known.config is None or known.config.startswith('-'):
        return run_tool('browse_dataset', sys.argv[1:])  # its usage
    from gvp.apis import get_config
    from gvp.utils import check_data_paths

    # a missing folder: one line with the fix, before anything is built
    check_data_paths(get_config(known.config, known.cfg_options))
    run_tool('browse_dataset', with_defaults(sys.argv[1:]))


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
