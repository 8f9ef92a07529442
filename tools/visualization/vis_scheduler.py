"""Plot a config's learning-rate (momentum, weight-decay) schedule:
mmpretrain's ``vis_scheduler`` on gvp configs.

    python tools/visualization/vis_scheduler.py CONFIG [-p lr|momentum|wd]
        [--save-path lr.png] [--not-show] [--ngpus N] [--dataset-size N]
        [--cfg-options k=v ...]

Every argument is mmpretrain's. What this adds: gvp's parts are registered
(the configs also say so with ``custom_imports``), and an iteration-based
config gets ``--dataset-size`` = ``max_iters`` x the total batch by default:
mmpretrain's tool otherwise simulates one batch per epoch, and mmengine
waits two seconds at each restart of that one-batch loader (20 minutes
for the demo's 600 iterations).
"""
import os.path as osp
import runpy
import sys

import mmpretrain


def mmpretrain_tool() -> str:
    path = osp.join(
        osp.dirname(mmpretrain.__file__), '.mim', 'tools', 'visualization',
        'vis_scheduler.py')
    if not osp.isfile(path):
        raise SystemExit(f'error: {path} not found: this mmpretrain '
                         'install has no tools (reinstall mmpretrain from '
                         'its wheel)')
    return path


def default_dataset_size(argv) -> list:
    """``--dataset-size`` for an iteration-based config, if not given."""
    if '--dataset-size' in argv or not argv or argv[0].startswith('-'):
        return []
    from gvp.apis import get_config
    cfg = get_config(argv[0])
    train_cfg = cfg.get('train_cfg') or {}
    if train_cfg.get('type') != 'IterBasedTrainLoop':
        return []
    ngpus = 1
    if '--ngpus' in argv:
        ngpus = int(argv[argv.index('--ngpus') + 1])
    batch = cfg.train_dataloader.batch_size * ngpus
    return ['--dataset-size', str(int(train_cfg['max_iters']) * batch)]


def main():
    import gvp  # noqa: F401  (registers gvp's parts)
    argv = sys.argv[1:]
    argv += default_dataset_size(argv)
    tool = mmpretrain_tool()
    sys.argv = [tool] + argv
    runpy.run_path(tool, run_name='__main__')


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
