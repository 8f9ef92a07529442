"""Build models from a config or an index name, with weights."""
import os.path as osp
import re
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import (CheckpointLoader,
                                        _load_checkpoint_to_model)

from gvp.utils.quiet import quiet_mmengine, say_loaded
from .model_index import config_file, model_info


def get_config(model: Union[str, Config],
               cfg_options: Optional[dict] = None) -> Config:
    """A config from a ``Config``, a config file or a model-index name;
    ``cfg_options`` as ``--cfg-options`` (``{'model.backbone.x': 1}``)."""
    if isinstance(model, Config):
        cfg = model.copy()
    else:  # a path, or a model-index name (anything else: one line)
        cfg = Config.fromfile(config_file(str(model)))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def get_model(model: Union[str, Config],
              pretrained: Union[bool, str, None] = None,
              device: Union[str, torch.device, None] = None,
              cfg_options: Optional[dict] = None,
              strict: bool = True) -> torch.nn.Module:
    """Build a model (``cfg.model`` with the config's data preprocessor).

    Args:
        model: a model-index name (:func:`list_models`), a config file or a
            ``Config``.
        pretrained: a checkpoint file (read by the safe loader); ``True``
            takes the index's ``Weights`` (none are published yet).
        device: where to put it (default CPU).
        cfg_options: config overrides, as ``--cfg-options``.
        strict: every tensor of the model must come from ``pretrained``
            with its shape; a file that does not fit is refused, naming
            what does not (``False``: load what fits, warn about the rest;
            a backbone alone goes in through ``init_cfg`` or
            :class:`FeatureExtractor`).

    Returns:
        The model in eval mode, with ``model.cfg`` set to its config and
        mmpretrain's ``_config`` / ``_dataset_meta`` / ``_metainfo``, so
        that mmpretrain's inferencers take it.
    """
    import gvp  # noqa: F401  (registers gvp's modules)
    from gvp.registry import MODELS
    cfg = get_config(model, cfg_options)
    if pretrained is True:
        pretrained = model_info(str(model)).get('Weights')
        if not pretrained:
            raise ValueError(f'{model}: the model index has no weights for '
                             'it yet; pass pretrained=PATH')
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    scope = cfg.get('default_scope', 'gvp')
    with quiet_mmengine():
        with DefaultScope.overwrite_default_scope(scope):
            net = MODELS.build(model_cfg)
        meta = load_pretrained(net, pretrained, strict) if pretrained else {}
    say_loaded('get_model', net, pretrained)
    net.cfg = net._config = cfg
    net._dataset_meta = meta.get('dataset_meta') or {}
    net._metainfo = model_info(model) if isinstance(model, str) and \
        not osp.isfile(model) else None
    return net.to(device or 'cpu').eval()


def load_pretrained(net, path: str, strict: bool = True) -> dict:
    """Load checkpoint ``path`` into ``net`` (``module.`` prefixes of a
    wrapped model stripped); ``strict``: refuse a file that does not fit,
    naming the tensors. Returns the checkpoint's ``meta``."""
    from gvp.utils.state_dict import state_dict_mismatch
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    state = {re.sub(r'^module\.', '', k): v
             for k, v in ckpt.get('state_dict', ckpt).items()}
    problems = state_dict_mismatch(net.state_dict(), state)
    if strict and problems:
        from gvp.utils.errors import FitError
        raise FitError(
            f'{path} does not fit the model ({type(net).__name__}): ' +
            '; '.join(problems) + '. A backbone alone: init_cfg='
            "dict(type='Pretrained', checkpoint=...) or FeatureExtractor; "
            'load what fits: strict=False')
    _load_checkpoint_to_model(net, state, strict=False, logger='current')
    return ckpt.get('meta', {}) if isinstance(ckpt.get('meta'), dict) else {}


def init_model(config: Union[str, Config], checkpoint: Optional[str] = None,
               device: Union[str, torch.device, None] = None,
               cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """mmpretrain-style alias: :func:`get_model` with a checkpoint path."""
    return get_model(config, pretrained=checkpoint, device=device,
                     cfg_options=cfg_options)
