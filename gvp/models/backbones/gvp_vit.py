"""GVP's two-stream pretraining backbone (docs/design.md §3–4, eq. 7).

Both streams on a plan from the mask generator; the output is the
query-stream features of the tokens that carry a loss (rank >= 1). The
probe and fine-tune roles are :class:`~.GVPProbeViT` and
:class:`~.GVPFinetuneViT` (same parameter names, without what the query
start adds here: ``query_token``).
"""
from typing import NamedTuple, Optional

import torch
from torch import Tensor

from gvp.registry import MODELS
from .base_vit import GVPViTBase
from .token_layout import before_last_rank, build_layout


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
class GVPViT(GVPViTBase, role_default=True):
    """Two-stream ViT with universal causal masks: the pretraining role.

    Args:
        mask_generator (dict): a registered generator; default mixed
            length, K = 20 (paper §3.2).
        query_start (dict): where the query stream starts, a registered
            :mod:`.query_start`: ``TokenPlusPosition`` (default, ``w +
            E_pos``) or ``PositionOnly`` (``E_pos``, SAIM).
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
    """
    role = 'pretrain'

    def __init__(self,
                 mask_generator: Optional[dict] = None,
                 query_start: Optional[dict] = None,
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
        self.query_from = depth - (query_blocks or depth)
        self.query_start = MODELS.build(query_start or
                                        dict(type='TokenPlusPosition'))
        self.query_start.add_to(self)

    def init_weights(self):
        super().init_weights()
        if not self._from_pretrained():
            self.query_start.init_weights(self)

    def forward(self,
                x,
                ranks: Optional[Tensor] = None) -> TwoStreamOutput:
        """``x``: a step (or normalised images ``[B, C, H, W]`` / ids
        ``[B, h, w]``); ``ranks [B, T]`` overrides the sampled plan. Both
        streams (eq. 7) -> features of the predicted tokens."""
        h0, pos, hw = self.embed(x)
        ranks, rank = self.plan(h0, hw, ranks)
        layout = build_layout(rank, *self._kept(rank))
        g0 = self.query_start(self, pos).expand(h0.shape[0], -1, -1)
        for _, rows in self._blocks(h0, g0, layout, self.prune_last_block,
                                    self.query_from):
            pass
        if not self.prune_last_block:
            rows = rows[layout.num_content:]
        keep = layout.query_rank >= 1  # rows that carry a loss
        return predicted_rows(rows[keep], layout.query_src[keep],
                              layout.query_rank[keep], ranks,
                              self.num_cond_tokens)

    def _kept(self, rank: Tensor):
        """``(content_keep, query_keep) [B, S + T]``: with ``prune``,
        content tokens of the last rank are read by no row whose output
        carries a loss, query rows of rank 0 carry none."""
        if not self.prune:
            every = torch.ones_like(rank, dtype=torch.bool)
            return every, every
        return before_last_rank(rank), rank >= 1


def predicted_rows(feats: Tensor, src: Tensor, rank: Tensor, ranks: Tensor,
                   num_cond: int) -> TwoStreamOutput:
    """The output of rows ``feats [N, D]`` at flat positions ``src [N]`` of
    ``[B * (S + T)]``, of ranks ``rank [N]``, under the plan ``ranks``."""
    seq_len = num_cond + ranks.shape[1]
    return TwoStreamOutput(
        feats=feats,
        batch_idx=torch.div(src, seq_len, rounding_mode='floor'),
        token_idx=src % seq_len - num_cond,
        rank=rank,
        ranks=ranks)
