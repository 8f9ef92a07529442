"""mmpretrain's ``get_flops`` on a gvp config (its CLI: ``CONFIG --shape H
[W]``; its table of ``extract_feat``), then what it cannot count: GVP's
real pretraining work next to a plain ViT of the same architecture.

    python tools/analysis_tools/get_flops.py CONFIG|NAME [--shape H [W]]
        [--batch-size 8] [--seed 0] [--cfg-options k=v ...]

mmpretrain's count runs ``extract_feat`` once, without a plan, through
mmengine's jit counter (one multiply-add = 1 FLOP; attention products of
``scaled_dot_product_attention`` are not seen). gvp's section counts the
backbone on a batch with plans drawn from the config's mask generator, so
the two streams, the pruning (content rows of the last group dropped, query
rows only for predicted tokens) and the padded attention call are what is
measured, with torch's ``FlopCounterMode`` (multiply-add = 2 FLOPs);
beside it the analytic ratio for the plan's mean token counts and the
tokenizer's encode (p2d / d2d) on its own row (:mod:`gvp.benchmark.flops`).
Additions to mmpretrain's CLI: a model-index name for CONFIG,
``--cfg-options`` (for both parts), ``--shape`` defaulting to the config's
``img_size`` (mmpretrain's 224 fits ImageNet configs only).
"""
import argparse
import os.path as osp
import sys
import tempfile

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:  # this checkout's gvp, also when not installed
    sys.path.insert(0, ROOT)


def parse_args():
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(
        description=' '.join(__doc__.split('\n\n')[0].split()))
    p.add_argument('config', help='config file or model-index name')
    p.add_argument('--shape', type=int, nargs='+',
                   help="input image size H [W] (default: the config's "
                   'img_size)')
    p.add_argument('--batch-size', type=int, default=8,
                   help='images (plans) in the batch gvp counts')
    p.add_argument('--seed', type=int, default=0, help='seed of the plans')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    args = p.parse_args()
    if args.shape is not None and len(args.shape) not in (1, 2):
        p.error(f'--shape {" ".join(map(str, args.shape))}: give H or H W')
    return args


def overrides(args) -> dict:
    """``--cfg-options`` with ``--shape`` as the backbone's ``img_size``."""
    opts = dict(args.cfg_options or {})
    if args.shape is not None:
        opts['model.backbone.img_size'] = tuple(args.shape * 2)[:2] \
            if len(args.shape) == 1 else tuple(args.shape)
    return opts


def run_mmpretrain(cfg, tmp: str) -> None:
    """mmpretrain's ``get_flops`` on ``cfg`` (written to ``tmp``)."""
    from mmengine.utils import to_2tuple

    from gvp.utils.mmpretrain_tools import run_tool
    path = osp.join(tmp, osp.basename(cfg.filename or 'config.py'))
    cfg.dump(path)
    h, w = to_2tuple(cfg.model.backbone.get('img_size', 224))
    run_tool('get_flops', [path, '--shape', str(h), str(w)])


def report(config, rows, rank, backbone, args) -> None:
    """gvp's section: the counted rows and the GVP / plain ViT ratio."""
    from gvp.benchmark.flops import row_counts
    flops = dict(rows)
    c, q = (float(n.mean()) for n in row_counts(backbone, rank))
    res = backbone.patch_resolution
    print(f"\n== GVP's pretraining work (torch FlopCounterMode, one "
          f'multiply-add = 2 FLOPs) ==\nconfig: {config}')
    print(f'tokens: S={backbone.num_cond_tokens} T={res[0] * res[1]}; '
          f'mean content rows {c:.1f}, query rows {q:.1f} '
          f'(batch {args.batch_size}, seed {args.seed})')
    print(f'{"":32s} {"GFLOPs/img":>10s}')
    for name, value in rows:
        print(f'{name:32s} {value / 1e9:10.2f}')
    ratio = flops['GVP backbone (measured)'] / flops['plain ViT (measured)']
    line = f'GVP / plain ViT: measured {ratio:.3f}'
    if 'GVP backbone (analytic)' in flops:
        ratio_analytic = flops['GVP backbone (analytic)'] / \
            flops['plain ViT (analytic)']
        line += (f', analytic {ratio_analytic:.3f} (difference '
                 f'{100 * (ratio / ratio_analytic - 1):+.1f} %)')
    print(line)


def main():
    import torch

    from gvp.apis import get_config, get_model
    from gvp.benchmark.flops import measure
    args = parse_args()
    cfg = get_config(args.config, overrides(args))
    with tempfile.TemporaryDirectory() as tmp:
        run_mmpretrain(cfg, tmp)
    torch.manual_seed(args.seed)
    model = get_model(cfg)
    rows, rank = measure(model, args.batch_size)
    report(args.config, rows, rank, model.backbone, args)


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
