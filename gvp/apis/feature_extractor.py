"""Frozen backbone features for evaluation (linear probe, k-NN, transfer)."""
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.utils import ProgressBar

from gvp.datasets.test_time import (build_test_pipeline, pack_images,
                                    stack_inputs)
from gvp.models.algorithms.step import StepInputs
from gvp.utils.quiet import quiet_mmengine, say_loaded
from .model import get_config


def normalisation(cfg: Config):
    """``(mean, std, to_rgb)`` of the config's data preprocessor: mean / std
    on the 0..255 scale (one value is repeated for the three channels)."""
    pre = cfg.get('data_preprocessor') or cfg.model.get(
        'data_preprocessor') or {}
    mean = list(pre.get('mean', [123.675, 116.28, 103.53]))
    std = list(pre.get('std', [58.395, 57.12, 57.375]))
    if len(mean) == 1:
        mean, std = mean * 3, std * 3
    return mean, std, bool(pre.get('to_rgb', pre.get('bgr_to_rgb', False)))


class FeatureExtractor:
    """The backbone of a config as a frozen feature extractor.

    ``mode='probe'`` builds the config's backbone as a
    :class:`~gvp.models.GVPProbeViT` (content stream with the causal mask
    of one seeded plan, paper §5; ``probe_mask=False`` drops it): the mean
    image token after each block of ``out_indices``; ``'finetune'`` as a
    :class:`~gvp.models.GVPFinetuneViT` (the plain ViT, mmpretrain's
    outputs). Images go through the
    config's test pipeline (:func:`gvp.datasets.build_test_pipeline`; a
    pretraining config has none and gets ``ResizeCenterCrop`` at the
    backbone's size: short side to ``size * 8 / 7``, center crop) and the
    normalisation of its data preprocessor (mean / std / ``to_rgb``).

    Args:
        model: a model-index name, a config file or a ``Config``.
        pretrained: a checkpoint (a whole GVP / MAE / classifier run, or a
            converted backbone); ``None`` keeps the initial weights of
            ``seed`` (the random-init baseline).
        mode: ``'probe'``, ``'finetune'`` or ``None`` (the config's own
            backbone class).
        probe_mask, out_indices: as :class:`~gvp.models.GVPProbeViT`
            (``None``: as the config says).
        cfg_options: config overrides, as ``--cfg-options``.
        seed: torch seed before the backbone is built.
        device: where it runs.
        img_size: prepare images with ``ResizeCenterCrop(img_size)``
            instead of the config's test pipeline (``0``: at the
            backbone's size).
    """

    def __init__(self,
                 model: Union[str, Config],
                 pretrained: Optional[str] = None,
                 mode: Optional[str] = 'probe',
                 probe_mask: bool = True,
                 out_indices: Optional[Sequence[int]] = (-1, ),
                 cfg_options: Optional[dict] = None,
                 seed: int = 0,
                 device: Union[str, torch.device, None] = None,
                 img_size: Optional[int] = None):
        self.cfg = get_config(model, cfg_options)
        bcfg = self._backbone_cfg(mode, out_indices, probe_mask)
        self.backbone = self._build(bcfg, mode, pretrained, seed, device)
        # a backbone that reads ids (d2d) gets them from the config's
        # frozen tokenizer, as in pretraining (StepInputs)
        self.tokenizer = self._tokenizer(device) \
            if self.backbone.reads == 'ids' else None
        self.pipeline = build_test_pipeline(
            self.cfg,
            img_size or int(bcfg.get('img_size', 224)),
            force_default=img_size is not None)
        mean, std, self.to_rgb = normalisation(self.cfg)
        self.mean = torch.tensor(mean).view(1, -1, 1, 1)
        self.std = torch.tensor(std).view(1, -1, 1, 1)

    def _backbone_cfg(self, mode, out_indices, probe_mask) -> dict:
        """The config's backbone for ``mode`` (``None``: its own role)."""
        from gvp.models.backbones.roles import backbone_for_role
        bcfg = self.cfg.model.backbone.copy()
        bcfg.pop('init_cfg', None)
        if mode is not None:
            bcfg = backbone_for_role(bcfg, mode)
        if out_indices is not None:
            bcfg['out_indices'] = list(out_indices)
        if mode == 'probe':
            bcfg['probe_mask'] = probe_mask
        return bcfg

    def _build(self, bcfg, mode, pretrained, seed, device):
        """The backbone, initialised under ``seed`` then loaded from
        ``pretrained``, frozen in eval mode on ``device``."""
        import gvp  # noqa: F401
        from gvp.models.backbones.convert import load_backbone
        from gvp.registry import MODELS
        torch.manual_seed(seed)
        with quiet_mmengine(), DefaultScope.overwrite_default_scope(
                self.cfg.get('default_scope', 'gvp')):
            backbone = MODELS.build(bcfg)
            backbone.init_weights()
            if pretrained:
                load_backbone(backbone, pretrained)
        say_loaded(f'FeatureExtractor(mode={mode!r})', backbone, pretrained)
        # (mmpretrain's ViT.train() returns None: no chaining)
        backbone.to(device or 'cpu')
        backbone.eval()
        return backbone.requires_grad_(False)

    def _tokenizer(self, device):
        """The config's frozen tokenizer (refused without one)."""
        from gvp.registry import MODELS
        if not self.cfg.model.get('tokenizer'):
            name = type(self.backbone.patch_embed).__name__
            raise ValueError(
                f'the backbone reads {name} inputs but the config has no '
                'model.tokenizer to make them from images')
        with DefaultScope.overwrite_default_scope(
                self.cfg.get('default_scope', 'gvp')):
            tokenizer = MODELS.build(dict(self.cfg.model.tokenizer,
                                          frozen=True))
        return tokenizer.to(device or 'cpu').eval()

    def inputs(self, images) -> torch.Tensor:
        """Images (paths, PIL, arrays) -> normalised ``[B, 3, H, W]``."""
        x = stack_inputs(pack_images(images, self.pipeline)).float()
        if self.to_rgb:
            x = x[:, [2, 1, 0]]
        return (x - self.mean) / self.std

    @torch.no_grad()
    def embed(self, x: torch.Tensor) -> np.ndarray:
        """Normalised images ``[B, 3, H, W]`` (as :meth:`inputs` makes them)
        -> features ``[B, D]``: the mean image token after the last
        requested block. Inputs made once serve several backbones."""
        x = x.to(next(self.backbone.parameters()).device)
        out = self.backbone(StepInputs(x, self.mean, self.std,
                                       self.tokenizer))
        return out[-1].flatten(1).float().cpu().numpy()

    @torch.no_grad()
    def __call__(self, items, batch_size: int = 256):
        """Features of images, as mmpretrain's ``FeatureExtractor`` takes
        them: one image or a list of images (paths, PIL images or arrays)
        -> features ``[N, D]`` (numpy); labelled pairs ``[(image, label),
        ...]`` -> ``(features [N, D], labels [N])``. A feature is the mean
        image token after the last requested block."""
        single = not isinstance(items, (list, tuple))
        items = [items] if single else list(items)
        pairs = bool(items) and all(
            isinstance(i, tuple) and len(i) == 2 for i in items)
        images = [i[0] for i in items] if pairs else items
        feats = []
        bar = ProgressBar(len(images))  # images done, elapsed, ETA
        for start in range(0, len(images), batch_size):
            chunk = images[start:start + batch_size]
            feats.append(self.embed(self.inputs(chunk)))
            bar.update(len(chunk))
        feats = np.concatenate(feats) if feats else np.zeros((0, 0))
        if pairs:
            return feats, np.asarray([label for _, label in items])
        return feats
