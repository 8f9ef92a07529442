"""The Fashion-MNIST study (docs/study_fashion-mnist.md): rows x seeds of
pretrainings, every evaluation protocol, learning curves, and the tables --
one command, resumable, jobs side by side (:mod:`gvp.study`).

    python tools/benchmarks/fashion_mnist_study.py [--jobs 2] [--threads 1]
        [--rows ROW ...] [--seeds S ...] [--stages run table] [--dry-run]

Each job's result is a JSON file in its run's folder
(``work_dirs/study/ROW/seedS``); a job whose file exists is skipped, so the
command can be interrupted and rerun at any time (also in a later session).
``table`` writes docs/study_fashion-mnist.{json,md} (and the curves'
table and picture where curve rows ran).
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:  # this checkout's gvp, also when not installed
    sys.path.insert(0, ROOT)


def parse_args(rows):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-root', default='work_dirs/study')
    p.add_argument('--rows', nargs='+', choices=rows, default=rows,
                   help='rows to run (default: all, curves included)')
    p.add_argument('--seeds', nargs='+', type=int,
                   help='only these seeds of the rows (default: all)')
    p.add_argument('--jobs', type=int, default=2, help='jobs at a time')
    p.add_argument('--threads', type=int, default=1,
                   help='OMP threads per job (2 x 1 beat 1 x 2 by ~20 %% '
                   'on a 2-core machine)')
    p.add_argument('--stages', nargs='+', default=['run', 'table'],
                   choices=['run', 'table'])
    p.add_argument('--dry-run', action='store_true',
                   help='list the jobs still to do, run nothing')
    p.add_argument('--job', help=argparse.SUPPRESS)  # one job, as JSON
    return p.parse_args()


def main():
    from mmengine.logging import MMLogger

    from gvp import study
    args = parse_args(list(study.ROWS))
    root = osp.join(ROOT, args.work_root)
    # the per-parameter init report of mmengine is noise here
    MMLogger.get_instance('study', log_level='WARNING')
    if args.job:
        study.job_from_json(args.job).run(root)
        return 0
    rc = 0
    if 'run' in args.stages:
        jobs = study.all_jobs(args.rows, args.seeds)
        rc = study.run_queue(jobs, root, args.jobs, args.threads,
                             args.dry_run)
    if 'table' in args.stages and not args.dry_run:
        study.write_table(root)
        study.write_curves(root)
    return rc


if __name__ == '__main__':
    sys.exit(main())
