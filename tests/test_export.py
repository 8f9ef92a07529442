"""torch.export of the inference roles: the exported program computes what
the eager backbone does, at any batch, after a save / load round trip."""
import subprocess
import sys

import pytest
import torch
from gvp_testing import id_input, tiny_backbone

from gvp.apis.export import export_backbone, export_onnx, exported_difference
from gvp.models.backbones.token_layout import build_layout, dense_layout
from gvp.registry import MODELS

DEMO = 'configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'


def _built(mode, **kwargs):
    backbone = MODELS.build(tiny_backbone(mode, **kwargs))
    backbone.init_weights()
    with torch.no_grad():  # tensors distinct from a fresh init
        for p in backbone.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    backbone.eval()
    return backbone


@pytest.mark.parametrize('mode, kwargs', [
    ('finetune', dict(out_type='avg_featmap')),
    ('probe', dict(probe_mask=True)),
    ('probe', dict(probe_mask=False, out_indices=[0, 1])),
])
def test_exported_role_equals_eager_at_any_batch(tmp_path, mode, kwargs):
    backbone = _built(mode, **kwargs)
    program = export_backbone(backbone, img_size=16)
    path = tmp_path / f'{mode}.pt2'
    torch.export.save(program, path)
    loaded = torch.export.load(path)
    for batch in (1, 5):
        images = torch.randn(batch, 3, 16, 16)
        assert exported_difference(loaded, backbone, images) <= 1e-6
        assert loaded.module()(images)[0].shape[0] == batch


@pytest.mark.parametrize('mode, kwargs', [
    ('finetune', dict(out_type='avg_featmap')),
    ('probe', dict(probe_mask=True)),
])
def test_onnx_role_equals_eager_at_any_batch(tmp_path, mode, kwargs):
    """The ONNX file, run by onnxruntime, computes the eager backbone's
    features with a dynamic batch."""
    backbone = _built(mode, **kwargs)
    path = str(tmp_path / f'{mode}.onnx')
    export_onnx(export_backbone(backbone, img_size=16), path)
    for batch in (1, 5):
        images = torch.randn(batch, 3, 16, 16)
        assert exported_difference(path, backbone, images) <= 1e-5


def test_the_probe_mask_survives_export():
    """Kept and dropped masks give different features in the program too
    (the plan is not traced away)."""
    kept, dropped = _built('probe'), _built('probe', probe_mask=False)
    dropped.load_state_dict(kept.state_dict())
    images = torch.randn(2, 3, 16, 16)
    a = export_backbone(kept, 16).module()(images)[0]
    b = export_backbone(dropped, 16).module()(images)[0]
    assert (a - b).abs().max() > 1e-3


def test_dense_layout_is_the_layout_with_every_token_kept():
    ranks = torch.randint(0, 5, (3, 9))
    dense = dense_layout(ranks)
    built = build_layout(ranks, torch.ones_like(ranks, dtype=torch.bool),
                         torch.zeros_like(ranks, dtype=torch.bool))
    for field, value in zip(dense._fields, dense):
        other = getattr(built, field)
        assert torch.equal(value, other) if torch.is_tensor(value) \
            else value == other, field


def test_an_id_reading_backbone_is_refused():
    backbone = MODELS.build(tiny_backbone('probe', input_embed=id_input()))
    with pytest.raises(ValueError, match='token ids'):
        export_backbone(backbone, 16)


@pytest.mark.slow
def test_export_tool_on_the_demo_config(tmp_path, root):
    from gvp.apis import get_model
    ckpt = tmp_path / 'demo.pth'
    torch.save({'state_dict': get_model(f'{root}/{DEMO}').state_dict()},
               ckpt)
    lines = {}
    for suffix in ('pt2', 'onnx'):
        proc = subprocess.run(
            [sys.executable, 'tools/deployment/export.py', DEMO, str(ckpt),
             str(tmp_path / f'probe.{suffix}'), '--role', 'probe'], cwd=root,
            capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-2000:]
        lines[suffix] = line = proc.stdout.strip().splitlines()[-1]
        assert 'GVPProbeViT (probe role)' in line and '[(192,)]' in line
    assert lines['pt2'].endswith('max |exported - eager| = 0'), lines
    assert float(lines['onnx'].rsplit('= ', 1)[1]) <= 1e-5, lines
    images = torch.randn(4, 3, 28, 28)
    program = torch.export.load(tmp_path / 'probe.pt2')
    assert program.module()(images)[0].shape == (4, 192)
    from gvp.apis.export import onnx_outputs
    assert onnx_outputs(str(tmp_path / 'probe.onnx'),
                        images)[0].shape == (4, 192)
