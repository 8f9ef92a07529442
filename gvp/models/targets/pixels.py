"""Pixel patches as the target (p2p; paper §4.1, MAE's norm-pix)."""
from typing import NamedTuple, Optional

from mmengine.model import BaseModule
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


def patch_stats(patches: Tensor):
    """Per-patch ``mean`` and ``std`` ``[B, T, 1]`` of ``patches
    [B, T, p*p*C]``, as MAE's norm-pix target normalises them (variance
    + 1e-6): what maps a norm-pix prediction back to pixels."""
    mean = patches.mean(dim=-1, keepdim=True)
    std = (patches.var(dim=-1, keepdim=True) + 1.e-6)**.5
    return mean, std


class _Patches(MAEPretrainHead):
    """mmpretrain's MAE head for what it does to pixels (``patchify``,
    ``unpatchify``, ``construct_target``), without a loss of its own: the
    target's ``loss`` slot scores."""

    def __init__(self, norm_pix: bool, patch_size: int, in_channels: int):
        BaseModule.__init__(self)
        self.norm_pix = norm_pix
        self.patch_size = patch_size
        self.in_channels = in_channels


@MODELS.register_module()
class PixelTarget(GVPTarget):
    """Each token's ``p x p x C`` pixels, per-patch normalised (``norm_pix``,
    on by default as MAE), made by mmpretrain's MAE head code; the loss is
    mmpretrain's ``PixelReconstructionLoss`` (L2: the mean over predicted
    tokens of the per-token MSE).

    Args:
        patch_size (int): ``p``, filled in from the backbone.
        in_channels (int): ``C``, filled in from the backbone.
        norm_pix (bool): normalise each target patch to zero mean, unit var.
        loss (dict): a registered loss of ``(pred, target)``.
    """
    feeds = PixelEmbedding
    from_backbone = ('patch_size', 'in_channels')

    def __init__(self,
                 patch_size: int,
                 in_channels: int,
                 norm_pix: bool = True,
                 loss: dict = dict(
                     type='PixelReconstructionLoss', criterion='L2'),
                 init_cfg=None):
        super().__init__(loss, init_cfg=init_cfg)
        self.patch_size = patch_size
        self.in_channels = in_channels
        self.norm_pix = norm_pix
        self.mae = _Patches(norm_pix, patch_size, in_channels)

    @property
    def num_outputs(self) -> int:
        return self.patch_size**2 * self.in_channels

    def forward(self, step) -> Tensor:
        """``[B, T, p*p*C]`` target patches of the normalised images."""
        return self.mae.construct_target(step.images)

    def start(self, step) -> PixelState:
        patches = self.mae.patchify(step.images)
        mean, std = patch_stats(patches) if self.norm_pix else (None, None)
        return PixelState(patches.clone(), mean, std)

    def model_input(self, state: PixelState, step):
        return step.replaced(images=self.mae.unpatchify(state.current))

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
