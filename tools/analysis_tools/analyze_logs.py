"""mmpretrain's ``analyze_logs`` (``plot_curve`` / ``cal_train_time``, its
CLI) on gvp work dirs: a work dir given for a log is its runs merged (a
resumed run's rows replace the iterations it repeats), and ``plot_curve``
also prints each key's first, last and lowest value. Without a
sub-command it plots; without ``--out`` it saves ``curves.png`` (no
display here).

    python tools/analysis_tools/analyze_logs.py [plot_curve] WORK_DIR|LOG...
        [--keys loss] [--out curves.png] [--title T] [--legend L ...]
    python tools/analysis_tools/analyze_logs.py cal_train_time WORK_DIR|LOG...
"""
import json
import os
import os.path as osp
import sys
import tempfile
from glob import glob

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:  # this checkout's gvp, also when not installed
    sys.path.insert(0, ROOT)
COMMANDS = ('plot_curve', 'cal_train_time')


def read_scalars(work_dir: str):
    """Rows of every run of ``work_dir`` in order, later runs (resumes)
    overriding the iterations they repeat; ``step`` as mmpretrain reads
    it."""
    by_iter = {}
    for path in sorted(glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json'))):
        with open(path) as f:
            for row in map(json.loads, f):
                if 'iter' in row or 'step' in row:
                    row.setdefault('step', row.get('iter'))
                    by_iter[row['step']] = row
    if not by_iter:
        from gvp.utils.errors import GVPError
        raise GVPError(f'{work_dir}: no */vis_data/scalars.json rows; give '
                       'a work dir of tools/train.py or a scalars.json')
    return [by_iter[k] for k in sorted(by_iter)]


def summary(name: str, rows, keys) -> None:
    for key in keys:
        pts = [(r['step'], r[key]) for r in rows if key in r]
        if pts:
            (x0, y0), (x1, y1) = pts[0], pts[-1]
            print(f'{name}: {key} {y0:.4f} (iter {x0}) -> {y1:.4f} '
                  f'(iter {x1}), min {min(y for _, y in pts):.4f}')


def merged(argv, tmp: str):
    """``argv`` with each work dir among its logs replaced by its merged
    log (named for the work dir: mmpretrain's legend)."""
    out, keys = list(argv), ['loss']
    if '--keys' in argv:
        rest = argv[argv.index('--keys') + 1:]
        keys = [k for k in rest[:next((i for i, a in enumerate(rest)
                                       if a.startswith('-')), len(rest))]]
    for i, arg in enumerate(argv[1:], 1):
        if arg.startswith('-'):
            break  # the logs come first
        if not osp.exists(arg):
            from gvp.utils.errors import GVPError
            raise GVPError(f'{arg}: no such work dir or log; give a work '
                           'dir of tools/train.py or a scalars.json')
        if osp.isdir(arg):
            rows = read_scalars(arg)
            out[i] = osp.join(tmp, f'{osp.basename(osp.normpath(arg))}.json')
            with open(out[i], 'w') as f:
                f.writelines(json.dumps(r) + '\n' for r in rows)
            if argv[0] == 'plot_curve':
                summary(arg, rows, keys)
    return out


def main():
    from gvp.utils.mmpretrain_tools import run_tool
    argv = sys.argv[1:]
    if argv and argv[0] not in COMMANDS + ('-h', '--help'):
        argv = ['plot_curve'] + argv
    if argv[:1] == ['plot_curve'] and '--out' not in argv:
        argv += ['--out', 'curves.png']
    os.environ.setdefault('MPLBACKEND', 'Agg')
    with tempfile.TemporaryDirectory() as tmp:
        run_tool('analyze_logs', merged(argv, tmp) if argv else argv)


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
