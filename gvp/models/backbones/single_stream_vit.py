"""The table-10 control: causal masks on a single stream (paper appendix H).

"Directly adding causal masks on masked modeling introduces the problem that
the model is unaware of the next position it will predict" (appendix H,
§4.1). This backbone is that model: the content stream alone, under the
content mask ``M_h`` (eq. 11: a token sees its own group and the earlier
ones), and no query stream. As in a GPT over the order ``z``, the context
that predicts group ``G_k`` is read at the end of group ``G_{k-1}``: every
token of ``G_k`` (``k >= 1``) gets the output of the same row -- the first
token of ``G_{k-1}`` (for ``G_0`` the first condition token, the class
token) -- which has seen exactly ``G_0 .. G_{k-1}`` and not where it will be
asked to predict. With one token per group this is iGPT in a random order.

Same parameters as :class:`~.GVPViTBase` (no ``query_token``): the probe
and fine-tune roles, and ``tools/model_converters/gvp2vit.py``, take its
checkpoints as any GVP run's.
"""
from typing import Optional

import torch
from torch import Tensor

from gvp.registry import MODELS
from .base_vit import GVPViTBase
from .gvp_vit import TwoStreamOutput, predicted_rows
from .token_layout import before_last_rank, build_layout


@MODELS.register_module()
class GVPSingleStreamViT(GVPViTBase):
    """One stream with the content causal mask; the prediction of a group
    is read from the previous group's first row (position-blind).

    Args:
        mask_generator (dict): as :class:`~.GVPViT` (default mixed length,
            K = 20).
        **kwargs: :class:`~.base_vit.GVPViTBase` arguments.
    """

    role = 'pretrain'

    def __init__(self, mask_generator: Optional[dict] = None,
                 drop_path_rate: float = 0., **kwargs):
        super().__init__(drop_path_rate=drop_path_rate, **kwargs)
        self._init_pretraining(drop_path_rate, mask_generator)

    def forward(self,
                x,
                ranks: Optional[Tensor] = None) -> TwoStreamOutput:
        """``x``: a step (or images / ids); ``ranks [B, T]`` overrides the
        sampled plan. -> one row per predicted token (rank >= 1): the
        content output of the first token of the previous group."""
        h0, _, hw = self.embed(x)
        ranks, rank = self.plan(h0, hw, ranks)
        keep = before_last_rank(rank)
        layout = build_layout(rank, keep,
                              torch.zeros_like(keep)).content_only()
        for _, rows in self._blocks(h0, h0[:, :0], layout):
            pass
        batch, seq_len = rank.shape
        # out[b * L + l]: content output of token l (kept tokens only)
        out = rows.new_zeros(batch * seq_len, rows.shape[1])
        out = out.index_copy(0, layout.content_src, rows)
        batch_idx, token = torch.nonzero(rank >= 1, as_tuple=True)
        group = rank[batch_idx, token].long()
        src = batch_idx * seq_len + first_of_groups(rank)[batch_idx, group - 1]
        return predicted_rows(out[src], batch_idx * seq_len + token, group,
                              ranks, self.num_cond_tokens)


def first_of_groups(rank: Tensor) -> Tensor:
    """``[B, K + 1]``: the lowest position of each group of each sample
    (``L`` where a group is empty)."""
    batch, seq_len = rank.shape
    positions = torch.arange(seq_len, device=rank.device).expand(batch, -1)
    first = torch.full((batch, int(rank.max()) + 1), seq_len,
                       device=rank.device, dtype=torch.long)
    return first.scatter_reduce(1, rank.long(), positions, 'amin')
