"""Linear-probe the Fashion-MNIST ablation (docs/ablation_fashion-mnist.md).

    python tools/analysis_tools/ablation_probe.py \
        [--work-root work_dirs/ablation] [--data-root data]
        [--out docs/ablation_fashion-mnist.json]
        [--out-index I] [--labels-per-class N]

One probe recipe for every row: frozen backbone features (the mean image
token after the final norm) of the first 10k training images (those the
pretraining saw) and all 10k test images, standardised, multinomial
logistic regression with its L2 strength chosen on a 20 % validation split
(gvp/evaluation/linear_eval.py). GVP rows are probed with their own plan's
causal mask kept (paper §5; one seeded plan: deterministic), the main row
also without mask; MAE has no mask rule (probed without); the random-init
row is a GVPViT with seed-0 initial weights, probed both ways (seeds 1
and 2 give the spread of random initialisations).

Diagnostics (same recipe otherwise): ``--out-index`` probes the mean token
after another block (mmpretrain's ``out_indices``, 0-based; -1 = the last,
after the final norm); ``--labels-per-class`` fits on that many labelled
training images per class (seed 0) instead of all 10k.
"""
import argparse
import json
import os.path as osp

import numpy as np
from mmengine.logging import MMLogger

from gvp.apis import FeatureExtractor
from gvp.evaluation.linear_eval import fit_logistic
from gvp.evaluation.protocols import per_class_draw
from gvp.evaluation.transfer_data import find_dataset
from gvp.utils.dependencies import require
from gvp.utils.dist import run_reporting_errors
from gvp.utils.errors import GVPError
from gvp.utils.resume import last_checkpoint_path

CFG_DIR = 'configs/benchmarks/fashion-mnist_ablation'
SUFFIX = '_vit-tiny-p4_1xb64-4e-10k_fashion-mnist.py'
NUM_TRAIN = 10000
CS = (1e-3, 1e-2, 1e-1, 1.)
PROBES = {'gvp-p2p-mixed-k20': (True, False), 'mae': (False, ),
          'gvp-p2p-mixed-k20-v2': (True, False), 'mae-v2': (False, ),
          'random-init': (True, False)}
ROWS = [
    ('gvp-p2p-mixed-k20', 'GVP mixed K=20 (random order)'),
    ('gvp-p2p-fixed-k1', 'GVP fixed K=1 (one group, MAE-like)'),
    ('gvp-p2p-random-k20', 'GVP random length K=20'),
    ('gvp-p2p-mixed-k20-raster', 'GVP mixed K=20, raster order'),
    ('mae', "mmpretrain MAE (same ViT-Tiny, data, schedule)"),
    ('gvp-hog-mixed-k20', 'GVP mixed K=20, HOG target (MaskFeat)'),
    ('gvp-teacher-mixed-k20',
     'GVP mixed K=20, target: features of the MAE row (frozen)'),
    ('gvp-p2p-mixed-k20-2e-60k',
     'GVP mixed K=20, longer: 2 epochs on all 60k images'),
    ('gvp-p2p-mixed-k20-v2', 'GVP mixed K=20, recipe v2 (2800 it on 60k)'),
    ('mae-v2', 'mmpretrain MAE, recipe v2 (2800 it on 60k)'),
    ('random-init', 'random initialisation (no pretraining)'),
    ('random-init-s1', 'random initialisation, seed 1'),
    ('random-init-s2', 'random initialisation, seed 2'),
]


def row_checkpoint(row, work_root):
    """The newest checkpoint of ``row`` (``None``: a random-init row).
    Never a random backbone under a pretrained row's name: refused."""
    if row.startswith('random-init'):
        return None
    ckpt = last_checkpoint_path(osp.join(work_root, row))
    if ckpt is None:
        raise GVPError(f'no checkpoint of row {row} under '
                       f'{osp.join(work_root, row)}: run '
                       'tools/benchmarks_fashion_mnist_ablation.sh first, '
                       'or give --work-root of a finished ablation')
    return ckpt


