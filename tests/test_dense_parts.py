"""Pieces of dense transfer: windowed attention, SimpleFPN / LN2d, the one
layer-decay constructor."""
import pytest
import torch
import torch.nn.functional as F
from gvp_testing import TINY_ARCH, tiny_backbone

from gvp.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS


def _dense(**kw):
    return MODELS.build(tiny_backbone(mode='finetune', with_cls_token=False,
                                      out_type='featmap', **kw))


def test_window_covering_the_map_is_global_attention():
    plain = _dense()
    win = _dense(window_size=4)  # 16 px / 4 = 4x4 tokens: one window
    win.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 16, 16)
    torch.testing.assert_close(win(x)[0], plain(x)[0])


def test_windows_do_not_see_each_other_except_global_blocks():
    x = torch.randn(1, 3, 16, 16, requires_grad=True)
    local = _dense(window_size=2)  # 2x2-token windows, both blocks local
    w = torch.randn(32)  # (a plain sum of a LayerNorm output is constant)
    (local(x)[0][0, :, 0, 0] * w).sum().backward()  # token of window (0, 0)
    g = x.grad.abs().sum((0, 1))
    assert g[:8, :8].sum() > 0 and g[8:, :].sum() == 0 and g[:, 8:].sum() == 0
    x.grad = None
    mixed = _dense(window_size=2, global_attn_indices=(-1, ))
    (mixed(x)[0][0, :, 0, 0] * w).sum().backward()
    assert x.grad.abs().sum((0, 1))[8:, 8:].sum() > 0  # last block global
    with pytest.raises(ValueError, match='with_cls_token=False'):
        MODELS.build(tiny_backbone(mode='finetune', window_size=2))


def test_simple_fpn_strides_and_ln2d():
    fpn = MODELS.build(dict(type='SimpleFPN', backbone_channel=32,
                            out_channels=16, num_outs=5))
    outs = fpn((torch.randn(2, 32, 8, 8), ))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 32, 32),
                                              (2, 16, 16, 16),
                                              (2, 16, 8, 8), (2, 16, 4, 4),
                                              (2, 16, 2, 2)]
    ln = MODELS.build(dict(type='LN2d', num_channels=6))
    ln.weight.data.normal_()
    ln.bias.data.normal_()
    x = torch.randn(2, 6, 3, 5)
    ref = F.layer_norm(x.permute(0, 2, 3, 1), (6, ), ln.weight, ln.bias,
                       1e-6).permute(0, 3, 1, 2)
    torch.testing.assert_close(ln(x), ref)


def _classifier():
    cfg = tiny_backbone(mode='finetune', out_type='avg_featmap')
    return MODELS.build(dict(
        type='ImageClassifier', backbone=cfg,
        head=dict(type='LinearClsHead', num_classes=3, in_channels=32)))


def test_layer_decay_constructor_uses_get_layer_depth():
    model = _classifier()
    ctor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='LayerDecayOptimWrapperConstructor',
        optim_wrapper_cfg=dict(type='OptimWrapper', optimizer=dict(
            type='AdamW', lr=1.0, weight_decay=0.05)),
        paramwise_cfg=dict(layer_decay_rate=0.5)))
    opt = ctor(model).optimizer
    lr_of, wd_of = {}, {}
    for group in opt.param_groups:
        for p in group['params']:
            lr_of[id(p)], wd_of[id(p)] = group['lr'], group['weight_decay']
    named = dict(model.named_parameters())
    num = TINY_ARCH['num_layers'] + 2  # stem, blocks, head
    expect = {
        'backbone.patch_embed.projection.weight': 0.5**(num - 1),
        'backbone.pos_embed': 0.5**(num - 1),
        'backbone.layers.0.attn.qkv.weight': 0.5**(num - 2),
        'backbone.layers.1.ffn.layers.1.weight': 0.5**(num - 3),
        'head.fc.weight': 1.0,
    }
    for name, lr in expect.items():
        assert lr_of[id(named[name])] == pytest.approx(lr), name
    assert wd_of[id(named['backbone.layers.0.attn.qkv.weight'])] == 0.05
    for name in ('backbone.pos_embed', 'backbone.cls_token',
                 'backbone.layers.0.ln1.weight', 'head.fc.bias'):
        assert wd_of[id(named[name])] == 0., name
    assert sum(len(g['params']) for g in opt.param_groups) == len(named)


def test_layer_decay_refuses_a_backbone_without_depths():
    model = torch.nn.Module()
    model.backbone = torch.nn.Linear(3, 3)  # no get_layer_depth
    ctor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='LayerDecayOptimWrapperConstructor',
        optim_wrapper_cfg=dict(type='OptimWrapper', optimizer=dict(
            type='AdamW', lr=1.0)),
        paramwise_cfg=dict(layer_decay_rate=0.5)))
    with pytest.raises(TypeError, match='has no get_layer_depth'):
        ctor(model)
