"""Plain-ViT weights in three other libraries' layouts, both ways.

gvp's backbones use mmpretrain ``VisionTransformer`` names (``ours``
below: the output of ``gvp2vit.py``). The same tensors in

* timm's ``VisionTransformer`` (and the official MAE's ``{'model': ...}``
  files, which are timm's names plus a decoder): a rename;
* Hugging Face ``transformers.ViTModel``: a rename, ``qkv`` split into
  ``query`` / ``key`` / ``value`` (rows ``[q; k; v]``, heads inside each,
  as mmpretrain and timm lay them out).

:func:`to_ours` tells the layout of a state dict by its keys and converts
it, so every gvp role loads a timm, official MAE or Hugging Face file
through ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
"""
import re
from typing import Callable, Dict, List, Tuple

import torch

Rules = List[Tuple[str, str]]
#: ours -> timm, applied in order (regular expressions on whole keys)
TIMM: Rules = [
    (r'^patch_embed\.projection\.', 'patch_embed.proj.'),
    (r'^layers\.(\d+)\.ln1\.', r'blocks.\1.norm1.'),
    (r'^layers\.(\d+)\.ln2\.', r'blocks.\1.norm2.'),
    (r'^layers\.(\d+)\.attn\.', r'blocks.\1.attn.'),
    (r'^layers\.(\d+)\.ffn\.layers\.0\.0\.', r'blocks.\1.mlp.fc1.'),
    (r'^layers\.(\d+)\.ffn\.layers\.1\.', r'blocks.\1.mlp.fc2.'),
    (r'^ln1\.', 'norm.'),
]
#: ours -> Hugging Face ViTModel (qkv handled apart)
HF: Rules = [
    (r'^cls_token$', 'embeddings.cls_token'),
    (r'^pos_embed$', 'embeddings.position_embeddings'),
    (r'^patch_embed\.projection\.',
     'embeddings.patch_embeddings.projection.'),
    (r'^layers\.(\d+)\.ln1\.', r'encoder.layer.\1.layernorm_before.'),
    (r'^layers\.(\d+)\.ln2\.', r'encoder.layer.\1.layernorm_after.'),
    (r'^layers\.(\d+)\.attn\.proj\.',
     r'encoder.layer.\1.attention.output.dense.'),
    (r'^layers\.(\d+)\.ffn\.layers\.0\.0\.',
     r'encoder.layer.\1.intermediate.dense.'),
    (r'^layers\.(\d+)\.ffn\.layers\.1\.', r'encoder.layer.\1.output.dense.'),
    (r'^ln1\.', 'layernorm.'),
]
HF_QKV = ('query', 'key', 'value')


def _rename(state: Dict, rules: Rules, reverse: bool = False) -> Dict:
    """Every key renamed by the first rule that matches (``reverse``: the
    rules read right to left)."""
    if reverse:
        rules = [(_inverse(dst), _template(src)) for src, dst in rules]
    out = {}
    for key, value in state.items():
        for src, dst in rules:
            if re.match(src, key):
                key = re.sub(src, dst, key)
                break
        out[key] = value
    return out


def _inverse(dst: str) -> str:
    """A rule's target as the pattern that matches it."""
    return '^' + re.escape(dst).replace(re.escape('\\1'), r'(\d+)')


def _template(src: str) -> str:
    """A rule's pattern as the key it matched (``\\1`` for the block)."""
    out = src.lstrip('^').rstrip('$').replace(r'(\d+)', r'\1')
    return out.replace('\\.', '.')


def ours_to_timm(state: Dict) -> Dict:
    return _rename(state, TIMM)


def timm_to_ours(state: Dict) -> Dict:
    """timm's or the official MAE's encoder (decoder, mask token and
    classifier head dropped)."""
    keep = {k: v for k, v in state.items()
            if not k.startswith(('decoder', 'mask_token', 'head.'))}
    return _rename(keep, TIMM, reverse=True)


