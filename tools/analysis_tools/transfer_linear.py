"""Transfer benchmark (paper table 2): frozen features of the nine datasets,
multinomial logistic regression, one table with the average.

    python tools/analysis_tools/transfer_linear.py CONFIG CHECKPOINT \
        --data-root data/transfer [--datasets aircraft caltech101 ...]
        [--img-size N] [--batch-size 256] [--max-train N] [--seed 0]
        [--out-dir DIR]

CONFIG gives the feature extractor (``model.backbone``, e.g. a linear-probe
config: GVPViT in ``probe`` mode gives the mean image token) and the input
normalisation (``data_preprocessor``). CHECKPOINT: the converter's backbone
weights, any checkpoint with ``backbone.`` weights (GVP, MAE, ...), or
``none`` for a randomly initialised backbone (seeded). Each dataset is
read by mmpretrain's dataset class from its official layout under
``DATA_ROOT/<name>/`` (``gvp/evaluation/transfer_data.py``); missing ones
are skipped with a line saying what was expected. Every image gets the
transfer protocol's view, whatever the config's own test pipeline:
``ResizeCenterCrop`` at ``--img-size`` (default: the backbone's). Writes
``transfer.md`` and ``transfer.json``.
"""
import argparse
import json
import os
import os.path as osp

import numpy as np
import torch
from mmengine.config import DictAction

from gvp.apis import FeatureExtractor
from gvp.evaluation.linear_eval import fit_logistic
from gvp.evaluation.transfer_data import find_dataset
from gvp.utils.dependencies import require
from gvp.utils.dist import run_reporting_errors
from gvp.utils.errors import GVPError

DATASETS = ('aircraft', 'caltech101', 'cars', 'cifar10', 'cifar100', 'dtd',
            'flowers', 'food101', 'pets')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint', help="backbone weights, or 'none'")
    p.add_argument('--data-root', required=True)
    p.add_argument('--datasets', nargs='+', default=list(DATASETS))
    p.add_argument('--img-size', type=int,
                   help='default: the backbone\'s img_size')
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--max-train', type=int, default=0,
                   help='use at most N training images per dataset')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu')
    p.add_argument('--out-dir', default='.')
    return p.parse_args()


def table(results, names):
    done = [n for n in names if n in results]
    cells = [f"{results[n]['top1']:.2f}" for n in done]
    avg = np.mean([results[n]['top1'] for n in done])
    return ('| ' + ' | '.join(done + ['Avg']) + ' |\n|' +
            '---|' * (len(done) + 1) + '\n| ' + ' | '.join(
                cells + [f'{avg:.2f}']) + ' |\n'), avg


def found_datasets(args) -> dict:
    """``{name: (train, test, layout)}`` of the datasets found; the others
    said in a line each. None found: refused before a model is built."""
    found, missing = {}, []
    for name in args.datasets:
        train, test, layout = find_dataset(args.data_root, name)
        if train and test:
            found[name] = (train, test, layout)
        else:
            missing.append(f'{name}: {layout}' + (
                ' found but a split is empty' if train is not None else ''))
    if not found:
        raise GVPError(f'none of --datasets found under --data-root '
                       f'{args.data_root} ({"; ".join(missing)[:400]}); '
                       'lay them out as gvp/evaluation/transfer_data.py says')
    for line in missing:
        print(f'skip {line}')
    return found


def main():
    args = parse_args()
    require('transfer_linear.py', 'sklearn')
    datasets = found_datasets(args)
    # the config's backbone as it is (e.g. a linear-probe config: probe
    # mode, the mean image token)
    features = FeatureExtractor(
        args.config,
        pretrained=None if args.checkpoint.lower() == 'none' else
        args.checkpoint, mode=None, out_indices=None,
        cfg_options=args.cfg_options, seed=args.seed, device=args.device,
        img_size=args.img_size or 0)
    results = {}
    for name, (train, test, layout) in datasets.items():
        if args.max_train and len(train) > args.max_train:
            rng = np.random.default_rng(args.seed)
            keep = rng.choice(len(train), args.max_train, replace=False)
            train = [train[i] for i in sorted(keep)]
        tx, ty = features(train, args.batch_size)
        ex, ey = features(test, args.batch_size)
        results[name] = dict(fit_logistic(tx, ty, ex, ey, seed=args.seed),
                             layout=layout)
        print(f"{name}: {results[name]['top1']:.2f} "
              f"(C={results[name]['C']}, {layout}, "
              f"{len(ty)} train / {len(ey)} test)")
    md, avg = table(results, args.datasets)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(osp.join(args.out_dir, 'transfer.md'), 'w') as f:
        f.write(md)
    with open(osp.join(args.out_dir, 'transfer.json'), 'w') as f:
        json.dump(dict(checkpoint=args.checkpoint, config=args.config,
                       average=avg, results=results), f, indent=1)
    print(md)


if __name__ == '__main__':
    run_reporting_errors(main)
