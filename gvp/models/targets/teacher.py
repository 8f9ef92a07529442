"""Features of a frozen teacher as the target (the MILAN / EVA / BEiT-v2
family)."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from gvp.registry import MODELS
from .base import GVPTarget

LOSSES = ('cosine', 'smooth_l1')


@MODELS.register_module()
class TeacherFeatureTarget(GVPTarget):
    """Per-token features of a frozen backbone: any registered (mmpretrain)
    backbone whose last output is a feature map ``[B, D, h', w']`` (a ViT
    with ``out_type='featmap'``), pooled to this model's patch grid,
    layer-normalised (``norm_target``); loss cosine distance or smooth L1.
    Weights from a local checkpoint (the safe loader), loaded by
    ``init_weights``; the teacher never trains and stays in eval mode.

    Args:
        teacher (dict): the backbone config.
        feat_dims (int): ``D`` of its features.
        patch_size (int): this model's ``p`` (the target grid is the image
            size / ``p``).
        checkpoint (str, optional): its weights; ``prefix`` is stripped
            (``'backbone.'`` for a whole MAE / GVP / classifier checkpoint).
        loss (str): ``'cosine'`` (1 - cos, MILAN) or ``'smooth_l1'``.
        norm_target (bool): layer-norm each target vector (no affine).
    """

    def __init__(self,
                 teacher: dict,
                 feat_dims: int,
                 patch_size: int = 16,
                 checkpoint: Optional[str] = None,
                 prefix: str = 'backbone.',
                 loss: str = 'cosine',
                 norm_target: bool = True,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if loss not in LOSSES:
            raise ValueError(f'loss={loss!r}: use one of {LOSSES}')
        self.teacher = MODELS.build(teacher)
        self.teacher.requires_grad_(False)
        self.feat_dims = feat_dims
        self.patch_size = patch_size
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.loss_type = loss
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

    def loss(self, pred: Tensor, target: Tensor) -> Tensor:
        pred = pred.float()
        if self.loss_type == 'cosine':
            return (1 - F.cosine_similarity(pred, target, dim=-1)).mean()
        return F.smooth_l1_loss(pred, target)
