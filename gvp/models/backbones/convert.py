"""GVP pretraining checkpoint -> plain ViT backbone weights (rename only).

The backbone already uses mmpretrain ``VisionTransformer`` names, so the
conversion strips the ``backbone.`` prefix, drops what only pretraining uses
(what a query start adds, ``query_token``; the head, a tokenizer) and keeps
the tensors untouched. Every registered pretraining backbone converts: the
two-stream ``GVPViT`` with any query start, the single stream. The result
loads into mmpretrain's ``VisionTransformer`` and into
:class:`GVPFinetuneViT` / :class:`GVPProbeViT` (``init_cfg=dict(
type='Pretrained', checkpoint=...)``, no prefix).
"""
from collections import OrderedDict
from typing import Dict

import torch

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


def backbone_state(checkpoint: Dict) -> Dict:
    """Backbone tensors of any checkpoint: a runner file or state dict of a
    whole model (``backbone.`` prefix stripped, the rest dropped: GVP, MAE,
    a classifier) or bare backbone weights (the converter's output)."""
    state = checkpoint.get('state_dict', checkpoint)
    if any(k.startswith(PREFIX) for k in state):
        return {
            k[len(PREFIX):]: v
            for k, v in state.items() if k.startswith(PREFIX)
        }
    return dict(state)


def load_backbone(backbone, path: str) -> None:
    """Load ``path`` into ``backbone``; every backbone tensor must come from
    the file (the query-stream start ``query_token`` excepted both ways: no
    converted file has it, the probe and fine-tune roles do not use it).
    Mismatches are raised, named.
    """
    from mmengine.runner.checkpoint import CheckpointLoader

    from gvp.utils.state_dict import state_dict_mismatch
    state = backbone_state(
        CheckpointLoader.load_checkpoint(path, map_location='cpu'))
    own = backbone.state_dict()
    # the probe / fine-tune roles have no query stream start
    state = {
        k: v
        for k, v in state.items() if k not in PRETRAIN_ONLY or k in own
    }
    problems = state_dict_mismatch(own, state, allow_missing=PRETRAIN_ONLY)
    # heads/decoders of other methods are dropped with the prefix; what is
    # left must fit
    if problems:
        raise ValueError(f'{path} does not fit the backbone:\n  ' +
                         '\n  '.join(problems))
    backbone.load_state_dict(state, strict=False)
