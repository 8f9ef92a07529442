"""Two-stream backbone: no leak, pruned == unpruned, modes, bad configs."""
import pytest
import torch
from gvp_testing import (TINY_ARCH, assert_no_pixel_leak, tiny_backbone,
                         tiny_gvp)

from gvp.registry import MODELS


@pytest.mark.parametrize('prune,order,extra', [
    (True, 'RandomOrder', {}), (False, 'RandomOrder', {}),
    (True, 'CentreOutOrder', {}), (True, 'RasterOrder', {}),
    (True, 'RandomOrder', dict(query_blocks=1)),
    (False, 'RandomOrder', dict(query_blocks=1)),
    (True, 'RandomOrder', dict(query_start=dict(type='PositionOnly'))),
])
def test_no_leak_through_both_streams(prune, order, extra):
    model = MODELS.build(tiny_gvp(prune=prune, mask_generator=dict(
        type='MixedLengthMaskGenerator', num_groups=4,
        order=dict(type=order)), **extra))
    assert assert_no_pixel_leak(model) >= 9


def test_pruned_equals_unpruned_loss_and_grads():
    pruned = MODELS.build(tiny_gvp(prune=True))
    pruned.init_weights()
    full = MODELS.build(tiny_gvp(prune=False))
    full.load_state_dict(pruned.state_dict())
    x = torch.randn(4, 3, 16, 16)
    losses, grads = [], []
    for model in (pruned, full):
        torch.manual_seed(123)  # the same plan for both
        loss = model(x, None, mode='loss')['loss']
        loss.backward()
        losses.append(loss.detach())
        grads.append({
            n: p.grad.clone()
            for n, p in model.named_parameters() if p.grad is not None
        })
    torch.testing.assert_close(losses[0], losses[1], rtol=1e-5, atol=1e-6)
    assert grads[0].keys() == grads[1].keys()
    for name in grads[0]:
        torch.testing.assert_close(
            grads[0][name], grads[1][name], rtol=1e-4, atol=1e-6, msg=name)


def test_pruning_drops_last_rank_content_and_rank0_queries():
    from gvp.models.backbones import build_layout
    from gvp.models.masking import full_ranks
    ranks = torch.tensor([[0, 1, 2, 2, 1, 0], [1, 1, 0, 2, 2, 2]])
    r = full_ranks(ranks, 1)
    layout = build_layout(r, r < r.max(1, keepdim=True).values, r >= 1)
    assert layout.content_len == 5  # 1 cond + 4 tokens of rank < 2
    assert layout.num_content == 5 + 4
    assert layout.query_len == 5 and layout.query_rank.numel() == 4 + 5


def test_probe_features_deterministic_and_causal():
    cfg = tiny_backbone(mode='probe')
    model = MODELS.build(cfg)
    model.init_weights()
    model.eval()
    x = torch.randn(4, 3, 16, 16)
    with torch.no_grad():
        a = model(x)[0]
        b = model(x)[0]
        single = model(x[1:2])[0]
    assert a.shape == (4, 32)
    assert torch.equal(a, b)
    torch.testing.assert_close(a[1:2], single)  # independent of the batch
    # the causal mask is really used: features differ from the unmasked net
    plain = MODELS.build(tiny_backbone(mode='finetune', out_type='raw'))
    plain.load_state_dict(model.state_dict(), strict=False)
    with torch.no_grad():
        tokens = plain(x)[0][:, 1:].mean(1)
    assert not torch.allclose(tokens, a, atol=1e-4)


def test_probe_out_indices_are_the_shallower_probe():
    """An intermediate probe output is the mean token after that block: the
    same as the last output of a net cut there (without the final norm)."""
    deep = MODELS.build(tiny_backbone(mode='probe', out_indices=[0, -1]))
    deep.init_weights()
    cut = MODELS.build(
        tiny_backbone(
            mode='probe', arch=dict(TINY_ARCH, num_layers=1),
            final_norm=False))
    cut.load_state_dict(deep.state_dict(), strict=False)
    last = MODELS.build(tiny_backbone(mode='probe'))
    last.load_state_dict(deep.state_dict())
    x = torch.randn(3, 3, 16, 16)
    for m in (deep, cut, last):
        m.eval()
    with torch.no_grad():
        first, final = deep(x)
        torch.testing.assert_close(first, cut(x)[0])
        torch.testing.assert_close(final, last(x)[0])
    assert not torch.allclose(first, final, atol=1e-3)


def test_finetune_mode_out_indices():
    model = MODELS.build(
        tiny_backbone(mode='finetune', out_indices=(0, 1), out_type='featmap'))
    outs = model(torch.randn(2, 3, 16, 16))
    assert [o.shape for o in outs] == [(2, 32, 4, 4)] * 2
    assert not hasattr(model, 'query_token')


@pytest.mark.parametrize('kwargs,match', [
    (dict(
        mask_generator=dict(type='RandomLengthMaskGenerator', num_groups=16)),
     'too large for T=16'),
    (dict(with_cls_token=False,
          out_type='avg_featmap'), 'at least one condition token'),
    (dict(img_size=18), 'not divisible by patch_size 4'),
    (dict(
        mask_generator=dict(type='MixedLengthMaskGenerator', order='spiral')),
     'registered order config'),
    (dict(drop_path_rate=0.1), 'drop_path_rate must be 0 for pretrain'),
])
def test_bad_configs_fail_at_build_with_fix(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(tiny_backbone(**kwargs))


def test_registry_reachable_from_other_scopes():
    import mmdet.registry
    import mmseg.registry
    from mmengine.registry import DefaultScope
    cfg = dict(
        type='gvp.GVPFinetuneViT', arch=TINY_ARCH, img_size=16, patch_size=4)
    for name, registry in (('mmseg', mmseg.registry.MODELS),
                           ('mmdet', mmdet.registry.MODELS)):
        with DefaultScope.overwrite_default_scope(name):
            model = registry.build(cfg)
        assert type(model).__name__ == 'GVPFinetuneViT'


@pytest.mark.parametrize('mode', ['pretrain', 'finetune'])
def test_activation_checkpointing_changes_nothing(mode):
    """with_cp recomputes activations in the backward pass: the same loss
    and the same gradients."""
    from gvp_testing import tiny_backbone

    from gvp.registry import MODELS
    torch.manual_seed(0)
    plain = MODELS.build(tiny_backbone(mode=mode))
    plain.init_weights()
    cp = MODELS.build(tiny_backbone(mode=mode, with_cp=True))
    cp.load_state_dict(plain.state_dict())
    x = torch.randn(3, 3, 16, 16)
    ranks = plain.mask_generator(3, (4, 4)).ranks if mode == 'pretrain' \
        else None
    grads, outs = [], []
    for net in (plain, cp):
        net.train()
        out = net(x, ranks) if mode == 'pretrain' else net(x)
        y = out.feats if mode == 'pretrain' else out[-1]
        (y * torch.linspace(-1, 1, y.numel()).view_as(y)).sum().backward()
        outs.append(y.detach())
        grads.append(
            [p.grad.clone() for p in net.parameters() if p.grad is not None])
    assert torch.allclose(outs[0], outs[1], atol=1e-6)
    assert len(grads[0]) == len(grads[1]) > 10
    for a, b in zip(*grads):
        assert torch.allclose(a, b, atol=1e-6)
