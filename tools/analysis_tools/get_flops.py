"""FLOPs of GVP's real work next to a plain ViT of the same architecture.

    python tools/analysis_tools/get_flops.py CONFIG [--batch-size 8]
        [--seed 0] [--cfg-options k=v ...]

Counts the forward pass of the backbone with torch's ``FlopCounterMode``
(matrix products and attention; normalisation and indexing are left out,
as usual) for a batch with plans drawn from the config's mask generator, so
the two streams, the pruning (content tokens of the last group dropped,
query rows only for predicted tokens) and the padding of the attention call
are what is measured. Next to it: the same architecture as a plain ViT
(``GVPFinetuneViT``: mmpretrain's forward), the analytic ratio for the
plan's mean token counts, and the tokenizer's encode (p2d / d2d) on its
own row. Numbers are forward GFLOPs per image (one multiply-add = 2 FLOPs).
"""
import argparse

import torch
from mmengine.config import DictAction
from torch.utils.flop_counter import FlopCounterMode

from gvp.apis import get_model
from gvp.models.backbones import backbone_for_role
from gvp.models.masking import full_ranks
from gvp.registry import MODELS


def count(fn) -> float:
    with FlopCounterMode(display=False) as counter:
        with torch.no_grad():
            fn()
    return float(counter.get_total_flops())


def analytic(backbone, rank: torch.Tensor):
    """Forward FLOPs per image of the backbone: the two-stream form for the
    full-sequence ranks ``rank [B, S + T]`` and the plain ViT's, and the
    mean content / query row counts."""
    D = backbone.embed_dims
    F = backbone.layers[0].ffn.layers[0][0].out_features
    L = len(backbone.layers)
    S = backbone.num_cond_tokens
    T = rank.shape[1] - S
    proj = backbone.patch_embed.projection
    stem = 2 * T * proj.in_channels * proj.kernel_size[0] * \
        proj.kernel_size[1] * D
    if backbone.prune:
        c = (rank < rank.max(dim=1, keepdim=True).values).sum(1).double()
        q = (rank >= 1).sum(1).double()
    else:
        c = q = torch.full((rank.shape[0], ),
                           float(S + T),
                           dtype=torch.float64)
    rows = c + q
    # Q for all rows, K/V for content rows, output projection, MLP, and
    # attention of every row over the content keys
    block = 2 * rows * D * D + 4 * c * D * D + 2 * rows * D * D + \
        4 * rows * D * F + 4 * rows * c * D
    gvp = stem + L * float(block.mean())
    n = S + T
    vit = stem + L * (8 * n * D * D + 4 * n * D * F + 4 * n * n * D)
    return gvp, vit, float(c.mean()), float(q.mean())


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    return p.parse_args()


def measure(model, b: int):
    """``(rows [(name, FLOPs per image)], rank)`` of the backbone on a
    batch of ``b`` with plans of its mask generator, the same architecture
    as a plain ViT and, for two streams, the analytic counts."""
    backbone = model.backbone
    plain = MODELS.build(
        backbone_for_role(model.cfg.model.backbone, 'finetune'))
    plain.eval()  # (mmpretrain's ViT.train() returns None)
    res = backbone.patch_resolution
    size = (res[0] * backbone.patch_size, res[1] * backbone.patch_size)
    images = inputs = torch.randn(b, 3, *size)
    vocab = getattr(backbone.patch_embed, 'vocab_size', None)
    if vocab is not None:  # an id input (d2d)
        inputs = torch.randint(vocab, (b, *res))
    ranks = backbone.mask_generator(b, res).ranks
    rank = full_ranks(ranks, backbone.num_cond_tokens)
    rows = [('GVP backbone (measured)',
             count(lambda: backbone(inputs, ranks)) / b),
            ('plain ViT (measured)', count(lambda: plain(inputs)) / b)]
    if hasattr(backbone, 'prune'):  # the two-stream form has a formula
        gvp, vit, _, _ = analytic(backbone, rank)
        rows += [('GVP backbone (analytic)', gvp),
                 ('plain ViT (analytic)', vit)]
    if getattr(model, 'tokenizer', None) is not None:
        rows.append(('tokenizer encode (measured)', count(
            lambda: model.tokenizer.encode_ids(images.clamp(0, 1))) / b))
    return rows, rank


def main():
    args = parse_args()
    torch.manual_seed(args.seed)
    model = get_model(args.config, cfg_options=args.cfg_options)
    rows, rank = measure(model, args.batch_size)
    backbone, flops = model.backbone, dict(rows)
    c = float((rank < rank.max(dim=1, keepdim=True).values).sum(1).double()
              .mean())
    q = float((rank >= 1).sum(1).double().mean())
    res = backbone.patch_resolution
    print(f'config: {args.config}')
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


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