def ours_to_hf(state: Dict) -> Dict:
    """Hugging Face ``ViTModel`` names; ``qkv`` split in three."""
    out = {}
    for key, value in state.items():
        m = re.match(r'^layers\.(\d+)\.attn\.qkv\.(weight|bias)$', key)
        if m is None:
            out.update(_rename({key: value}, HF))
            continue
        for name, part in zip(HF_QKV, value.chunk(3, dim=0)):
            out[f'encoder.layer.{m[1]}.attention.attention.{name}.{m[2]}'] \
                = part.contiguous()
    return out


def hf_to_ours(state: Dict) -> Dict:
    """A ``ViTModel`` (or ``ViTFor*``: ``vit.`` prefix) state dict; the
    pooler and any classifier dropped, ``query`` / ``key`` / ``value``
    joined into ``qkv``."""
    state = {re.sub(r'^vit\.', '', k): v for k, v in state.items()
             if not k.startswith(('pooler.', 'classifier.'))}
    out, qkv = {}, {}
    for key, value in state.items():
        m = re.match(r'^encoder\.layer\.(\d+)\.attention\.attention\.'
                     r'(query|key|value)\.(weight|bias)$', key)
        if m is None:
            out.update(_rename({key: value}, HF, reverse=True))
        else:
            qkv.setdefault((m[1], m[3]), {})[m[2]] = value
    for (block, kind), parts in qkv.items():
        out[f'layers.{block}.attn.qkv.{kind}'] = torch.cat(
            [parts[n] for n in HF_QKV])
    return out


#: a layout's telltale key and its conversion to ours
LAYOUTS: Dict[str, Tuple[str, Callable]] = {
    'timm': ('blocks.0.attn.qkv.weight', timm_to_ours),
    'hf': ('encoder.layer.0.attention.attention.query.weight', hf_to_ours),
    'hf-prefixed': ('vit.encoder.layer.0.attention.attention.query.weight',
                    hf_to_ours),
}


def to_ours(state: Dict) -> Dict:
    """``state`` in our names, whichever of ours / timm / official MAE
    (``{'model': ...}``) / Hugging Face it is in."""
    if 'model' in state and isinstance(state['model'], dict):
        state = state['model']  # the official MAE's files
    for key, convert in LAYOUTS.values():
        if key in state:
            return convert(state)
    return state


def geometry(state: Dict, num_heads: int = 0) -> Dict[str, int]:
    """The ViT's sizes read from its tensors (ours); ``num_heads`` from
    mmpretrain's ``arch_zoo`` entry of the same width and depth unless
    given (the tensors cannot tell it)."""
    from mmpretrain.models import VisionTransformer
    dims = state['cls_token'].shape[-1]
    depth = len({k.split('.')[1] for k in state if k.startswith('layers.')})
    patch = state['patch_embed.projection.weight'].shape
    grid = int(round((state['pos_embed'].shape[1] - 1)**.5))
    if not num_heads:
        archs = [a for a in VisionTransformer.arch_zoo.values()
                 if a['embed_dims'] == dims and a['num_layers'] == depth]
        if not archs:
            raise ValueError(f'no mmpretrain ViT arch has width {dims} and '
                             f'depth {depth}: give --num-heads')
        num_heads = archs[0]['num_heads']
    return dict(embed_dim=dims, depth=depth, num_heads=num_heads,
                patch_size=patch[-1], in_chans=patch[1],
                img_size=grid * patch[-1],
                mlp_dim=state['layers.0.ffn.layers.0.0.weight'].shape[0])


def hf_config(geo: Dict[str, int]) -> Dict:
    """``transformers.ViTConfig`` fields of a ViT of these sizes
    (mmpretrain's LayerNorm eps 1e-6, exact GELU, qkv bias)."""
    return dict(
        model_type='vit', architectures=['ViTModel'],
        hidden_size=geo['embed_dim'], num_hidden_layers=geo['depth'],
        num_attention_heads=geo['num_heads'],
        intermediate_size=geo['mlp_dim'], hidden_act='gelu',
        layer_norm_eps=1e-6, image_size=geo['img_size'],
        patch_size=geo['patch_size'], num_channels=geo['in_chans'],
        qkv_bias=True, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0)
