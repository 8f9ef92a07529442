"""p2p head: query-stream features -> pixels, MSE on predicted tokens only."""
import torch
from mmpretrain.models.heads import MAEPretrainHead
from torch import Tensor, nn

from gvp.registry import MODELS
from ..backbones.gvp_vit import TwoStreamOutput


@MODELS.register_module()
class GVPPixelHead(MAEPretrainHead):
    """Linear pixel predictor and the reconstruction loss (paper §4.1).

    Reuses mmpretrain's MAE head for patchify and the per-patch normalised
    target (``norm_pix``, on by default as MAE); rows are the packed
    predicted tokens of :class:`~gvp.models.backbones.TwoStreamOutput`, so
    the loss is the mean over predicted tokens of the per-token MSE.

    Args:
        embed_dims (int): backbone width ``D``.
        patch_size (int): ``p``; predictions are ``p * p * in_channels``.
        in_channels (int): image channels.
        norm_pix (bool): normalise each target patch to zero mean, unit var.
        loss (dict): mmpretrain pixel loss config.
    """
    target = 'pixels'

    def __init__(self,
                 embed_dims: int,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 norm_pix: bool = True,
                 loss: dict = dict(
                     type='PixelReconstructionLoss', criterion='L2')):
        super().__init__(
            loss=loss,
            norm_pix=norm_pix,
            patch_size=patch_size,
            in_channels=in_channels)
        self.predictor = nn.Linear(embed_dims, patch_size**2 * in_channels)

    def forward(self, feats: Tensor) -> Tensor:
        """``[N, D]`` -> ``[N, p * p * C]`` predicted (normalised) pixels."""
        return self.predictor(feats)

    def targets(self, images: Tensor, out: TwoStreamOutput) -> Tensor:
        """Target patches of the predicted rows, ``[N, p * p * C]``."""
        target = self.construct_target(images)  # [B, T, p*p*C]
        return target[out.batch_idx, out.token_idx]

    def loss(self, out: TwoStreamOutput, images: Tensor) -> Tensor:
        """Mean over predicted tokens of the per-token squared error."""
        pred = self(out.feats)[None]
        target = self.targets(images, out)[None]
        mask = torch.ones(pred.shape[:2], device=pred.device)
        return self.loss_module(pred, target, mask)
