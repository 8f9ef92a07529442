"""Plot training curves of one or more work dirs (their
``*/vis_data/scalars.json``) into a PNG, and print a summary.

    python tools/analysis_tools/analyze_logs.py WORK_DIR [WORK_DIR ...]
        [--keys loss] [--out curves.png]
"""
import argparse
import json
import os.path as osp
from glob import glob

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def read_scalars(work_dir: str):
    """Rows of every run of ``work_dir`` in order, later runs (resumes)
    overriding the iterations they repeat."""
    by_iter = {}
    for path in sorted(glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json'))):
        with open(path) as f:
            for line in f:
                row = json.loads(line)
                if 'iter' in row or 'step' in row:
                    by_iter[row.get('iter', row.get('step'))] = row
    return [by_iter[k] for k in sorted(by_iter)]


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('work_dirs', nargs='+')
    p.add_argument('--keys', nargs='+', default=['loss'])
    p.add_argument('--out', default='curves.png')
    args = p.parse_args()
    fig, axes = plt.subplots(1, len(args.keys), squeeze=False,
                             figsize=(5 * len(args.keys), 3.5))
    for work_dir in args.work_dirs:
        rows = read_scalars(work_dir)
        if not rows:
            raise SystemExit(f'{work_dir}: no */vis_data/scalars.json rows')
        for ax, key in zip(axes[0], args.keys):
            pts = [(r.get('iter', r.get('step')), r[key]) for r in rows
                   if key in r]
            if not pts:
                continue
            xs, ys = zip(*pts)
            ax.plot(xs, ys, label=osp.basename(osp.normpath(work_dir)))
            ax.set_xlabel('iteration')
            ax.set_ylabel(key)
            print(f'{work_dir}: {key} {ys[0]:.4f} (iter {xs[0]}) -> '
                  f'{ys[-1]:.4f} (iter {xs[-1]}), min {min(ys):.4f}')
    for ax in axes[0]:
        ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f'curves: {args.out}')


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
