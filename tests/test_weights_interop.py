"""Weights both ways: gvp -> timm / Hugging Face (``gvp2timm.py``,
``gvp2hf.py``) and timm / official MAE / Hugging Face / mmpretrain MAE ->
every gvp role (``init_cfg=dict(type='Pretrained', ...)``), each checked by
equal features.

timm and transformers live in their own environment (transformers must stay
out of the mmpretrain venv): a venv built once per test session beside the
pytest temp folders (``GVP_INTEROP_PYTHON`` names an existing one instead).
The other side's half of each check is ``tests/data/interop_side.py``.
"""
import fcntl
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from gvp_testing import TINY_ARCH, tiny_backbone, tiny_gvp

from gvp.models.backbones.layouts import ours_to_timm
from gvp.registry import MODELS

pytestmark = pytest.mark.slow
SIDE_PACKAGES = ['torch==2.14.1', 'timm', 'transformers', 'safetensors',
                 'numpy']
TIMM_SPEC = dict(img_size=16, patch_size=4, in_chans=3, embed_dim=32,
                 depth=2, num_heads=2, mlp_ratio=2.0, qkv_bias=True,
                 class_token=True, global_pool='token', num_classes=0)
HF_SPEC = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
               intermediate_size=64, hidden_act='gelu', layer_norm_eps=1e-6,
               image_size=16, patch_size=4, num_channels=3, qkv_bias=True)
ROLES = ('pretrain', 'probe', 'finetune')


