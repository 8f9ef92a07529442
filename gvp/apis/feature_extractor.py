"""Frozen backbone features for evaluation (linear probe, k-NN, transfer)."""
from typing import Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from .model import get_config


def normalisation(cfg: Config):
    """``(mean, std)`` of the config's data preprocessor, 0..255, RGB (one
    value is repeated for the three channels)."""
    pre = cfg.get('data_preprocessor') or cfg.model.get(
        'data_preprocessor') or {}
    mean = list(pre.get('mean', [123.675, 116.28, 103.53]))
    std = list(pre.get('std', [58.395, 57.12, 57.375]))
    if len(mean) == 1:
        mean, std = mean * 3, std * 3
    return mean, std


class FeatureExtractor:
    """The backbone of a config as a frozen feature extractor.

    ``mode='probe'`` runs the content stream with the causal mask of one
    seeded plan (paper §5; ``probe_mask=False`` drops it) and returns the
    mean image token after each block of ``out_indices``; ``'finetune'``
    is the plain ViT (mmpretrain's outputs). Images are prepared by the
    evaluation protocol of :func:`gvp.evaluation.linear_eval.
    extract_features` (short side to ``size * 8 / 7``, center crop, the
    config's mean/std).

    Args:
        model: a model-index name, a config file or a ``Config``.
        pretrained: a checkpoint (a whole GVP / MAE / classifier run, or a
            converted backbone); ``None`` keeps the initial weights of
            ``seed`` (the random-init baseline).
        mode, probe_mask, out_indices: as :class:`~gvp.models.GVPViT`
            (``None``: as the config says).
        cfg_options: config overrides, as ``--cfg-options``.
        seed: torch seed before the backbone is built.
        device: where it runs.
    """

    def __init__(self, model: Union[str, Config],
                 pretrained: Optional[str] = None,
                 mode: Optional[str] = 'probe', probe_mask: bool = True,
                 out_indices: Optional[Sequence[int]] = (-1, ),
                 cfg_options: Optional[dict] = None, seed: int = 0,
                 device: Union[str, torch.device, None] = None):
        import gvp  # noqa: F401
        from gvp.models.backbones.convert import load_backbone
        from gvp.registry import MODELS
        self.cfg = get_config(model, cfg_options)
        bcfg = self.cfg.model.backbone.copy()
        bcfg.pop('init_cfg', None)
        if mode is not None:  # None: the config's own mode
            bcfg['mode'] = mode
        if out_indices is not None:
            bcfg['out_indices'] = list(out_indices)
        if bcfg.get('mode') == 'probe':
            bcfg['probe_mask'] = probe_mask
        torch.manual_seed(seed)
        with DefaultScope.overwrite_default_scope(
                self.cfg.get('default_scope', 'gvp')):
            backbone = MODELS.build(bcfg)
        backbone.init_weights()
        if pretrained:
            load_backbone(backbone, pretrained)
        # (mmpretrain's ViT.train() returns None: no chaining)
        backbone.to(device or 'cpu')
        backbone.eval()
        self.backbone = backbone.requires_grad_(False)
        self.size = int(bcfg.get('img_size', 224))
        self.mean, self.std = normalisation(self.cfg)

    def __call__(self, items, batch_size: int = 256):
        """``items``: ``[(image path or PIL image, label), ...]`` ->
        ``(features [N, D], labels [N])`` as numpy (the last requested
        block)."""
        from gvp.evaluation.linear_eval import extract_features
        return extract_features(self.backbone, items, self.size, self.mean,
                                self.std, batch_size)
