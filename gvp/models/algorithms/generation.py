"""Group-autoregressive generation and the one-shot baseline (paper
appendix F, table 8, figure 2).

Given a visible set ``G_0`` and predicted groups ``G_1..G_K`` (a plan of
ranks), the masked tokens are produced group by group: step ``k`` runs the
two streams on the current tokens and writes the prediction of group ``k``
into them, so group ``k + 1`` is conditioned on ``G_0`` and on the groups
generated so far. The causal masks guarantee that a step never reads the
original content of groups ``>= k``. ``one_shot`` puts every masked token in
a single group: MAE-style prediction from the visible tokens alone.

* p2p: predicted pixels are fed back as content. With ``norm_pix`` the head
  predicts per-patch normalised pixels; they are mapped back with the
  original patch's mean and variance, as MAE's visualisation does (2
  numbers per patch; the same for both generation modes).
* d2d: ids are fed back (argmax, or sampled at ``temperature > 0``) and the
  tokenizer decodes the final ids.
"""
from typing import NamedTuple, Optional

import torch
from torch import Tensor

from ..masking.plans import ranks_from_plan, sample_order


class Generated(NamedTuple):
    """Attributes:
        images (Tensor): ``[B, C, H, W]`` in ``[0, 1]``: visible tokens as
            given, masked tokens generated.
        ranks (Tensor): ``[B, T]`` the plan used (0 = visible).
        tokens (Tensor): p2p ``[B, T, p*p*C]`` generated patches (normalised
            input space); d2d ``[B, T]`` ids.
    """
    images: Tensor
    ranks: Tensor
    tokens: Tensor


def reveal_plan(batch_size: int, num_tokens: int, mask_ratio: float = 0.75,
                num_groups: int = 8, order: str = 'random', device=None,
                generator: Optional[torch.Generator] = None) -> Tensor:
    """Ranks ``[B, T]``: ``round(T (1 - mask_ratio))`` visible tokens of a
    random order (rank 0), the masked rest split into ``K`` groups of equal
    size (ranks ``1..K``, ``K`` at most the number masked)."""
    if not 0. < mask_ratio <= 1.:
        raise ValueError(f'mask_ratio must be in (0, 1], got {mask_ratio}')
    z = sample_order(batch_size, num_tokens, order, device, generator)
    visible = int(round(num_tokens * (1. - mask_ratio)))
    masked = num_tokens - visible
    k = max(1, min(num_groups, masked))
    i = torch.arange(0, k + 1, device=device)
    n = visible + torch.div(i * masked, k, rounding_mode='floor')
    return ranks_from_plan(z, n.expand(batch_size, -1).contiguous())


def _steps(ranks: Tensor, one_shot: bool):
    if one_shot:
        ranks = (ranks > 0).long()
    return ranks, int(ranks.max())


@torch.no_grad()
def generate_pixels(model, images: Tensor, ranks: Tensor,
                    one_shot: bool = False) -> Generated:
    """p2p. ``images [B, C, H, W]`` normalised as the model's input."""
    backbone, head = model.backbone, model.head
    plan, steps = _steps(ranks, one_shot)
    patches = head.patchify(images)
    current = patches.clone()
    if head.norm_pix:
        mean = patches.mean(dim=-1, keepdim=True)
        std = (patches.var(dim=-1, keepdim=True) + 1.e-6)**.5
    for k in range(1, steps + 1):
        out = backbone(head.unpatchify(current), ranks=plan)
        rows = out.rank == k
        b, t = out.batch_idx[rows], out.token_idx[rows]
        pred = head(out.feats[rows])
        if head.norm_pix:
            pred = pred * std[b, t] + mean[b, t]
        current[b, t] = pred.to(current.dtype)
    return Generated(model.to_unit_range(head.unpatchify(current)), ranks,
                     current)


@torch.no_grad()
def generate_ids(model, images: Tensor, ranks: Tensor,
                 one_shot: bool = False, temperature: float = 0.,
                 generator: Optional[torch.Generator] = None) -> Generated:
    """d2d. ``images`` normalised; the tokenizer gives the visible ids."""
    backbone, head = model.backbone, model.head
    plan, steps = _steps(ranks, one_shot)
    ids = model.tokenize(images)
    shape = ids.shape
    current = ids.flatten(1).clone()
    for k in range(1, steps + 1):
        out = backbone(current.view(shape), ranks=plan)
        rows = out.rank == k
        logits = head(out.feats[rows]).float()
        if temperature > 0:
            probs = torch.softmax(logits / temperature, dim=-1)
            pred = torch.multinomial(probs, 1, generator=generator)[:, 0]
        else:
            pred = logits.argmax(dim=-1)
        current[out.batch_idx[rows], out.token_idx[rows]] = pred
    return Generated(model.tokenizer.decode_ids(current.view(shape)), ranks,
                     current)
