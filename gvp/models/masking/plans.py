"""Group plans: order ``z``, boundaries ``n_0 < ... < n_K = T``, ranks.

Section 3.2 and appendix B of the paper. All samplers are vectorised over the
batch and draw on the requested device; ``generator`` makes them repeatable.

Shapes: ``B`` samples, ``T`` image tokens, ``K`` predicted groups.

* ``order``      ``[B, T]`` long, ``order[b, t]`` = 0-based token index
  ``z_{t+1} - 1`` (the token placed ``t``-th).
* ``boundaries`` ``[B, K + 1]`` long, ``n_0 .. n_K`` with ``n_K = T``.
  ``G_0 = z_1..z_{n_0}`` (may be empty: ``n_0 = 0``) is part of the
  condition; ``G_k = z_{n_{k-1}+1}..z_{n_k}`` for ``k = 1..K``.
* ``ranks``      ``[B, T]`` long, the group of each token *at the token's own
  position*: ``ranks[b, z_t - 1] = k`` for ``z_t`` in ``G_k``.
"""
from typing import NamedTuple, Optional

import torch


class GroupPlan(NamedTuple):
    """One sampled plan for a batch (see module docstring for shapes)."""
    order: torch.Tensor
    boundaries: torch.Tensor
    ranks: torch.Tensor

    @property
    def num_groups(self) -> int:
        return self.boundaries.shape[1] - 1


def _uniform(shape, device, generator) -> torch.Tensor:
    return torch.rand(shape, device=device, generator=generator)


def fixed_boundaries(batch_size: int,
                     num_tokens: int,
                     num_groups: int,
                     device=None) -> torch.Tensor:
    """Fixed length: ``n_i = floor((i + 1) T / (K + 1))``, ``i = 0..K``."""
    i = torch.arange(num_groups + 1, device=device)
    n = torch.div((i + 1) * num_tokens, num_groups + 1, rounding_mode='floor')
    return n.expand(batch_size, -1).contiguous()


def _sorted_distinct_below(limit: torch.Tensor, count: int, num_tokens: int,
                           generator) -> torch.Tensor:
    """Per sample ``count`` distinct integers from ``[1, limit_b - 1]``,
    sorted, as ``[B, count]``. Random scores on the candidates ``1..T-1``;
    candidates at or above the limit get ``+inf`` so they are never among the
    ``count`` smallest (the caller guarantees ``limit_b - 1 >= count``)."""
    batch_size = limit.shape[0]
    device = limit.device
    cand = torch.arange(1, num_tokens, device=device)
    scores = _uniform((batch_size, num_tokens - 1), device, generator)
    scores = scores.masked_fill(cand[None, :] >= limit[:, None], float('inf'))
    picked = scores.topk(count, dim=1, largest=False).indices + 1
    return picked.sort(dim=1).values


def random_boundaries(
        batch_size: int,
        num_tokens: int,
        num_groups: int,
        device=None,
        generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Random length: ``n_0..n_{K-1}`` sorted ``K`` distinct draws from
    ``[1, T-1]`` (appendix B), ``n_K = T``."""
    limit = torch.full((batch_size, ), num_tokens, device=device)
    inner = _sorted_distinct_below(limit, num_groups, num_tokens, generator)
    return torch.cat([inner, limit[:, None]], dim=1)


def mixed_boundaries(
        batch_size: int,
        num_tokens: int,
        num_groups: int,
        mean: float = 0.5,
        std: float = 0.1,
        device=None,
        generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Mixed length: ``n_{K-1} = round(p T)``, ``p ~ N(mean, std)``, clamped to
    ``[K, T-1]`` so that ``K-1`` distinct values fit in ``[1, n_{K-1} - 1]``
    and ``G_K`` is not empty; ``n_0..n_{K-2}`` sorted draws from there."""
    p = torch.randn((batch_size, ), device=device, generator=generator)
    last = torch.round((mean + std * p) * num_tokens).long()
    last = last.clamp(num_groups, num_tokens - 1)
    inner = _sorted_distinct_below(last, num_groups - 1, num_tokens, generator)
    total = torch.full_like(last, num_tokens)
    return torch.cat([inner, last[:, None], total[:, None]], dim=1)


def ranks_from_plan(order: torch.Tensor,
                    boundaries: torch.Tensor) -> torch.Tensor:
    """Per-token ranks ``[B, T]`` at the tokens' own positions.

    The token placed ``t``-th (1-based) is in group ``k`` iff
    ``n_{k-1} < t <= n_k``, i.e. ``k = #{i : n_i < t}``: one searchsorted.
    """
    batch_size, num_tokens = order.shape
    t = torch.arange(1, num_tokens + 1, device=order.device)
    group_in_order = torch.searchsorted(boundaries.contiguous(),
                                        t.expand(batch_size, -1).contiguous())
    return torch.empty_like(order).scatter_(1, order, group_in_order)
