"""A new pretraining backbone, a new query start and a new loss are each
one registered class (a module of their own, imported by the config's
``custom_imports``) plus one config: nothing of gvp edited. Each config
trains a step, and its checkpoint goes through FeatureExtractor(mode=
'probe'), get_flops.py, gvp2vit.py and into the fine-tune backbone."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine import Config
from mmengine.registry import DefaultScope

from gvp.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO = 'configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
FINETUNE = ('configs/benchmarks/fine_tune/'
            'vit-tiny-p4_gvp-pre_1xb64-coslr-10e_fashion-mnist.py')
HEAD = 'from gvp.registry import MODELS\n'
EXTENSIONS = {
    'backbone': (HEAD + '''from gvp.models import GVPViT


@MODELS.register_module()
class GVPScaledStartViT(GVPViT):
    """A pretraining variant with an argument of its own."""

    def __init__(self, start_scale: float = 1., **kwargs):
        super().__init__(**kwargs)
        self.start_scale = start_scale

    def forward(self, x, ranks=None):
        return super().forward(x, ranks)
''', dict(backbone=dict(type='GVPScaledStartViT', start_scale=.5))),
    'query_start': (HEAD + '''import torch
from torch import nn

from gvp.models import QueryStart


@MODELS.register_module()
class HalfTokenPlusPosition(QueryStart):
    """G0 = w / 2 + E_pos."""

    def add_to(self, backbone):
        backbone.query_token = nn.Parameter(
            torch.zeros(1, 1, backbone.embed_dims))

    def __call__(self, backbone, pos):
        return backbone.query_token / 2 + pos
''', dict(backbone=dict(query_start=dict(type='HalfTokenPlusPosition')))),
    'loss': (HEAD + '''from torch import nn


@MODELS.register_module()
class TokenL1Loss(nn.Module):
    """Mean absolute error over tokens and values."""

    def forward(self, pred, target):
        return (pred - target).abs().mean()
''', dict(target_generator=dict(
        loss=dict(_delete_=True, type='TokenL1Loss')))),
}
ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def write_extension(tmp_path, kind):
    code, delta = EXTENSIONS[kind]
    (tmp_path / f'ext_{kind}.py').write_text(code)
    model = dict(delta, backbone=dict(delta.get('backbone', {}),
                                      arch=dict(ARCH, _delete_=True)))
    cfg = tmp_path / f'{kind}.py'
    cfg.write_text(f"_base_ = '{ROOT}/{DEMO}'\n"
                   f"custom_imports = dict(imports=['gvp', 'ext_{kind}'], "
                   f"allow_failed_imports=False)\nmodel = {model!r}\n")
    return str(cfg)


def run_tool(tmp_path, *args):
    env = dict(os.environ, PYTHONPATH=f'{tmp_path}{os.pathsep}{ROOT}')
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize('kind', list(EXTENSIONS))
def test_one_class_and_one_config(tmp_path, kind, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    path = write_extension(tmp_path, kind)
    cfg = Config.fromfile(path)  # imports the new class
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('gvp'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    loss = model.loss(torch.randn(2, 3, 28, 28), [])['loss']
    loss.backward()
    assert torch.isfinite(loss)
    ckpt = str(tmp_path / 'pre.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    from gvp.apis import FeatureExtractor
    probe = FeatureExtractor(path, pretrained=ckpt, mode='probe')
    assert probe.embed(torch.randn(3, 3, 28, 28)).shape == (3, 32)
    assert 'GVP / plain ViT: measured' in run_tool(
        tmp_path, 'tools/analysis_tools/get_flops.py', path,
        '--batch-size', '2')
    vit = str(tmp_path / 'vit.pth')
    run_tool(tmp_path, 'tools/model_converters/gvp2vit.py', ckpt, vit)
    ft = Config.fromfile(osp.join(ROOT, FINETUNE)).model.backbone
    ft.update(arch=ARCH,
              init_cfg=dict(type='Pretrained', checkpoint=vit))
    with DefaultScope.overwrite_default_scope('gvp'):
        backbone = MODELS.build(ft)
    backbone.init_weights()
    assert torch.equal(backbone.pos_embed,
                       model.backbone.pos_embed.detach())
