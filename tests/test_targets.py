"""Targets as registered parts: HOG (mmpretrain's HOGGenerator) and the
features of a frozen teacher, each one class + one config."""
import pytest
import torch
import torch.nn.functional as F
from gvp_testing import TINY_ARCH, tiny_gvp
from mmpretrain.models import HOGGenerator

from gvp.models.targets.hog import _GridHOG
from gvp.registry import MODELS

TEACHER = dict(type='VisionTransformer', arch=TINY_ARCH, img_size=16,
               patch_size=2, out_type='featmap')


def gvp_with(target):
    cfg = dict(tiny_gvp(), target_generator=target)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_hog_is_mmpretrains_cut_into_our_patches():
    """On MaskFeat's own 224 px / patch 16 grid our per-token HOG equals
    mmpretrain's; on other grids it cuts whole cells per token."""
    x = torch.randn(2, 3, 224, 224)
    ours = _GridHOG(16, nbins=9, pool=8, gaussian_window=16)(x)
    assert torch.equal(ours, HOGGenerator(9, 8, 16)(x))
    model = gvp_with(dict(type='HOGTarget', patch_size=4, pool=2,
                          gaussian_window=4))
    x = torch.randn(3, 3, 16, 16)
    target = model.target_generator(model.step_inputs(x))
    assert target.shape == (3, 16, 3 * 9 * 2 * 2)
    assert model.head.predictor.out_features == 108
    # the cells of token (row 1, col 2) are those of its pixels only
    y = x.clone()
    y[:, :, 4:8, 8:12] = torch.randn(3, 3, 4, 4)
    changed = (model.target_generator(model.step_inputs(y)) -
               target).abs().sum((0, 2)).view(4, 4) > 0
    assert changed[1, 2] and changed.sum() <= 9  # (Sobel: neighbours too)
    loss = model.loss(x, [])['loss']
    loss.backward()
    assert torch.isfinite(loss) and not model.can_generate
    with pytest.raises(ValueError, match='must divide patch_size'):
        gvp_with(dict(type='HOGTarget', patch_size=4, pool=3))


def test_teacher_target_frozen_loaded_and_scored(tmp_path):
    torch.manual_seed(0)
    teacher = MODELS.build(TEACHER)
    teacher.init_weights()
    ckpt = tmp_path / 'mae.pth'  # a whole-model file: backbone. prefix
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               teacher.state_dict().items()}}, ckpt)
    model = gvp_with(dict(type='TeacherFeatureTarget', teacher=TEACHER,
                          checkpoint=str(ckpt), feat_dims=32, patch_size=4))
    tgt = model.target_generator
    for k, v in teacher.state_dict().items():  # init_weights loaded it
        assert torch.equal(tgt.teacher.state_dict()[k], v), k
    model.train()
    assert not tgt.teacher.training
    assert not any(p.requires_grad for p in tgt.teacher.parameters())
    x = torch.randn(2, 3, 16, 16)
    target = tgt(model.step_inputs(x))
    teacher.eval()
    with torch.no_grad():  # 8x8 teacher map pooled to our 4x4 tokens
        expect = F.adaptive_avg_pool2d(teacher(x)[-1], 4)
    expect = F.layer_norm(expect.flatten(2).transpose(1, 2), (32, ))
    torch.testing.assert_close(target, expect)
    torch.manual_seed(1)
    loss = model.loss(x, [])['loss']
    torch.manual_seed(1)
    out = model.backbone(x)
    pred = model.head(out.feats)
    cos = F.cosine_similarity(pred, target[out.batch_idx, out.token_idx])
    torch.testing.assert_close(loss, (1 - cos).mean())
    loss.backward()
    assert model.head.predictor.weight.grad is not None
    assert all(p.grad is None for p in tgt.teacher.parameters())
    with pytest.raises(ValueError, match="out_type='featmap'"):
        gvp_with(dict(type='TeacherFeatureTarget', feat_dims=32,
                      patch_size=4, teacher=dict(TEACHER,
                                                 out_type='cls_token'))
                 ).loss(x, [])
