"""Converter: GVP finetune mode == mmpretrain VisionTransformer, same input."""
import subprocess
import sys

import pytest
import torch
from gvp_testing import TINY_ARCH, tiny_gvp
from mmpretrain.models import VisionTransformer

from gvp.registry import MODELS


def _pretrained(tmp_path):
    model = MODELS.build(tiny_gvp())
    model.init_weights()
    # make every tensor distinct from a fresh init
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    src = tmp_path / 'gvp_pretrain.pth'
    torch.save(
        {
            'meta': {
                'iter': 10
            },
            'state_dict': model.state_dict(),
            'message_hub': {
                'x': object.__class__.__name__
            }
        }, src)
    return model, src


def test_converted_weights_give_equal_features(tmp_path, root):
    model, src = _pretrained(tmp_path)
    dst = tmp_path / 'vit.pth'
    subprocess.run([
        sys.executable, f'{root}/tools/model_converters/gvp2vit.py',
        str(src),
        str(dst)
    ],
                   check=True,
                   cwd=root)
    state = torch.load(dst, weights_only=True)['state_dict']
    assert 'query_token' not in state
    assert not any(k.startswith(('head', 'backbone')) for k in state)

    ckpt = dict(type='Pretrained', checkpoint=str(dst))
    vit = VisionTransformer(
        arch=TINY_ARCH,
        img_size=16,
        patch_size=4,
        out_type='raw',
        init_cfg=ckpt)
    vit.init_weights()
    ours = MODELS.build(
        dict(
            type='GVPFinetuneViT',
            arch=TINY_ARCH,
            img_size=16,
            patch_size=4,
            out_type='raw',
            init_cfg=ckpt))
    ours.init_weights()
    missing, unexpected = vit.load_state_dict(state, strict=True)
    assert not missing and not unexpected
    x = torch.randn(2, 3, 16, 16)
    vit.eval(), ours.eval()
    with torch.no_grad():
        a, b = vit(x)[0], ours(x)[0]
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    # and the pretrained tensors really arrived (not a fresh init)
    torch.testing.assert_close(vit.layers[1].attn.qkv.weight,
                               model.backbone.layers[1].attn.qkv.weight)


def test_wrong_checkpoint_kind_is_refused(tmp_path, root):
    vit = VisionTransformer(arch=TINY_ARCH, img_size=16, patch_size=4)
    src = tmp_path / 'plain_vit.pth'
    torch.save({'state_dict': vit.state_dict()}, src)
    proc = subprocess.run([
        sys.executable, f'{root}/tools/model_converters/gvp2vit.py',
        str(src),
        str(tmp_path / 'out.pth')
    ],
                          cwd=root,
                          capture_output=True,
                          text=True)
    assert proc.returncode != 0
    assert 'not a GVP pretraining checkpoint' in proc.stderr


def test_converter_function_drops_pretrain_only():
    from gvp.models.backbones.convert import gvp_to_vit
    model = MODELS.build(tiny_gvp())
    out = gvp_to_vit({'state_dict': model.state_dict()})
    expected = {
        k[len('backbone.'):]
        for k in model.state_dict() if k.startswith('backbone.')
    } - {'query_token'}
    assert set(out) == expected
    with pytest.raises(ValueError, match='head.predictor.weight'):
        gvp_to_vit({'backbone.cls_token': torch.zeros(1)})
