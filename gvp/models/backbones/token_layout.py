"""Which tokens each stream computes, packed, and where they sit in the one
padded attention call (docs/design.md §3, §7).

Per-token work (LayerNorm, projections, MLP) runs on *packed* rows — only the
tokens a stream keeps, concatenated over the batch — so ragged per-sample
counts cost no padding there. Only the attention call is padded, to the batch
maxima ``Lc`` (content rows = keys) and ``Lq`` (query rows).

Packed row order: ``[content rows of all samples; query rows of all samples]``
(``Nc + Nq`` rows), each block in (sample, token position) order.
"""
from typing import NamedTuple

import torch

from ..masking import PAD_RANK, content_mask, query_mask


class TokenLayout(NamedTuple):
    """Index tensors of one batch's layout.

    Attributes:
        batch_size (int): ``B``.
        seq_len (int): ``L = S + T`` tokens per sample.
        content_len (int): ``Lc``, padded content rows / keys per sample.
        query_len (int): ``Lq``, padded query-stream rows per sample.
        content_src (Tensor): ``[Nc]`` flat index into ``[B * L]`` of the
            content tokens kept.
        query_src (Tensor): ``[Nq]`` flat index into ``[B * L]`` of the
            query-stream tokens kept.
        row_dst (Tensor): ``[Nc + Nq]`` flat index of each packed row in the
            padded attention rows ``[B * (Lc + Lq)]``.
        key_dst (Tensor): ``[Nc]`` flat index of each content row in the
            padded keys ``[B * Lc]``.
        attn_mask (Tensor): ``[B, 1, Lc + Lq, Lc]`` bool, True = may attend:
            ``[M_h; M_g]`` restricted to the kept tokens.
        query_rank (Tensor): ``[Nq]`` rank of each query-stream row.
    """
    batch_size: int
    seq_len: int
    content_len: int
    query_len: int
    content_src: torch.Tensor
    query_src: torch.Tensor
    row_dst: torch.Tensor
    key_dst: torch.Tensor
    attn_mask: torch.Tensor
    query_rank: torch.Tensor

    @property
    def num_content(self) -> int:
        return self.content_src.numel()

    def content_only(self) -> 'TokenLayout':
        """The same content rows with no query stream (``Lq = 0``): blocks
        before the query stream enters (``GVPViT(query_blocks=...)``) and
        the single-stream control."""
        empty = self.query_src[:0]
        return self._replace(
            query_len=0,
            query_src=empty,
            row_dst=self.key_dst,
            attn_mask=self.attn_mask[:, :, :self.content_len],
            query_rank=self.query_rank[:0])


def _compact(keep: torch.Tensor):
    """Kept positions first, in their original order: ``idx [B, n_max]`` and
    ``valid [B, n_max]``."""
    count = keep.sum(dim=1)
    n_max = int(count.max()) if keep.numel() else 0
    idx = torch.argsort((~keep).to(torch.uint8), dim=1, stable=True)
    idx = idx[:, :n_max]
    valid = torch.arange(n_max, device=keep.device)[None, :] < count[:, None]
    return idx, valid, n_max


def build_layout(ranks: torch.Tensor, content_keep: torch.Tensor,
                 query_keep: torch.Tensor) -> TokenLayout:
    """Layout for full-sequence ranks ``[B, L]`` and keep masks ``[B, L]``.

    Padded positions get :data:`PAD_RANK`: no real row attends to a padded
    key, and padded rows still see a key (so no softmax row is empty).
    """
    batch_size, seq_len = ranks.shape
    device = ranks.device
    idx_c, valid_c, len_c = _compact(content_keep)
    idx_q, valid_q, len_q = _compact(query_keep)
    rank_c = ranks.gather(1, idx_c).masked_fill(~valid_c, PAD_RANK)
    rank_q = ranks.gather(1, idx_q).masked_fill(~valid_q, PAD_RANK)
    attn_mask = torch.cat(
        [content_mask(rank_c, rank_c),
         query_mask(rank_q, rank_c)], dim=1)[:, None]

    base = torch.arange(batch_size, device=device)[:, None]
    rows = len_c + len_q
    pos_c = torch.arange(len_c, device=device)[None, :]
    pos_q = torch.arange(len_q, device=device)[None, :]
    return TokenLayout(
        batch_size=batch_size,
        seq_len=seq_len,
        content_len=len_c,
        query_len=len_q,
        content_src=(base * seq_len + idx_c)[valid_c],
        query_src=(base * seq_len + idx_q)[valid_q],
        row_dst=torch.cat([(base * rows + pos_c)[valid_c],
                           (base * rows + len_c + pos_q)[valid_q]]),
        key_dst=(base * len_c + pos_c)[valid_c],
        attn_mask=attn_mask,
        query_rank=rank_q[valid_q])


def dense_layout(ranks: torch.Tensor) -> TokenLayout:
    """The layout of the content stream alone with every token kept:
    what :func:`build_layout` gives for all-true content and all-false
    query keep masks, with no compaction, so every shape is static (the
    probe role; ``torch.export`` traces it)."""
    batch_size, seq_len = ranks.shape
    flat = torch.arange(batch_size * seq_len, device=ranks.device)
    return TokenLayout(
        batch_size=batch_size,
        seq_len=seq_len,
        content_len=seq_len,
        query_len=0,
        content_src=flat,
        query_src=flat[:0],
        row_dst=flat,
        key_dst=flat,
        attn_mask=content_mask(ranks, ranks)[:, None],
        query_rank=ranks.reshape(-1)[:0])


def before_last_rank(rank: torch.Tensor) -> torch.Tensor:
    """``[B, L]`` bool: tokens below each sample's last rank (the content of
    the last group is read by no row whose output carries a loss)."""
    return rank < rank.max(dim=1, keepdim=True).values