@pytest.fixture(scope='session')
def side_python(tmp_path_factory):
    """The python of an environment with timm and transformers."""
    if os.environ.get('GVP_INTEROP_PYTHON'):
        return os.environ['GVP_INTEROP_PYTHON']
    shared = tmp_path_factory.getbasetemp().parent  # one for all workers
    venv, python = shared / 'interop-venv', shared / 'interop-venv/bin/python'
    with open(shared / 'interop-venv.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / 'ready').exists():
            subprocess.run([sys.executable, '-m', 'venv', '--clear',
                            str(venv)], check=True)
            subprocess.run([str(python), '-m', 'pip', 'install', '-q'] +
                           SIDE_PACKAGES, check=True)
            (venv / 'ready').touch()
    return str(python)


def side(python, root, tmp_path, *args):
    """Run interop_side.py; its tokens on the fixed input."""
    x, out = tmp_path / 'x.npy', tmp_path / 'side_out.npy'
    np.save(x, _input().numpy())
    subprocess.run([python, f'{root}/tests/data/interop_side.py', *args,
                    str(x), str(out)], check=True, cwd=tmp_path)
    return torch.from_numpy(np.load(out))


def _input():
    gen = torch.Generator().manual_seed(0)
    return torch.randn(2, 3, 16, 16, generator=gen)


def role(mode, checkpoint, prefix=None):
    """A tiny backbone of a role, initialised from ``checkpoint``."""
    cfg = tiny_backbone(mode)
    cfg['init_cfg'] = dict(type='Pretrained', checkpoint=str(checkpoint),
                           prefix=prefix)
    if mode == 'finetune':
        cfg['out_type'] = 'raw'
    backbone = MODELS.build(cfg)
    backbone.init_weights()
    backbone.eval()  # (mmpretrain's ViT.train() returns None)
    return backbone


def tokens(backbone):
    """The fine-tune role's tokens after the final norm, [2, 17, 32]."""
    with torch.no_grad():
        return backbone(_input())[0]


def _gvp_checkpoint(tmp_path):
    model = MODELS.build(tiny_gvp())
    model.init_weights()
    with torch.no_grad():  # every tensor distinct from a fresh init
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    path = tmp_path / 'gvp.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return path


def _convert(root, tool, *args):
    subprocess.run([sys.executable, f'{root}/tools/model_converters/{tool}',
                    *map(str, args)], check=True, cwd=root,
                   capture_output=True)


def _max_diff(a, b):
    assert a.shape == b.shape, (a.shape, b.shape)
    return (a - b).abs().max().item()


def test_gvp_to_timm_and_hf_give_our_features(tmp_path, root, side_python):
    src = _gvp_checkpoint(tmp_path)
    ours = tokens(role('finetune', src, prefix='backbone.'))
    _convert(root, 'gvp2timm.py', src, tmp_path / 'vit.safetensors',
             '--num-heads', 2)
    _convert(root, 'gvp2hf.py', src, tmp_path / 'hf', '--num-heads', 2)
    timm_out = side(side_python, root, tmp_path, 'read', 'timm',
                    tmp_path / 'vit.safetensors')
    hf_out = side(side_python, root, tmp_path, 'read', 'hf', tmp_path / 'hf')
    assert _max_diff(timm_out, ours) <= 1e-6
    assert _max_diff(hf_out, ours) <= 1e-6


def _check_every_role(path, expected_tokens, expected_qkv):
    """Each role loads ``path``: the tensors land, the features match."""
    for mode in ROLES:
        backbone = role(mode, path)
        torch.testing.assert_close(backbone.layers[1].attn.qkv.weight,
                                   expected_qkv, rtol=0, atol=0)
        if mode == 'finetune':
            assert _max_diff(tokens(backbone), expected_tokens) <= 1e-6


def _side_made(side_python, root, tmp_path, lib):
    spec = tmp_path / f'{lib}_spec.json'
    spec.write_text(json.dumps(TIMM_SPEC if lib == 'timm' else HF_SPEC))
    dst = tmp_path / ('timm.safetensors' if lib == 'timm' else 'hf')
    return dst, side(side_python, root, tmp_path, 'make', lib, spec, dst)


def test_timm_vit_into_every_role(tmp_path, root, side_python):
    from safetensors.torch import load_file
    path, theirs = _side_made(side_python, root, tmp_path, 'timm')
    qkv = load_file(path)['blocks.1.attn.qkv.weight']
    _check_every_role(path, theirs, qkv)


def test_official_mae_file_into_every_role(tmp_path, root, side_python):
    """An official MAE checkpoint is timm's encoder plus a decoder and a
    mask token under ``'model'``, saved by ``torch.save``."""
    from safetensors.torch import load_file
    path, theirs = _side_made(side_python, root, tmp_path, 'timm')
    state = load_file(path)
    state.update({'mask_token': torch.zeros(1, 1, 16),
                  'decoder_embed.weight': torch.zeros(16, 32),
                  'decoder_blocks.0.attn.qkv.weight': torch.zeros(48, 16)})
    mae = tmp_path / 'mae_pretrain_vit_tiny.pth'
    torch.save({'model': state, 'args': None}, mae)
    _check_every_role(mae, theirs, state['blocks.1.attn.qkv.weight'])


def test_hf_vit_into_every_role(tmp_path, root, side_python):
    from safetensors.torch import load_file
    path, theirs = _side_made(side_python, root, tmp_path, 'hf')
    hf = load_file(path / 'model.safetensors')
    qkv = torch.cat([
        hf[f'encoder.layer.1.attention.attention.{n}.weight']
        for n in ('query', 'key', 'value')
    ])
    _check_every_role(path, theirs, qkv)
    # and back: timm2gvp.py writes the same tensors in our layout
    _convert(root, 'timm2gvp.py', path, tmp_path / 'ours.pth')
    ours = torch.load(tmp_path / 'ours.pth', weights_only=True)['state_dict']
    torch.testing.assert_close(ours['layers.1.attn.qkv.weight'], qkv)


def test_mmpretrain_mae_into_every_role(tmp_path):
    """An mmpretrain MAE pretraining checkpoint: the encoder's features
    equal mmpretrain's own ``MAEViT`` without a mask."""
    mae = MODELS.build(dict(
        type='MAE',
        backbone=dict(type='MAEViT', arch=TINY_ARCH, img_size=16,
                      patch_size=4, mask_ratio=0.75),
        neck=dict(type='MAEPretrainDecoder', num_patches=16, patch_size=4,
                  embed_dim=32, decoder_embed_dim=16, decoder_depth=1,
                  decoder_num_heads=2),
        head=dict(type='MAEPretrainHead', patch_size=4,
                  loss=dict(type='PixelReconstructionLoss', criterion='L2'))))
    mae.init_weights()
    path = tmp_path / 'mae.pth'
    torch.save({'state_dict': mae.state_dict()}, path)
    mae.eval()
    with torch.no_grad():
        theirs = mae.backbone(_input(), mask=None)[0]
    _check_every_role(path, theirs, mae.backbone.layers[1].attn.qkv.weight)


def test_beit_is_refused_naming_what_does_not_fit(tmp_path):
    """BEiT's blocks (layer scale, q / v biases, relative position bias)
    are not a plain ViT's: refused, naming the tensors, not half loaded."""
    beit = MODELS.build(dict(type='BEiTViT', arch=TINY_ARCH, img_size=16,
                             patch_size=4, layer_scale_init_value=0.1))
    path = tmp_path / 'beit.pth'
    torch.save({'state_dict': {f'backbone.{k}': v
                               for k, v in beit.state_dict().items()}}, path)
    with pytest.raises(ValueError, match='does not fit') as e:
        role('finetune', path)
    assert 'layers.0.attn.qkv.bias' in str(e.value)


def test_timm_names_are_a_rename_of_ours():
    """Every backbone tensor has a timm name, none left in our names."""
    state = MODELS.build(tiny_backbone('finetune')).state_dict()
    timm = ours_to_timm(state)
    assert len(timm) == len(state)
    assert not any(k.startswith(('layers.', 'ln1.', 'patch_embed.projection'))
                   for k in timm)
    assert 'blocks.1.mlp.fc2.weight' in timm and 'norm.weight' in timm