def extractor_for(row, work_root, probe_mask, out_index=-1):
    """The row's frozen backbone (gvp.apis.FeatureExtractor)."""
    name = row
    if row.startswith(('mae', 'random-init')) or row.endswith(
            ('-60k', '-v2')):
        name = 'gvp-p2p-mixed-k20'  # the same backbone
    seed = int(row.split('-s')[1]) if row.startswith('random-init-s') else 0
    ckpt = row_checkpoint(row, work_root)
    return FeatureExtractor(
        osp.join(CFG_DIR, name + SUFFIX), pretrained=ckpt, mode='probe',
        probe_mask=probe_mask, out_indices=[out_index], seed=seed)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-root', default='work_dirs/ablation')
    p.add_argument('--data-root', default='data')
    p.add_argument('--out', default='docs/ablation_fashion-mnist.json')
    p.add_argument('--rows', nargs='+', choices=[r for r, _ in ROWS],
                   help='probe only these rows, merging into --out')
    p.add_argument('--out-index', type=int, default=-1,
                   help='probe the block with this index (default: last)')
    p.add_argument('--labels-per-class', type=int,
                   help='fit on this many training images per class')
    p.add_argument('--main-probe-only', action='store_true',
                   help="each row's main probe only (GVP: mask kept)")
    return p.parse_args()


def probe_items(args):
    """``(train, test)`` items: the first 5k training images (or a per-class
    draw of them) and the test set; refused without the data."""
    train, test, layout = find_dataset(args.data_root, 'fashion-mnist')
    if train is None:
        raise GVPError(f'Fashion-MNIST not found: {layout} '
                       '(bash tools/install.sh --data, or --data-root)')
    train = train[:NUM_TRAIN]
    if args.labels_per_class:  # choose the labelled items before extracting
        keep = per_class_draw(np.array([y for _, y in train]),
                              args.labels_per_class, seed=0)
        train = [train[i] for i in keep]
    return train, test


def probe_row(row, label, args, train, test) -> dict:
    """The row's probes (mask kept and dropped, or its main one)."""
    out = dict(label=label)
    modes = PROBES.get(row, (True, ))
    if args.out_index != -1 or args.labels_per_class or \
            args.main_probe_only:
        modes = modes[:1]  # diagnostics: the row's main probe only
    for probe_mask in modes:
        features = extractor_for(row, args.work_root, probe_mask,
                                 args.out_index)
        tx, ty = features(train, 512)
        ex, ey = features(test, 512)
        res = fit_logistic(tx, ty, ex, ey, cs=CS, seed=0)
        key = 'mask' if probe_mask else 'no_mask'
        out[key] = res
        print(f"{label:48s} {key:8s} top-1 {res['top1']:.2f} "
              f"(C={res['C']})", flush=True)
    return out


def print_table(results):
    print('\n| pretraining | probe, mask kept | probe, no mask |\n'
          '|---|---|---|')
    for row, label in ROWS:
        r = results.get(row)
        if r is None:
            continue
        m, n = (f"{r[k]['top1']:.2f}" if k in r else '-'
                for k in ('mask', 'no_mask'))
        print(f'| {label} | {m} | {n} |')


def main():
    args = parse_args()
    # the per-parameter init report of mmengine is noise here
    MMLogger.get_instance('ablation_probe', log_level='WARNING')
    # everything the run needs, before the first feature is extracted
    require('ablation_probe.py', 'sklearn')
    rows = [(r, label) for r, label in ROWS if not args.rows or r in args.rows]
    for row, _ in rows:
        row_checkpoint(row, args.work_root)
    train, test = probe_items(args)
    results = {}
    if args.rows and osp.isfile(args.out):
        with open(args.out) as f:
            results = json.load(f)
    for row, label in rows:
        results[row] = probe_row(row, label, args, train, test)
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=1)
    print_table(results)


if __name__ == '__main__':
    run_reporting_errors(main)
