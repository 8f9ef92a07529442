"""GVP pretraining checkpoint -> plain ViT backbone weights (rename only).

The backbone already uses mmpretrain ``VisionTransformer`` names, so the
conversion strips the ``backbone.`` prefix, drops what only pretraining uses
(what a query start adds, ``query_token``; the head, a tokenizer) and keeps
the tensors untouched (timm's and Hugging Face's layouts:
:mod:`.layouts`). Every registered pretraining backbone converts: the
two-stream ``GVPViT`` with any query start, the single stream. The result
loads into mmpretrain's ``VisionTransformer`` and into
:class:`GVPFinetuneViT` / :class:`GVPProbeViT` (``init_cfg=dict(
type='Pretrained', checkpoint=...)``, no prefix).
"""
import os.path as osp
from collections import OrderedDict
from typing import Dict

import torch

from .layouts import to_ours
from .query_start import PRETRAIN_ONLY

PREFIX = 'backbone.'
#: the GVP head's weight: what marks a GVP pretraining checkpoint
GVP_HEAD = 'head.predictor.weight'


def gvp_to_vit(checkpoint: Dict) -> 'OrderedDict[str, torch.Tensor]':
    """Backbone tensors of a GVP checkpoint (runner file or state dict)."""
    state = checkpoint.get('state_dict', checkpoint)
    if not any(k.startswith(PREFIX) for k in state):
        raise ValueError(
            'not a GVP pretraining checkpoint: no "backbone." weights found '
            '(is it already converted, or from another toolbox?)')
    if GVP_HEAD not in state:
        raise ValueError(
            f'not a GVP pretraining checkpoint: no {GVP_HEAD} (a '
            'checkpoint of another model or of a fine-tuned classifier?)')
    out = OrderedDict()
    for key, value in state.items():
        if not key.startswith(PREFIX):
            continue  # head, tokenizer, data preprocessor buffers
        name = key[len(PREFIX):]
        if name in PRETRAIN_ONLY:
            continue
        out[name] = value.detach().clone()
    return out


def read_weights(path: str) -> Dict:
    """A checkpoint file: ``.safetensors``, a Hugging Face folder
    (``model.safetensors`` in it) or a torch file (mmengine's loader, which
    gvp makes safe: :mod:`gvp.utils.safe_load`)."""
    if osp.isdir(path):
        path = osp.join(path, 'model.safetensors')
    if not osp.isfile(path) and '://' not in path:
        from gvp.utils.safe_load import CheckpointError
        raise CheckpointError(f'weights {path}: no such file; give a '
                              'checkpoint, .safetensors file or Hugging '
                              'Face folder')
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(path)
    from mmengine.runner.checkpoint import CheckpointLoader
    return CheckpointLoader.load_checkpoint(path, map_location='cpu')


def backbone_state(checkpoint: Dict, prefix: str = PREFIX) -> Dict:
    """Backbone tensors in our names of any checkpoint: a runner file or
    state dict of a whole model (``prefix`` stripped, the rest dropped:
    GVP, MAE, a classifier), bare backbone weights (the converter's
    output), or a timm / official MAE / Hugging Face ViT
    (:func:`~.layouts.to_ours`)."""
    state = to_ours(checkpoint.get('state_dict', checkpoint))
    if any(k.startswith(prefix) for k in state):
        return {
            k[len(prefix):]: v
            for k, v in state.items() if k.startswith(prefix)
        }
    return dict(state)


def load_backbone(backbone, path: str, prefix: str = PREFIX) -> None:
    """Load ``path`` (any layout :func:`backbone_state` reads) into
    ``backbone``; every backbone tensor must come from the file, with its
    shape (``query_token`` excepted both ways: no converted file has it,
    the probe and fine-tune roles do not use it; ``pos_embed`` may differ
    in its grid: mmpretrain's load hook resizes it; a role's ``fresh_keys``
    stay as initialised: no pretraining has them). Mismatches are raised,
    named; keys the backbone does not have are only listed."""
    from mmengine.logging import print_log

    from gvp.utils.state_dict import state_dict_mismatch
    state = backbone_state(read_weights(path), prefix)
    own = backbone.state_dict()
    state = {k: v for k, v in state.items()
             if k not in PRETRAIN_ONLY or k in own}
    problems = state_dict_mismatch(
        own, {k: own[k] if k == 'pos_embed' and k in own else v
              for k, v in state.items()},
        allow_missing=PRETRAIN_ONLY + getattr(backbone, 'fresh_keys', ()),
        allow_unexpected=state)
    if problems:
        from gvp.utils.errors import FitError
        raise FitError(f'{path} does not fit the backbone '
                       f'({type(backbone).__name__}): ' + '; '.join(problems))
    unused = sorted(set(state) - set(own))
    if unused:
        print_log(f'{path}: {len(unused)} tensors the backbone does not '
                  f'have, not loaded: {unused[:6]}', logger='current',
                  level=30)
    backbone.load_state_dict(state, strict=False)


def vit_weights(checkpoint: Dict) -> Dict:
    """Plain-ViT tensors (ours) of a GVP pretraining checkpoint
    (:func:`gvp_to_vit`) or of anything :func:`backbone_state` reads."""
    state = checkpoint.get('state_dict', checkpoint)
    if GVP_HEAD in state:
        return gvp_to_vit(checkpoint)
    state = backbone_state(checkpoint)
    if 'cls_token' not in state or 'layers.0.attn.qkv.weight' not in state:
        raise ValueError('no ViT backbone found in the checkpoint (no '
                         'cls_token / layers.0.attn.qkv.weight after '
                         'conversion)')
    return {k: v for k, v in state.items() if k not in PRETRAIN_ONLY}


def save_safetensors(path: str, state: Dict, metadata: Dict) -> None:
    """``state`` as a safetensors file (written whole or not at all), with
    ``metadata`` (str -> str)."""
    from safetensors.torch import save

    from gvp.utils.atomic_io import atomic_write
    tensors = {k: v.detach().contiguous() for k, v in state.items()}
    atomic_write(path, save(tensors, metadata=metadata))
