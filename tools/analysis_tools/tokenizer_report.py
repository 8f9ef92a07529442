"""How well a trained tokenizer reconstructs a held-out split.

    python tools/analysis_tools/tokenizer_report.py CONFIG CHECKPOINT \
        [--ann-file meta/val.txt] [--data-prefix val] [--data-root DIR]
        [--num-images N] [--batch-size 256] [--out-dir DIR]

CONFIG is the tokenizer's training config (its train dataset gives the data
root and layout; the split is chosen with --ann-file / --data-prefix, no
augmentation). Prints and writes ``report.json``: mean L1 and MSE on [0, 1]
pixels, PSNR, the fraction of the codebook used over the split and its
perplexity; writes ``recon.png``: originals (odd rows) above their
reconstructions (even rows).
"""
import argparse
import json
import math
import os
import os.path as osp

import torch
from mmengine.config import DictAction
from mmengine.dataset import default_collate
from mmengine.utils import ProgressBar

from gvp.apis import get_model
from gvp.utils.eval_split import add_split_args, build_split
from gvp.utils.views import preprocess_images


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    add_split_args(p)
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--grid', type=int, default=16,
                   help='images in the PNG (a multiple of 8 looks best)')
    p.add_argument('--out-dir', default=None,
                   help='default: the checkpoint\'s folder')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    return p.parse_args()


@torch.no_grad()
def evaluate(tokenizer, dataset, batch_size):
    """Mean L1 / MSE over the split, code counts, and the first batch."""
    pre = tokenizer.data_preprocessor
    l1 = mse = 0.
    n = 0
    counts = torch.zeros(tokenizer.num_codes, dtype=torch.long)
    first = None
    bar = ProgressBar(len(dataset))  # images done, elapsed, ETA
    for start in range(0, len(dataset), batch_size):
        batch = default_collate([dataset[i] for i in range(
            start, min(start + batch_size, len(dataset)))])
        x = preprocess_images(pre, batch)
        ids = tokenizer.encode_ids(x)
        rec = tokenizer.decode_ids(ids)
        l1 += (rec - x).abs().mean((1, 2, 3)).sum().item()
        mse += (rec - x).pow(2).mean((1, 2, 3)).sum().item()
        n += x.shape[0]
        counts += torch.bincount(ids.flatten(), minlength=counts.numel())
        if first is None:
            first = (x, rec)
        bar.update(x.shape[0])
    probs = counts.float() / counts.sum()
    nz = probs[probs > 0]
    return dict(
        images=n,
        l1=l1 / n,
        mse=mse / n,
        psnr=10 * math.log10(1. / (mse / n)),
        codebook_used=int((counts > 0).sum()),
        codebook_size=counts.numel(),
        usage=float((counts > 0).float().mean()),
        perplexity=float(torch.exp(-(nz * nz.log()).sum()))), first


def save_grid(x, rec, path, num, per_row=8):
    from torchvision.utils import save_image
    num = min(num, x.shape[0])
    rows = []
    for s in range(0, num, per_row):
        rows += [x[s:s + per_row], rec[s:s + per_row]]
    save_image(torch.cat(rows), path, nrow=per_row, padding=1,
               pad_value=1.0)


def main():
    args = parse_args()
    # the tokenizer loads (strictly) its own checkpoint, frozen
    tokenizer = get_model(args.config, cfg_options=dict(
        args.cfg_options or {}, **{'model.checkpoint': args.checkpoint,
                                   'model.frozen': True}))
    cfg = tokenizer.cfg
    dataset = build_split(cfg, args.ann_file, args.data_prefix,
                          args.data_root, args.num_images)
    report, (x, rec) = evaluate(tokenizer, dataset, args.batch_size)
    out_dir = args.out_dir or osp.dirname(osp.abspath(args.checkpoint))
    os.makedirs(out_dir, exist_ok=True)
    save_grid(x, rec, osp.join(out_dir, 'recon.png'), args.grid)
    report.update(checkpoint=args.checkpoint, split=args.ann_file)
    with open(osp.join(out_dir, 'report.json'), 'w') as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report, indent=1))
    print(f'grid: {osp.join(out_dir, "recon.png")}')


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
