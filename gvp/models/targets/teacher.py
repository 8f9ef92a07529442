"""Features of a frozen teacher as the target (the MILAN / EVA / BEiT-v2
family)."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from gvp.registry import MODELS
from .base import GVPTarget

#: 1 - cos (MILAN): mmpretrain's CosineSimilarityLoss without BYOL's 2x
COSINE = dict(type='CosineSimilarityLoss', shift_factor=1., scale_factor=1.)


@MODELS.register_module()
class TeacherFeatureTarget(GVPTarget):
    """Per-token features of a frozen backbone: any registered (mmpretrain)
    backbone whose last output is a feature map ``[B, D, h', w']`` (a ViT
    with ``out_type='featmap'``), pooled to this model's patch grid,
    layer-normalised (``norm_target``); loss the cosine distance (default)
    or any registered loss of ``(pred, target)`` (smooth L1:
    ``dict(type='mmdet.SmoothL1Loss')``). Weights from a local checkpoint
    (the safe loader), loaded by ``init_weights``; the teacher never trains
    and stays in eval mode.

    Args:
        teacher (dict): the backbone config.
        feat_dims (int): ``D`` of its features.
        patch_size (int): this model's ``p`` (the target grid is the image
            size / ``p``), filled in from the backbone.
        checkpoint (str, optional): its weights; ``prefix`` is stripped
            (``'backbone.'`` for a whole MAE / GVP / classifier checkpoint).
        loss (dict): a registered loss; default ``1 - cos`` (MILAN).
        norm_target (bool): layer-norm each target vector (no affine).
    """
    from_backbone = ('patch_size', )

    def __init__(self,
                 teacher: dict,
                 feat_dims: int,
                 patch_size: int,
                 checkpoint: Optional[str] = None,
                 prefix: str = 'backbone.',
                 loss: dict = COSINE,
                 norm_target: bool = True,
                 init_cfg=None):
        super().__init__(loss, init_cfg=init_cfg)
        self.teacher = MODELS.build(teacher)
        self.teacher.requires_grad_(False)
        self.feat_dims = feat_dims
        self.patch_size = patch_size
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.norm_target = norm_target

    @property
    def num_outputs(self) -> int:
        return self.feat_dims

    def init_weights(self):
        """The teacher's checkpoint (or its own init without one)."""
        if self.checkpoint is None:
            self.teacher.init_weights()
            return
        from mmengine.runner.checkpoint import CheckpointLoader
        ckpt = CheckpointLoader.load_checkpoint(self.checkpoint,
                                                map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        n = len(self.prefix)
        state = {k[n:]: v for k, v in state.items()
                 if k.startswith(self.prefix)}  # decoders, heads dropped
        try:
            self.teacher.load_state_dict(state, strict=True)
        except RuntimeError as e:
            raise ValueError(
                f'{self.checkpoint} (keys under {self.prefix!r}) does not '
                f'fit the teacher {type(self.teacher).__name__}: {e}') from e

    def train(self, mode: bool = True):
        super().train(mode)
        self.teacher.eval()  # frozen: no dropout, no BN statistics
        return self

    @torch.no_grad()
    def forward(self, step) -> Tensor:
        """``[B, T, D]`` teacher features at this model's token grid."""
        images = step.images
        grid = (images.shape[-2] // self.patch_size,
                images.shape[-1] // self.patch_size)
        feats = self.teacher(images)[-1]
        if feats.dim() != 4 or feats.shape[1] != self.feat_dims:
            raise ValueError(
                f'the teacher gives {tuple(feats.shape)}; a feature map '
                f'[B, {self.feat_dims}, h, w] is needed: set '
                "out_type='featmap' (mmpretrain ViT) and feat_dims")
        if tuple(feats.shape[-2:]) != grid:
            feats = F.adaptive_avg_pool2d(feats, grid)
        feats = feats.flatten(2).transpose(1, 2).float()
        if self.norm_target:
            feats = F.layer_norm(feats, feats.shape[-1:])
        return feats
