"""GVP's two-stream pretraining backbone (docs/design.md §3–4, eq. 7).

Both streams on a plan from the mask generator; the output is the
query-stream features of the tokens that carry a loss (rank >= 1). The
probe and fine-tune roles are :class:`~.GVPProbeViT` and
:class:`~.GVPFinetuneViT` (same parameter names, plus ``query_token`` here).
"""
from typing import NamedTuple, Optional

import torch
from torch import Tensor, nn

from gvp.registry import MODELS
from ..masking import full_ranks
from .base_vit import GVPViTBase
from .token_layout import build_layout


class TwoStreamOutput(NamedTuple):
    """Pretrain-mode output: one row per predicted token (rank >= 1).

    Attributes:
        feats (Tensor): ``[N, D]`` query-stream features after the final norm.
        batch_idx (Tensor): ``[N]`` sample of each row.
        token_idx (Tensor): ``[N]`` image-token index ``0..T-1`` of each row.
        rank (Tensor): ``[N]`` group ``k >= 1`` of each row.
        ranks (Tensor): ``[B, T]`` the plan's per-token ranks.
    """
    feats: Tensor
    batch_idx: Tensor
    token_idx: Tensor
    rank: Tensor
    ranks: Tensor


@MODELS.register_module()
class GVPViT(GVPViTBase):
    """Two-stream ViT with universal causal masks: the pretraining role.

    Args:
        mask_generator (dict): a registered generator; default mixed
            length, K = 20 (paper §3.2).
        prune (bool): skip work no loss depends on (docs/design.md §3):
            content tokens of the last rank, query rows of rank 0, and in
            the last block everything of the content rows but their keys and
            values (nothing reads their output). ``False`` runs both streams
            on all ``S + T`` tokens in every block; results are equal.
        prune_last_block (bool): with ``prune``, the last block's skip of
            the content rows (PARSeq-style); ``False`` only to measure it.
        query_blocks (int, optional): the query stream runs through the
            last ``query_blocks`` blocks only (it enters at block
            ``L - query_blocks``, meeting the content stream of that depth,
            like a decoder that shares the encoder's weights); ``None``:
            all ``L`` blocks (the paper). The earlier blocks then see the
            content stream alone, which is what the probe reads.
        **kwargs: :class:`~.base_vit.GVPViTBase` arguments (``arch``,
            ``input_embed``, ``y_extra``, ``with_cp``, ...).

    ``pos_embed`` starts from MAE's fixed 2-D sin-cos table and is trained.
    The query stream starts from ``G^(0)_i = w + E_pos,i``: the paper writes
    ``G^(0) = [w; ...; w]``, but with absolute position embeddings that
    leaves every query of a group identical and blind to the token it
    predicts (XLNet gets the position through relative attention, SAIM uses
    the position embedding alone).
    """

    def __init__(self,
                 mask_generator: Optional[dict] = None,
                 prune: bool = True,
                 prune_last_block: bool = True,
                 query_blocks: Optional[int] = None,
                 drop_path_rate: float = 0.,
                 **kwargs):
        super().__init__(drop_path_rate=drop_path_rate, **kwargs)
        self._init_pretraining(drop_path_rate, mask_generator)
        self.prune = prune
        self.prune_last_block = prune and prune_last_block
        depth = len(self.layers)
        if query_blocks is not None and not 1 <= query_blocks <= depth:
            raise ValueError(f'query_blocks={query_blocks}: give 1..{depth} '
                             '(the query stream runs through that many last '
                             'blocks) or None for all of them.')
        self.query_blocks = query_blocks
        self.query_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))

    def init_weights(self):
        super().init_weights()
        if not self._from_pretrained():
            nn.init.normal_(self.query_token, std=.02)

    def query_start(self, pos: Tensor) -> Tensor:
        """The query stream's start ``G^(0) = w + E_pos``: ``[1, S + T, D]``
        from the position embedding ``pos [1, S + T, D]``."""
        return self.query_token + pos

    def forward(self,
                x: Tensor,
                ranks: Optional[Tensor] = None) -> TwoStreamOutput:
        """``x [B, C, H, W]`` (or ids ``[B, h, w]``); ``ranks [B, T]``
        overrides the sampled plan. Both streams (eq. 7) -> features of the
        predicted tokens."""
        h0, pos, hw = self.embed(x)
        if ranks is None:
            ranks = self.mask_generator(h0.shape[0], hw, x.device).ranks
        rank = full_ranks(ranks, self.num_cond_tokens)
        batch, seq_len, _ = h0.shape
        num_cond = self.num_cond_tokens
        if self.prune:
            # content tokens of the last rank are read by no row whose
            # output carries a loss; query rows of rank 0 carry none.
            content_keep = rank < rank.max(dim=1, keepdim=True).values
            query_keep = rank >= 1
        else:
            content_keep = query_keep = torch.ones_like(rank, dtype=torch.bool)
        layout = build_layout(rank, content_keep, query_keep)
        g0 = self.query_start(pos).expand(batch, -1, -1)
        depth = len(self.layers)
        query_from = depth - (self.query_blocks or depth)
        for _, rows in self._blocks(h0, g0, layout, self.prune_last_block,
                                    query_from):
            pass
        if not self.prune_last_block:
            rows = rows[layout.num_content:]

        # keep rows that carry a loss (all of them when pruned)
        keep = layout.query_rank >= 1
        src = layout.query_src[keep]
        return TwoStreamOutput(
            feats=rows[keep],
            batch_idx=torch.div(src, seq_len, rounding_mode='floor'),
            token_idx=src % seq_len - num_cond,
            rank=layout.query_rank[keep],
            ranks=ranks)


@MODELS.register_module()
class GVPPosQueryViT(GVPViT):
    """:class:`GVPViT` whose query stream starts from the position embedding
    alone, ``G^(0)_i = E_pos,i`` (SAIM's choice) instead of ``w + E_pos``:
    no ``query_token`` parameter. A diagnostic of the query stream's start
    (docs/study_fashion-mnist.md); otherwise identical."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        del self.query_token

    def init_weights(self):
        GVPViTBase.init_weights(self)

    def query_start(self, pos: Tensor) -> Tensor:
        return pos
