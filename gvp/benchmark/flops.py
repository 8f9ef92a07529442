"""FLOPs of GVP's real work: the backbone's forward for a batch with plans
drawn from its mask generator (both streams, pruned rows, padded attention
call), next to the same architecture as a plain ViT and the analytic
two-stream count (docs/design.md §8).

Counted with torch's ``FlopCounterMode``: matrix products and attention;
one multiply-add = 2 FLOPs. Normalisation and indexing are left out, as
usual. torch 2.14 has no formula for the CPU kernel of
``scaled_dot_product_attention`` (it counts the CUDA kernels only), so
:func:`count` adds it: without it a CPU count leaves attention out, which
mmengine's jit counter behind mmpretrain's ``get_flops`` does as well.
"""
from typing import Callable, List, Tuple

import torch
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count

from gvp.models.backbones import backbone_for_role
from gvp.models.masking import full_ranks
from gvp.registry import MODELS


def _cpu_attention(query_shape, key_shape, value_shape, *args, **kwargs):
    """The CPU attention kernel's FLOPs, as torch counts the CUDA ones:
    ``Q K^T`` and ``A V`` over every (padded) row and key."""
    return sdpa_flop_count(query_shape, key_shape, value_shape)


#: FLOP formulas torch lacks, by op (see the module docstring)
MISSING_FORMULAS = {
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu:
    _cpu_attention
}


def count(fn: Callable[[], object]) -> float:
    """Forward FLOPs of ``fn()`` (no autograd), attention on CPU included."""
    with FlopCounterMode(display=False,
                         custom_mapping=MISSING_FORMULAS) as counter:
        with torch.no_grad():
            fn()
    return float(counter.get_total_flops())


def row_counts(backbone, rank: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """``(content, query)`` rows per image ``[B]`` the backbone computes for
    full-sequence ranks ``rank [B, S + T]``: pruned, content rows are the
    tokens before the last group and query rows the predicted ones (eq. 5-6,
    appendix A); unpruned, every row of both streams."""
    if getattr(backbone, 'prune', False):
        c = (rank < rank.max(dim=1, keepdim=True).values).sum(1).double()
        return c, (rank >= 1).sum(1).double()
    full = torch.full((rank.shape[0], ), float(rank.shape[1]),
                      dtype=torch.float64)
    return full, full


def stem_flops(patch_embed, tokens: int, dims: int) -> float:
    """The input embedding of ``tokens`` tokens: a patch convolution's
    products, or 0 for an id lookup (d2d's ``IdEmbedding``)."""
    proj = getattr(patch_embed, 'projection', None)
    if proj is None:
        return 0.
    kh, kw = proj.kernel_size
    return 2. * tokens * proj.in_channels * kh * kw * dims


def block_flops(rows, content, dims: int, hidden: int):
    """One block: Q, output projection and MLP for ``rows``, K/V for the
    ``content`` rows, attention of every row over the content keys."""
    return 4 * rows * dims * dims + 4 * content * dims * dims + \
        4 * rows * dims * hidden + 4 * rows * content * dims


def analytic(backbone, rank: torch.Tensor) -> Tuple[float, float]:
    """Forward FLOPs per image ``(two-stream, plain ViT)`` of the backbone
    for the full-sequence ranks ``rank [B, S + T]``, averaged over images:
    blocks before ``query_from`` run the content rows alone, a pruned last
    block the query rows alone (content rows give keys and values only)."""
    D = backbone.embed_dims
    F = backbone.layers[0].ffn.layers[0][0].out_features
    L = len(backbone.layers)
    n = rank.shape[1]
    stem = stem_flops(backbone.patch_embed, n - backbone.num_cond_tokens, D)
    c, q = row_counts(backbone, rank)
    total = torch.zeros_like(c)
    for i in range(L):
        rows = c if i < backbone.query_from else c + q
        if i == L - 1 and backbone.prune_last_block:
            rows = q
        total += block_flops(rows, c, D, F)
    vit = stem + L * block_flops(n, n, D, F)
    return stem + float(total.mean()), vit


def _inputs(backbone, b: int):
    """``(images [b, 3, H, W], backbone inputs)``: the ids of a d2d input
    embedding, else the images."""
    res = backbone.patch_resolution
    images = torch.randn(b, 3, res[0] * backbone.patch_size,
                         res[1] * backbone.patch_size)
    vocab = getattr(backbone.patch_embed, 'vocab_size', None)
    if vocab is None:
        return images, images
    return images, torch.randint(vocab, (b, *res))


def measure(model, b: int) -> Tuple[List[Tuple[str, float]], torch.Tensor]:
    """``(rows [(name, FLOPs per image)], rank [b, S + T])`` of ``model``'s
    backbone on a batch of ``b`` with plans of its mask generator, the same
    architecture as a plain ViT, for two streams the analytic counts, and
    the tokenizer's encode (p2d / d2d)."""
    backbone = model.backbone
    plain = MODELS.build(
        backbone_for_role(model.cfg.model.backbone, 'finetune'))
    plain.eval()  # (mmpretrain's ViT.train() returns None)
    images, inputs = _inputs(backbone, b)
    ranks = backbone.mask_generator(b, backbone.patch_resolution).ranks
    rank = full_ranks(ranks, backbone.num_cond_tokens)
    rows = [('GVP backbone (measured)',
             count(lambda: backbone(inputs, ranks)) / b),
            ('plain ViT (measured)', count(lambda: plain(inputs)) / b)]
    if hasattr(backbone, 'prune'):  # the two-stream form has a formula
        gvp, vit = analytic(backbone, rank)
        rows += [('GVP backbone (analytic)', gvp),
                 ('plain ViT (analytic)', vit)]
    if getattr(model, 'tokenizer', None) is not None:
        rows.append(('tokenizer encode (measured)', count(
            lambda: model.tokenizer.encode_ids(images.clamp(0, 1))) / b))
    return rows, rank
