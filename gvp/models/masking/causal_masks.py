"""The universal causal masks as a comparison of group ranks
(docs/design.md §2).

Every token of ``[y_1..y_S, x_1..x_T]`` has a rank: ``0`` for the condition
(all ``y`` and the tokens of ``G_0``), ``k`` for the tokens of ``G_k``. With
True meaning *may attend* (the paper's ``0``; False is its ``-inf``)::

    content stream  M_h[i, j] = rank[j] <= rank[i]                  (eq. 11)
    query stream    M_g[i, j] = rank[j] <  rank[i]  or rank[j] == 0 (eq. 11)

Ranks sit at the tokens' own positions, so the row/column permutation of
eq. 12 is never performed. The functions take separate row (query) and
column (key) ranks so that the backbone can apply the same rule to pruned,
padded token sets; padding keys carry :data:`PAD_RANK`, which no row can see
except a padding row (whose output is discarded).
"""
from typing import Tuple

import torch

#: Rank given to padding positions: larger than any real group index.
PAD_RANK = torch.iinfo(torch.int32).max


def content_mask(row_ranks: torch.Tensor,
                 key_ranks: torch.Tensor) -> torch.Tensor:
    """``M_h``: ``[B, Lq]`` x ``[B, Lk]`` ranks -> ``[B, Lq, Lk]`` bool."""
    return key_ranks[:, None, :] <= row_ranks[:, :, None]


def query_mask(row_ranks: torch.Tensor,
               key_ranks: torch.Tensor) -> torch.Tensor:
    """``M_g``: ``[B, Lq]`` x ``[B, Lk]`` ranks -> ``[B, Lq, Lk]`` bool."""
    keys = key_ranks[:, None, :]
    return (keys < row_ranks[:, :, None]) | (keys == 0)


def full_ranks(image_ranks: torch.Tensor, num_cond: int) -> torch.Tensor:
    """Prepend ``S = num_cond`` condition tokens of rank 0: ``[B, S + T]``."""
    cond = image_ranks.new_zeros(image_ranks.shape[0], num_cond)
    return torch.cat([cond, image_ranks], dim=1)


def causal_masks(ranks: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(M_h, M_g)``, each ``[B, L, L]`` bool, for full-sequence ranks
    ``[B, L]`` (condition tokens included, see :func:`full_ranks`)."""
    return content_mask(ranks, ranks), query_mask(ranks, ranks)
