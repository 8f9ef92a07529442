"""GVP-p2d, GVP-d2d and y_extra from tokenizer features (paper §5, app. E)."""
import pytest
import torch
import torch.nn.functional as F
from gvp_testing import (assert_no_leak, id_input, tiny_backbone,
                         tiny_tokenizer_ckpt, token_grad_norm)

from gvp.registry import MODELS

NORM = dict(type='SelfSupDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3)


@pytest.fixture
def tok(tmp_path):
    return tiny_tokenizer_ckpt(tmp_path / 'tok.pth')


def build(tok, variant, **backbone):
    target = dict(type='TokenIdTarget', num_codes=32)
    tokenizer = tok
    if variant == 'd2d':
        backbone.setdefault('input_embed', id_input(32))
    if variant == 'y_extra':
        backbone['y_extra'] = dict(
            type='TokenizerCondition',
            tokenizer=tok,
            grid=2,
            mean=[127.5] * 3,
            std=[127.5] * 3)
        target = dict(type='PixelTarget', patch_size=4)
        tokenizer = None
    model = MODELS.build(
        dict(
            type='GVP',
            backbone=tiny_backbone(**backbone),
            head=dict(type='GVPHead', embed_dims=32),
            target_generator=target,
            tokenizer=tokenizer,
            data_preprocessor=NORM))
    model.init_weights()
    return model


def test_p2d_cross_entropy_on_predicted_tokens_only(tok):
    model = build(tok, 'p2d')
    x = torch.rand(3, 3, 16, 16) * 2 - 1  # normalised with 127.5/127.5
    ids = model.tokenize(x)
    # the preprocessor's normalisation is undone: same ids as on [0, 1]
    assert torch.equal(ids, model.tokenizer.encode_ids((x + 1) / 2))
    assert ids.shape == (3, 4, 4)
    torch.manual_seed(1)
    loss = model(x, None, mode='loss')['loss']
    torch.manual_seed(1)
    out = model.backbone(x)
    rows = out.ranks[out.batch_idx, out.token_idx]
    assert (rows >= 1).all() and torch.equal(rows, out.rank)
    expect = F.cross_entropy(
        model.head(out.feats),
        ids.flatten(1)[out.batch_idx, out.token_idx])
    torch.testing.assert_close(loss, expect)
    assert out.feats.shape[0] == int((out.ranks >= 1).sum())
    loss.backward()
    assert model.backbone.patch_embed.projection.weight.grad is not None
    assert all(p.grad is None for p in model.tokenizer.parameters())


def test_label_smoothing_changes_the_loss(tok):
    model = build(tok, 'p2d')
    x = torch.randn(2, 3, 16, 16)
    torch.manual_seed(2)
    plain = model(x, None, mode='loss')['loss']
    model.target_generator.loss_module = MODELS.build(dict(
        type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'))
    torch.manual_seed(2)
    smooth = model(x, None, mode='loss')['loss']
    assert not torch.isclose(plain, smooth)


@pytest.mark.parametrize('prune', [True, False])
def test_d2d_no_leak_through_token_embeddings(tok, prune):
    model = build(tok, 'd2d', prune=prune).double()
    x = torch.randn(3, 3, 16, 16, dtype=torch.float64)
    ids = model.tokenize(x)
    ranks = model.backbone.mask_generator(3, (4, 4)).ranks
    leaf = {}

    def embed_hook(module, args, output):
        emb = output[0].detach().requires_grad_(True)
        leaf['emb'] = emb
        return emb, output[1]

    model.backbone.patch_embed.register_forward_hook(embed_hook)

    def embedding_grads(select):
        out = model.backbone(ids, ranks=ranks)
        select(out, model.head(out.feats)).backward()
        return token_grad_norm(leaf['emb'].grad)

    assert assert_no_leak(model, ranks, embedding_grads, 32) >= 9


def test_y_extra_no_leak_and_seen_by_every_prediction(tok):
    model = build(tok, 'y_extra').double()
    bb = model.backbone
    assert bb.num_cond_tokens == 4 and bb.cls_token is None
    x = torch.randn(3, 3, 16, 16, dtype=torch.float64)
    ranks = bb.mask_generator(3, (4, 4)).ranks
    cond = {}

    def cond_hook(module, args, output):
        output.retain_grad()
        cond['y'] = output

    bb.y_extra.register_forward_hook(cond_hook)

    def pixel_grads(select):
        xi = x.clone().requires_grad_(True)
        out = bb(xi, ranks=ranks)
        select(out, model.head(out.feats)).backward()
        # y is a condition every row may read: each selected group has a
        # path to it (its own sample only)
        g = cond['y'].grad.abs().sum(-1)  # [B, S]
        assert (g > 0).sum() == 4, 'every y token reaches the prediction'
        return token_grad_norm(xi.grad)

    assert assert_no_leak(model, ranks, pixel_grads, 48) >= 9


def test_y_extra_downstream_modes(tok):
    yx = dict(
        type='TokenizerCondition',
        tokenizer=tok,
        grid=1,
        mean=[127.5] * 3,
        std=[127.5] * 3)
    x = torch.randn(2, 3, 16, 16)
    probe = MODELS.build(tiny_backbone(mode='probe', y_extra=yx))
    probe.init_weights()
    probe.eval()
    with torch.no_grad():
        a, b = probe(x)[0], probe(x)[0]
    assert a.shape == (2, 32) and torch.equal(a, b)
    ft = MODELS.build(
        tiny_backbone(mode='finetune', y_extra=yx, out_type='featmap'))
    ft.load_state_dict(probe.state_dict(), strict=False)
    feats = ft(x)[0]
    assert feats.shape == (2, 32, 4, 4)
    # y really conditions the features: other pooled features, other output
    ft.y_extra.slot_embed.data += 1.
    assert not torch.allclose(ft(x)[0], feats)


@pytest.mark.parametrize('change,match', [
    (dict(tokenizer=None), 'needs ids'),
    (dict(patch_size=8, img_size=32), 'downsamples by f=4'),
    (dict(num_codes=64), 'target_generator.num_codes=64'),
    (dict(input_embed=id_input(64)), 'backbone.input_embed.vocab_size=64'),
])
def test_variant_mismatches_fail_at_build(tok, change, match):
    change = dict(change)
    target = dict(type='TokenIdTarget', num_codes=change.pop('num_codes', 32))
    tokenizer = change.pop('tokenizer', tok)
    with pytest.raises(ValueError, match=match):
        MODELS.build(
            dict(
                type='GVP',
                backbone=tiny_backbone(**change),
                head=dict(type='GVPHead', embed_dims=32),
                target_generator=target,
                tokenizer=tokenizer))


def test_bad_inputs_named(tok):
    model = build(tok, 'd2d')
    with pytest.raises(ValueError, match='takes tokenizer ids'):
        model.backbone(torch.randn(2, 3, 16, 16))
    with pytest.raises(ValueError, match=r'must lie in \[0, 32\)'):
        model.backbone(torch.full((2, 4, 4), 40))
    with pytest.raises(ValueError, match='replaces the class token'):
        MODELS.build(
            tiny_backbone(
                with_cls_token=True,
                y_extra=dict(type='TokenizerCondition', tokenizer=tok)))


def test_extract_feat_takes_images_for_d2d(tok):
    """mmpretrain's contract (its get_flops, vis_tsne call it): images in,
    the tokenizer's ids are what the d2d backbone reads."""
    model = build(tok, 'd2d')
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    torch.manual_seed(3)
    out = model.extract_feat(x)
    torch.manual_seed(3)
    expect = model.backbone(model.tokenize(x))
    torch.testing.assert_close(out.feats, expect.feats)
    with pytest.raises(ValueError, match='takes tokenizer ids'):
        model.backbone(x)  # what BaseSelfSupervisor.extract_feat did
