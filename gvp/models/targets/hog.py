"""HOG as the target (MaskFeat's), through mmpretrain's ``HOGGenerator``."""
import torch
from mmpretrain.models import HOGGenerator
from torch import Tensor

from gvp.registry import MODELS
from .base import GVPTarget


class _GridHOG(HOGGenerator):
    """mmpretrain's HOG (Sobel gradients, ``nbins`` orientation bins per
    ``pool x pool`` cell, L2-normalised per cell), cut into this model's
    patches: its own ``_reshape`` assumes a 14 x 14 grid (224 / 16)."""

    def __init__(self, patch_size: int, **kwargs):
        super().__init__(**kwargs)
        if patch_size % self.pool:
            raise ValueError(
                f'HOG pool={self.pool} must divide patch_size={patch_size}: '
                'each token gets whole cells')
        self.cells = patch_size // self.pool

    def _reshape(self, hog_feat: Tensor) -> Tensor:
        """``[B, C, nbins, H / pool, W / pool]`` -> ``[B, T, C * nbins *
        cells^2]``."""
        feat = hog_feat.flatten(1, 2).permute(0, 2, 3, 1)
        feat = feat.unfold(1, self.cells,
                           self.cells).unfold(2, self.cells, self.cells)
        return feat.flatten(1, 2).flatten(2)


@MODELS.register_module()
class HOGTarget(GVPTarget):
    """Per-token histograms of oriented gradients of the normalised images
    (MaskFeat): ``C x nbins`` bins per cell, ``(patch_size / pool)^2`` cells
    per token; mean squared error over predicted tokens (mmpretrain's
    ``PixelReconstructionLoss``, as its MaskFeat). No generation (a HOG
    cannot be fed back as pixels).

    Args:
        patch_size (int): the backbone's ``p``, filled in from it.
        in_channels (int): image channels (mmpretrain's HOG takes 3),
            filled in from the backbone.
        nbins, pool, gaussian_window: mmpretrain ``HOGGenerator``'s;
            ``gaussian_window`` must divide the image size (0: none).
        loss (dict): a registered loss of ``(pred, target)``.
    """
    from_backbone = ('patch_size', 'in_channels')

    def __init__(self,
                 patch_size: int,
                 in_channels: int,
                 nbins: int = 9,
                 pool: int = 8,
                 gaussian_window: int = 16,
                 loss: dict = dict(
                     type='PixelReconstructionLoss', criterion='L2'),
                 init_cfg=None):
        super().__init__(loss, init_cfg=init_cfg)
        self.in_channels = in_channels
        self.hog = _GridHOG(
            patch_size,
            nbins=nbins,
            pool=pool,
            gaussian_window=gaussian_window)

    @property
    def num_outputs(self) -> int:
        return self.in_channels * self.hog.nbins * self.hog.cells**2

    @torch.no_grad()
    def forward(self, step) -> Tensor:
        """``[B, T, C * nbins * cells^2]``."""
        return self.hog(step.images.float())
