"""Tokenizer ids as the target (p2d, d2d; paper §4.1, second
formulation)."""
from typing import NamedTuple, Sequence

import torch
from torch import Tensor

from gvp.registry import MODELS
from ..backbones.inputs import IdEmbedding
from .base import GVPTarget


class IdState(NamedTuple):
    """Generation state: ``current [B, T]`` ids, the id grid ``shape``."""
    current: Tensor
    shape: Sequence[int]


@MODELS.register_module()
class TokenIdTarget(GVPTarget):
    """The frozen tokenizer's codebook id of each token (the algorithm's
    ``tokenizer``, run once per step and shared with an id input); a
    categorical model: cross entropy over the codebook (mmpretrain's
    ``CrossEntropyLoss``), the negative log-likelihood of eq. 5.

    Args:
        num_codes (int): the tokenizer's codebook size (checked at build).
        loss (dict): a registered loss of ``(logits [N, C], ids [N])``;
            MAGE's label smoothing 0.1 is mmpretrain's
            ``dict(type='LabelSmoothLoss', label_smooth_val=0.1,
            mode='original')``.
    """
    feeds = IdEmbedding

    def __init__(self,
                 num_codes: int = 1024,
                 loss: dict = dict(type='CrossEntropyLoss'),
                 init_cfg=None):
        super().__init__(loss, init_cfg=init_cfg)
        self.num_codes = num_codes

    @property
    def num_outputs(self) -> int:
        return self.num_codes

    def forward(self, step) -> Tensor:
        """``[B, T]`` ids."""
        return step.ids.flatten(1)

    def start(self, step) -> IdState:
        ids = step.ids
        return IdState(ids.flatten(1).clone(), ids.shape)

    def model_input(self, state: IdState, step):
        return step.replaced(ids=state.current.view(state.shape))

    def write(self,
              state: IdState,
              batch_idx,
              token_idx,
              pred,
              temperature=0.,
              generator=None) -> None:
        logits = pred.float()
        if temperature > 0:
            probs = torch.softmax(logits / temperature, dim=-1)
            ids = torch.multinomial(probs, 1, generator=generator)[:, 0]
        else:
            ids = logits.argmax(dim=-1)
        state.current[batch_idx, token_idx] = ids

    def images(self, state: IdState, step) -> Tensor:
        return step.tokenizer.decode_ids(state.current.view(state.shape))

    def tokens(self, state: IdState) -> Tensor:
        return state.current
