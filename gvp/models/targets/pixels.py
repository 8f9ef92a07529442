"""Pixel patches as the target (p2p; paper §4.1, MAE's norm-pix)."""
from typing import NamedTuple, Optional

import torch
from mmpretrain.models.heads import MAEPretrainHead
from torch import Tensor

from gvp.registry import MODELS
from ..backbones.inputs import PixelEmbedding
from .base import GVPTarget


class PixelState(NamedTuple):
    """Generation state: ``current [B, T, p*p*C]`` patches in the input's
    normalisation; per-patch ``mean`` / ``std`` ``[B, T, 1]`` of the given
    images (norm-pix predictions are mapped back with them, as MAE's
    visualisation does), else ``None``."""
    current: Tensor
    mean: Optional[Tensor]
    std: Optional[Tensor]


@MODELS.register_module()
class PixelTarget(GVPTarget):
    """Each token's ``p x p x C`` pixels, per-patch normalised (``norm_pix``,
    on by default as MAE); mmpretrain's MAE head code makes and scores them
    (``patchify``, ``construct_target``, ``PixelReconstructionLoss``): the
    loss is the mean over predicted tokens of the per-token MSE.

    Args:
        patch_size (int): ``p`` (the backbone's).
        in_channels (int): ``C``.
        norm_pix (bool): normalise each target patch to zero mean, unit var.
        loss (dict): mmpretrain pixel loss config.
    """
    feeds = PixelEmbedding

    def __init__(self,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 norm_pix: bool = True,
                 loss: dict = dict(
                     type='PixelReconstructionLoss', criterion='L2'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.patch_size = patch_size
        self.in_channels = in_channels
        self.norm_pix = norm_pix
        self.mae = MAEPretrainHead(
            loss=loss,
            norm_pix=norm_pix,
            patch_size=patch_size,
            in_channels=in_channels)

    @property
    def num_outputs(self) -> int:
        return self.patch_size**2 * self.in_channels

    def forward(self, step) -> Tensor:
        """``[B, T, p*p*C]`` target patches of the normalised images."""
        return self.mae.construct_target(step.images)

    def loss(self, pred: Tensor, target: Tensor) -> Tensor:
        mask = torch.ones(pred.shape[:1], device=pred.device)[None]
        return self.mae.loss_module(pred[None], target[None], mask)

    def start(self, step) -> PixelState:
        patches = self.mae.patchify(step.images)
        mean = std = None
        if self.norm_pix:
            mean = patches.mean(dim=-1, keepdim=True)
            std = (patches.var(dim=-1, keepdim=True) + 1.e-6)**.5
        return PixelState(patches.clone(), mean, std)

    def model_input(self, state: PixelState) -> Tensor:
        return self.mae.unpatchify(state.current)

    def write(self,
              state: PixelState,
              batch_idx,
              token_idx,
              pred,
              temperature=0.,
              generator=None) -> None:
        if self.norm_pix:
            pred = pred * state.std[batch_idx, token_idx] + \
                state.mean[batch_idx, token_idx]
        state.current[batch_idx, token_idx] = pred.to(state.current.dtype)

    def images(self, state: PixelState, step) -> Tensor:
        return step.to_unit_range(self.mae.unpatchify(state.current))

    def tokens(self, state: PixelState) -> Tensor:
        return state.current
