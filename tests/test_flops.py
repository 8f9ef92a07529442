"""gvp.benchmark.flops (behind get_flops.py): the measured two-stream count
follows the analytic one for pixel and id inputs, and the tool is
mmpretrain's get_flops with gvp's section after it."""
import re
import sys
from types import SimpleNamespace

import pytest
import torch
from gvp_testing import id_input, run_ok, tiny_backbone
from mmengine.config import Config
from mmengine.registry import DefaultScope

from gvp.benchmark.flops import measure, stem_flops
from gvp.registry import MODELS

DEMO = 'configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'


def _model(**kwargs):
    cfg = tiny_backbone(**kwargs)
    with DefaultScope.overwrite_default_scope('gvp'):
        backbone = MODELS.build(cfg)
    return SimpleNamespace(backbone=backbone,
                           cfg=Config(dict(model=dict(backbone=cfg))))


@pytest.mark.parametrize('embed', [None, id_input()], ids=['pixels', 'ids'])
def test_measured_flops_follow_the_analytic_count(embed):
    torch.manual_seed(0)
    model = _model(**({} if embed is None else dict(input_embed=embed)))
    rows = dict(measure(model, 4)[0])
    for form in ('GVP backbone', 'plain ViT'):
        measured, analytic = rows[f'{form} (measured)'], \
            rows[f'{form} (analytic)']
        # the count of the padded attention call is above the mean rows
        assert abs(measured / analytic - 1) < 0.03, (form, rows)
    pe = model.backbone.patch_embed
    stem = stem_flops(pe, 16, 32)
    assert stem == (0. if embed else 2. * 16 * 3 * 4 * 4 * 32)


def test_get_flops_is_mmpretrains_table_then_gvps_section(root):
    out = run_ok(root, [sys.executable, 'tools/analysis_tools/get_flops.py',
                        DEMO, '--shape', '32', '--batch-size', '2'])
    mm = out.index('Input shape: (3, 32, 32)')  # mmpretrain's, at --shape
    assert re.search(r'Flops: [\d.]+[GM]', out[mm:])
    ours = out.index("== GVP's pretraining work")
    assert mm < ours and 'T=64' in out[ours:]  # gvp's, at --shape too
    assert re.search(r'measured [\d.]+, analytic [\d.]+', out[ours:])
