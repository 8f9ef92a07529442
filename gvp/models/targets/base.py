"""What a target generator is (the ``target_generator`` slot of
mmpretrain's ``BaseSelfSupervisor``; docs/design.md, "Targets").

A target generator turns a step's images (:class:`~gvp.models.algorithms.
step.StepInputs`) into one loss-ready target per image token, says how wide
a prediction of it is (``num_outputs``: the head's output width) and scores
the predicted tokens with its ``loss`` slot (a registered loss,
``loss=dict(type=...)`` as mmpretrain's heads: ``loss(pred [N, C], target
[N, ...])``, the mean over tokens). The head only maps query-stream features
to predictions. What a target needs of the backbone (``patch_size``,
``in_channels``) it names in ``from_backbone``, and the algorithm fills it
in. Where a prediction can be turned back into model input, the target also
drives group-autoregressive generation (:meth:`start`, :meth:`model_input`,
:meth:`write`, :meth:`images`, :meth:`tokens`); ``feeds`` names the input
embedding class that reads what it writes (``None``: no generation). A new
target is one registered subclass plus a config; a new loss is one
registered loss plus a config.
"""
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor

from gvp.registry import MODELS


class GVPTarget(BaseModule):
    """Base of the targets.

    Args:
        loss (dict): a registered loss taking ``(pred, target)``.

    Attributes:
        num_outputs (int): prediction width per token (``C``).
        feeds (type, optional): the input embedding class its generation
            state feeds (``PixelEmbedding``, ``IdEmbedding``), or ``None``.
        from_backbone (tuple): the arguments the algorithm fills in from
            the backbone (``patch_size``, ``in_channels``).
    """
    feeds: Optional[type] = None
    from_backbone: Tuple[str, ...] = ()

    def __init__(self, loss: dict, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(loss, dict) or 'type' not in loss:
            raise ValueError(
                f'{type(self).__name__}: loss={loss!r}; give a registered '
                "loss, e.g. loss=dict(type='PixelReconstructionLoss', "
                "criterion='L2')")
        self.loss_module = MODELS.build(loss)

    @property
    def num_outputs(self) -> int:
        raise NotImplementedError

    def forward(self, step) -> Tensor:
        """Per-token targets: ``[B, T, C]`` (float) or ``[B, T]`` (ids)."""
        raise NotImplementedError

    def loss(self, pred: Tensor, step, out) -> Tensor:
        """``pred [N, num_outputs]``, the head's predictions of the ``N``
        predicted rows of ``out`` (a ``TwoStreamOutput``), against those
        tokens' targets -> scalar, the mean over tokens (eq. 5's negative
        log-likelihood: pixels under a Gaussian, ids under a categorical
        model). Scored in float32 (mixed precision keeps the loss exact)."""
        target = self(step)[out.batch_idx, out.token_idx]
        return self.loss_module(pred.float(), target)

    # group-autoregressive generation (appendix F), where defined
    def start(self, step):
        """Generation state from the (normalised) images of ``step``."""
        raise NotImplementedError(
            f'{type(self).__name__} predictions cannot be fed back as '
            'model input: generation is defined for pixel -> pixel (p2p) '
            'and id -> id (d2d) models')

    def model_input(self, state, step):
        """The current state as a step (``step.replaced(...)``) the backbone
        reads."""
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

    def tokens(self, state) -> Tensor:
        """The state in the target's units (p2p ``[B, T, p*p*C]`` patches,
        d2d ``[B, T]`` ids)."""
        raise NotImplementedError
