"""The model each benchmark variant times (:mod:`.variants`)."""
import os.path as osp

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import nn

from gvp.study.paths import ROOT
from .variants import SIZES


class PlainViTStep(nn.Module):
    """mmpretrain's ViT over all tokens + a linear pixel head, MSE."""

    def __init__(self, img_size, arch='b', patch_size=16):
        super().__init__()
        from mmpretrain.models import VisionTransformer

        from gvp.models import GVPViTBase
        arch = GVPViTBase.arch_zoo[arch]  # mmpretrain's, plus 'tiny'
        self.p = patch_size
        self.backbone = VisionTransformer(
            arch=arch, img_size=img_size, patch_size=patch_size,
            out_type='raw')
        self.head = nn.Linear(arch['embed_dims'], patch_size**2 * 3)

    def forward(self, x, data_samples=None, mode='loss'):
        tokens = self.backbone(x)[0][:, 1:]
        b, p = x.shape[0], self.p
        target = x.reshape(b, 3, x.shape[2] // p, p, x.shape[3] // p, p)
        target = torch.einsum('nchpwq->nhwpqc', target).reshape(
            b, -1, p * p * 3)
        return dict(loss=F.mse_loss(self.head(tokens), target))


class TokenizerOnly(nn.Module):
    """The frozen tokenizer's encode, as the p2d/d2d steps run it; a scalar
    parameter gives the step something to update."""

    def __init__(self, cfg):
        super().__init__()
        from gvp.registry import MODELS
        with DefaultScope.overwrite_default_scope('gvp'):
            self.tokenizer = MODELS.build(dict(cfg, frozen=True))
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x, data_samples=None, mode='loss'):
        ids = self.tokenizer.encode_ids((x.float() * .2 + .5).clamp(0, 1))
        return dict(loss=self.scale * ids.float().mean())


def model_cfg(path):
    return Config.fromfile(osp.join(ROOT, path)).model


def gvp_model(variant, spec, img_size):
    from gvp.registry import MODELS
    cfg = model_cfg(spec[variant.model])
    cfg.backbone.img_size = img_size
    cfg.backbone.prune = variant.prune
    cfg.backbone.prune_last_block = variant.prune_last_block
    if 'tokenizer' in cfg:
        cfg.tokenizer.checkpoint = None  # same cost, no file needed
    with DefaultScope.overwrite_default_scope('gvp'):
        return MODELS.build(cfg)


def mae_model(spec, img_size):
    import mmpretrain
    from mmpretrain.registry import MODELS
    if spec['mae'] is None:
        cfg = Config.fromfile(
            osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'configs',
                     '_base_', 'models', 'mae_vit-base-p16.py')).model
    else:
        cfg = model_cfg(spec['mae'])
    cfg.backbone.img_size = img_size
    cfg.neck.num_patches = (img_size // spec['patch_size'])**2
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def build(variant, img_size: int, size: str = 'base') -> nn.Module:
    """The model of ``variant`` (a :class:`~.variants.Variant`) at ``size``
    (:data:`~.variants.SIZES`), ``img_size`` px."""
    import gvp  # noqa: F401
    spec = SIZES[size]
    if variant.model == 'vit':
        return PlainViTStep(img_size, spec['arch'], spec['patch_size'])
    if variant.model == 'vqgan':
        cfg = model_cfg(spec['p2d']).tokenizer
        cfg.checkpoint = None
        return TokenizerOnly(cfg)
    if variant.model == 'mae':
        return mae_model(spec, img_size)
    return gvp_model(variant, spec, img_size)
