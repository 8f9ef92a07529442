"""The two-stream block (paper eq. 7, docs/design.md §3).

One set of weights — an mmpretrain ``TransformerEncoderLayer``, so names and
the plain forward are mmpretrain's — serves both streams. Content rows ``H``
get queries, keys and values; query-stream rows ``G`` get queries only (their
keys and values would never be read: eq. 7 takes ``K_g, V_g`` from ``H``).
Both streams go through **one** ``scaled_dot_product_attention`` call with
queries ``[H; G]``, keys/values from ``H`` and the boolean mask ``[M_h; M_g]``.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmpretrain.models.backbones.vision_transformer import \
    TransformerEncoderLayer
from torch import Tensor

from .token_layout import TokenLayout


def two_stream_attention(attn, x: Tensor, layout: TokenLayout,
                         queries_only: bool = False) -> Tensor:
    """Attention of packed, normalised rows ``x [Nc + Nq, D]`` -> ``[Nc + Nq,
    D]`` (after the output projection); with ``queries_only`` the query-stream
    rows alone, ``[Nq, D]`` (content rows still give keys and values).
    ``attn`` is mmpretrain's ``MultiheadAttention`` whose ``qkv`` / ``proj``
    weights are used."""
    dims, heads = attn.embed_dims, attn.num_heads
    head_dims = dims // heads
    n_c = layout.num_content
    b, len_c, len_q = layout.batch_size, layout.content_len, layout.query_len

    # Q for the rows that are read, K/V for content rows only: matmuls on
    # slices of the shared qkv weight, so no row gets a projection it does
    # not use.
    weight, bias = attn.qkv.weight, attn.qkv.bias
    q_rows = F.linear(x[n_c:] if queries_only else x, weight[:dims],
                      None if bias is None else bias[:dims])
    kv_rows = F.linear(x[:n_c], weight[dims:],
                       None if bias is None else bias[dims:])  # [Nc, 2D]
    kv = kv_rows.new_zeros(b * len_c, 2 * dims).index_copy(
        0, layout.key_dst, kv_rows)
    k, v = kv.view(b, len_c, 2, heads, head_dims).permute(2, 0, 3, 1, 4)
    if queries_only:  # the query block of the padded rows and of the mask
        dst = layout.row_dst[n_c:]
        per = len_c + len_q
        dst = torch.div(dst, per, rounding_mode='floor') * len_q + \
            dst % per - len_c
        rows, mask = len_q, layout.attn_mask[:, :, len_c:]
    else:
        dst, rows, mask = layout.row_dst, len_c + len_q, layout.attn_mask
    q = q_rows.new_zeros(b * rows, dims).index_copy(0, dst, q_rows)
    q = q.view(b, rows, heads, head_dims).transpose(1, 2)

    out = F.scaled_dot_product_attention(
        q, k, v, attn_mask=mask,
        dropout_p=attn.attn_drop if attn.training else 0.)
    out = out.transpose(1, 2).reshape(b * rows, dims)
    out = attn.proj(out[dst])
    return attn.out_drop(attn.gamma1(attn.proj_drop(out)))


def two_stream_block(layer, x: Tensor, layout: TokenLayout,
                     queries_only: bool = False) -> Tensor:
    """One pre-norm block on packed rows ``[Nc + Nq, D]`` of both streams.
    ``queries_only`` (the last block of pretraining, PARSeq-style): content
    rows serve as keys and values and nothing else -- no one reads their
    output -- so only the query rows ``[Nq, D]`` are computed and
    returned."""
    attn = two_stream_attention(layer.attn, layer.ln1(x), layout,
                                queries_only)
    x = (x[layout.num_content:] if queries_only else x) + attn
    return layer.ffn(layer.ln2(x), identity=x)


class TwoStreamLayer(TransformerEncoderLayer):
    """mmpretrain's ``TransformerEncoderLayer`` (same parameters and names)
    whose ``forward`` also runs the two-stream block: ``layer(x)`` is the
    plain block on ``[B, L, D]``, ``layer(rows, layout)`` the two-stream
    block on packed rows ``[Nc + Nq, D]``. Both go through the module call,
    so wrappers that act around ``forward`` (FSDP gathering a block's
    sharded weights, hooks) see both streams."""

    def forward(self, x: Tensor, layout: Optional[TokenLayout] = None,
                queries_only: bool = False):
        if layout is None:
            return super().forward(x)
        return two_stream_block(self, x, layout, queries_only)
