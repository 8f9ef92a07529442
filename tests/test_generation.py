"""Group-autoregressive generation respects the masks (appendix F)."""
import pytest
import torch
from gvp_testing import id_input, tiny_gvp, tiny_tokenizer_ckpt

from gvp.models.masking import RevealPlanGenerator
from gvp.registry import MODELS


def reveal_plan(batch, mask_ratio, num_groups, seed=None):
    """Ranks of the registered reveal plan on the 4 x 4 grid."""
    gen = None if seed is None else torch.Generator().manual_seed(seed)
    return RevealPlanGenerator(mask_ratio, num_groups)(
        batch, (4, 4), generator=gen).ranks


def test_reveal_plan_groups():
    ranks = reveal_plan(3, mask_ratio=0.75, num_groups=3)
    for r in ranks:
        assert (r == 0).sum() == 4  # 25 % visible
        assert sorted((r == k).sum().item() for k in (1, 2, 3)) == [4, 4, 4]
    assert not torch.equal(ranks[0], ranks[1])  # random order per sample
    assert reveal_plan(1, 0.75, num_groups=50).max() == 12
    with pytest.raises(ValueError, match='mask_ratio'):
        reveal_plan(1, 0., 4)
    # the model's plan is the config's generation section
    model = MODELS.build(
        dict(
            tiny_gvp(),
            generation=dict(
                mask_ratio=0.5, num_groups=2, order=dict(type='RasterOrder'))))
    ranks = model.reveal_plan(1, (4, 4)).ranks[0]
    assert ranks.tolist() == [0] * 8 + [1] * 4 + [2] * 4


def _perturb_group(x, ranks, group, patch=4):
    """Change the pixels of every token of ``group`` (per sample)."""
    x = x.clone()
    B, C, H, W = x.shape
    w = W // patch
    for b in range(B):
        for t in (ranks[b] == group).nonzero().flatten().tolist():
            i, j = divmod(t, w)
            x[b, :, i * patch:(i + 1) * patch, j * patch:(j + 1) * patch] += \
                torch.randn(C, patch, patch) * 3
    return x


@pytest.mark.parametrize('norm_pix', [True, False])
def test_p2p_generation_never_reads_later_groups(norm_pix):
    model = MODELS.build(tiny_gvp())
    model.target_generator.norm_pix = norm_pix
    model.target_generator.mae.norm_pix = norm_pix
    model.init_weights()
    model.eval()
    x = torch.randn(2, 3, 16, 16)
    ranks = reveal_plan(2, 0.75, num_groups=4, seed=0)
    base = model.generate(x, ranks)
    assert torch.equal(base.ranks, ranks)
    vis = ranks == 0
    patches = model.target_generator.mae.patchify(x)
    # visible tokens are returned as given
    torch.testing.assert_close(base.tokens[vis], patches[vis])
    assert not torch.allclose(base.tokens[~vis], patches[~vis])
    for group in (2, 3, 4):
        gen = model.generate(_perturb_group(x, ranks, group), ranks)
        earlier = (ranks >= 1) & (ranks < group)
        assert torch.equal(gen.tokens[earlier], base.tokens[earlier]), group
        if not norm_pix:  # nothing masked is ever read: all the same
            assert torch.equal(gen.tokens[~vis], base.tokens[~vis])
    # the fed-back groups matter: one shot differs from group-AR
    one = model.generate(x, ranks, one_shot=True)
    first = ranks == 1
    torch.testing.assert_close(one.tokens[first], base.tokens[first])
    assert not torch.allclose(one.tokens[ranks >= 2], base.tokens[ranks >= 2])
    assert base.images.shape == x.shape
    assert 0 <= base.images.min() and base.images.max() <= 1


def test_d2d_generation_never_reads_later_groups(tmp_path):
    tok = tiny_tokenizer_ckpt(tmp_path / 'tok.pth')
    model = MODELS.build(
        dict(
            type='GVP',
            backbone=tiny_gvp(input_embed=id_input(32))['backbone'],
            head=dict(type='GVPHead', embed_dims=32),
            target_generator=dict(type='TokenIdTarget', num_codes=32),
            tokenizer=tok))
    model.init_weights()
    model.eval()
    x = torch.randn(2, 3, 16, 16)
    ranks = reveal_plan(2, 0.75, num_groups=4, seed=1)
    base = model.generate(x, ranks)
    ids = model.tokenize(x).flatten(1)
    assert torch.equal(base.tokens[ranks == 0], ids[ranks == 0])
    assert base.images.shape == x.shape
    # feed other ids for the masked tokens: generation must not notice
    tampered = ids.clone()
    tampered[ranks > 0] = (tampered[ranks > 0] + 7) % 32
    from gvp.models.algorithms import generation
    step = model.step_inputs(x)
    step._ids = tampered.view(2, 4, 4)  # what the tokenizer 'saw'
    gen = generation.generate(model, step, ranks)
    assert torch.equal(gen.tokens, base.tokens)
    g = torch.Generator().manual_seed(0)
    sampled = model.generate(x, ranks, temperature=1.0, generator=g)
    assert torch.equal(sampled.tokens[ranks == 0], ids[ranks == 0])


def test_p2d_generation_refused(tmp_path):
    tok = tiny_tokenizer_ckpt(tmp_path / 'tok.pth')
    model = MODELS.build(
        dict(
            type='GVP',
            backbone=tiny_gvp()['backbone'],
            head=dict(type='GVPHead', embed_dims=32),
            target_generator=dict(type='TokenIdTarget', num_codes=32),
            tokenizer=tok))
    assert not model.can_generate
    with pytest.raises(NotImplementedError, match='not for TokenIdTarget'):
        model.generate(torch.randn(1, 3, 16, 16))
