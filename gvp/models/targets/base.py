"""What a target generator is (the ``target_generator`` slot of
mmpretrain's ``BaseSelfSupervisor``; docs/design.md, "Targets").

A target generator turns a step's images (:class:`~gvp.models.algorithms.
step.StepInputs`) into one loss-ready target per image token, says how wide
a prediction of it is (``num_outputs``: the head's output width) and scores
predictions (:meth:`loss`). The head only maps query-stream features to
predictions. Where a prediction can be turned back into model input, the
target also drives group-autoregressive generation (:meth:`start`,
:meth:`model_input`, :meth:`write`, :meth:`images`); ``feeds`` names the
input embedding class that reads what it writes (``None``: no generation).
A new target is one registered subclass plus a config.
"""
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor


class GVPTarget(BaseModule):
    """Base of the targets.

    Attributes:
        num_outputs (int): prediction width per token (``C``).
        feeds (type, optional): the input embedding class its generation
            state feeds (``PixelEmbedding``, ``IdEmbedding``), or ``None``.
    """
    feeds: Optional[type] = None

    @property
    def num_outputs(self) -> int:
        raise NotImplementedError

    def forward(self, step) -> Tensor:
        """Per-token targets: ``[B, T, C]`` (float) or ``[B, T]`` (ids)."""
        raise NotImplementedError

    def loss(self, pred: Tensor, target: Tensor) -> Tensor:
        """``pred [N, num_outputs]`` against the ``N`` predicted tokens'
        targets -> scalar (mean over tokens)."""
        raise NotImplementedError

    # group-autoregressive generation (appendix F), where defined
    def start(self, step):
        """Generation state from the (normalised) images of ``step``."""
        raise NotImplementedError(
            f'{type(self).__name__} predictions cannot be fed back as '
            'model input: generation is defined for pixel -> pixel (p2p) '
            'and id -> id (d2d) models')

    def model_input(self, state) -> Tensor:
        """The backbone input of the current state."""
        raise NotImplementedError

    def write(self,
              state,
              batch_idx: Tensor,
              token_idx: Tensor,
              pred: Tensor,
              temperature: float = 0.,
              generator: Optional[torch.Generator] = None) -> None:
        """Put predictions of tokens ``(batch_idx, token_idx)`` into the
        state."""
        raise NotImplementedError

    def images(self, state, step) -> Tensor:
        """``[B, C, H, W]`` in ``[0, 1]`` of the final state."""
        raise NotImplementedError
