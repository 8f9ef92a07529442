"""The study's registered options (docs/study_fashion-mnist.md): the
single-stream control of table 10, the query stream's start and depth."""
import pytest
import torch
from gvp_testing import (TINY_ARCH, assert_no_pixel_leak, tiny_backbone,
                         tiny_gvp)

from gvp.registry import MODELS


def _single_stream(**kw):
    return MODELS.build(
        dict(tiny_gvp(), backbone=tiny_backbone(type='GVPSingleStreamViT',
                                                **kw)))


def test_single_stream_has_no_leak_and_learns():
    model = _single_stream()
    assert assert_no_pixel_leak(model) >= 9
    x = torch.randn(3, 3, 16, 16, dtype=torch.float64)
    assert not hasattr(model.backbone, 'query_token')
    loss = model(x, None, mode='loss')['loss']
    loss.backward()
    assert torch.isfinite(loss)
    assert model.backbone.layers[0].attn.qkv.weight.grad.abs().sum() > 0


def test_single_stream_is_blind_to_the_position_it_predicts():
    """Every token of a group gets the same row (the first row of the
    previous group): what the model cannot know is where it predicts."""
    model = _single_stream()
    model.init_weights()
    ranks = torch.tensor([[0, 0, 1, 1, 2, 2, 2, 0, 1, 3, 3, 0, 0, 2, 0, 0]])
    out = model.backbone(torch.randn(1, 3, 16, 16), ranks=ranks)
    assert sorted(out.token_idx.tolist()) == [
        i for i in range(16) if ranks[0, i] > 0]
    for k in (1, 2, 3):
        feats = out.feats[out.rank == k]
        assert torch.equal(feats, feats[:1].expand_as(feats))
    # group 1 reads the class token, which the probe and plain ViT also have
    assert not torch.equal(out.feats[out.rank == 1][0],
                           out.feats[out.rank == 2][0])


def test_single_stream_checkpoint_loads_into_probe_and_finetune(tmp_path):
    from gvp.models.backbones.convert import load_backbone
    model = _single_stream()
    model.init_weights()
    path = tmp_path / 'single.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    for role in ('probe', 'finetune'):
        backbone = MODELS.build(tiny_backbone(role, type='GVPSingleStreamViT'))
        load_backbone(backbone, str(path))
        torch.testing.assert_close(backbone.layers[1].attn.qkv.weight,
                                   model.backbone.layers[1].attn.qkv.weight)


def test_query_blocks_all_equals_default_and_fewer_differs():
    torch.manual_seed(0)
    full = MODELS.build(tiny_backbone())
    full.init_weights()
    same = MODELS.build(tiny_backbone(query_blocks=TINY_ARCH['num_layers']))
    same.load_state_dict(full.state_dict())
    late = MODELS.build(tiny_backbone(query_blocks=1))
    late.load_state_dict(full.state_dict())
    x = torch.randn(2, 3, 16, 16)
    ranks = full.mask_generator(2, (4, 4)).ranks
    a, b, c = (m(x, ranks=ranks).feats for m in (full, same, late))
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, c)
    # with one query block, the queries meet the content stream after
    # block L-1: only the last block's weights see the query start
    late.zero_grad()
    (late(x, ranks=ranks).feats ** 2).sum().backward()
    assert late.query_token.grad.abs().sum() > 0


def test_pos_query_has_no_query_token_and_same_other_parameters():
    plain = MODELS.build(tiny_backbone())
    pos = MODELS.build(tiny_backbone(
        query_start=dict(type='PositionOnly')))
    names = {n for n, _ in plain.named_parameters()}
    assert {n for n, _ in pos.named_parameters()} == names - {'query_token'}
    pos.init_weights()
    out = pos(torch.randn(2, 3, 16, 16))
    assert out.feats.shape[1] == TINY_ARCH['embed_dims']


@pytest.mark.parametrize('bad', [0, TINY_ARCH['num_layers'] + 1])
def test_query_blocks_out_of_range_fails_with_fix(bad):
    with pytest.raises(ValueError, match='query_blocks'):
        MODELS.build(tiny_backbone(query_blocks=bad))


@pytest.mark.slow
def test_compiled_train_step_as_mmengine_runs_it():
    """mmengine's ``compile=True`` compiles ``model.train_step``: forward
    and loss compile, the update runs eager (dynamo fails inside
    ``Optimizer.step`` on this torch) and parameters move; the compiled
    two-stream backbone gives the eager features."""
    from mmengine.optim import OptimWrapper
    torch.manual_seed(0)
    model = MODELS.build(tiny_gvp())
    model.init_weights()
    x = torch.randn(2, 3, 16, 16)
    ranks = model.backbone.mask_generator(2, (4, 4)).ranks
    eager = model.backbone(x, ranks=ranks).feats
    compiled = torch.compile(model.backbone)(x, ranks=ranks).feats
    torch.testing.assert_close(compiled, eager, rtol=1e-4, atol=1e-5)
    wrapper = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-2))
    before = model.backbone.layers[0].attn.qkv.weight.detach().clone()
    step = torch.compile(model.train_step)
    data = dict(inputs=torch.randn(2, 3, 16, 16), data_samples=None)
    for _ in range(2):
        log = step(data, wrapper)
    assert torch.isfinite(log['loss'])
    assert not torch.equal(before, model.backbone.layers[0].attn.qkv.weight)
