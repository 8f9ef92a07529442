"""VQGAN tokenizer: MAGE's key layout, strict loading, shapes, the
straight-through quantiser and the trainer's codebook report."""
import pytest
import torch
from gvp_testing import TINY_TOKENIZER

from gvp.registry import MODELS


def mage_vqgan_table():
    """Names and shapes of MAGE's ``vqgan_jax_strongaug.ckpt``, written from
    the architecture (MaskGIT VQGAN, taming names): ch 128, ch_mult
    (1, 1, 2, 2, 4), 2 res blocks per level, no attention, avg-pool down
    (no parameters), nearest up + 3x3 conv, z 256, codebook 1024 x 256.
    Res blocks: GroupNorm affine, 3x3 convs without bias, 1x1 shortcut
    without bias when the width changes. Encoder conv_in has no bias."""
    ch, mult, z, codes = 128, (1, 1, 2, 2, 4), 256, 1024
    table = {}

    def norm(name, c):
        table[f'{name}.weight'] = (c, )
        table[f'{name}.bias'] = (c, )

    def res(name, cin, cout):
        norm(f'{name}.norm1', cin)
        table[f'{name}.conv1.weight'] = (cout, cin, 3, 3)
        norm(f'{name}.norm2', cout)
        table[f'{name}.conv2.weight'] = (cout, cout, 3, 3)
        if cin != cout:
            table[f'{name}.nin_shortcut.weight'] = (cout, cin, 1, 1)

    _encoder_table(table, res, norm, ch, mult, z)
    _decoder_table(table, res, norm, ch, mult, z)
    table['quantize.embedding.weight'] = (codes, z)
    return table


def _encoder_table(table, res, norm, ch, mult, z):
    table['encoder.conv_in.weight'] = (128, 3, 3, 3)
    c = ch
    for i, m in enumerate(mult):
        for j in range(2):
            res(f'encoder.down.{i}.block.{j}', c, ch * m)
            c = ch * m
    res('encoder.mid.block_1', 512, 512)
    res('encoder.mid.block_2', 512, 512)
    norm('encoder.norm_out', 512)
    table['encoder.conv_out.weight'] = (z, 512, 1, 1)
    table['encoder.conv_out.bias'] = (z, )


def _decoder_table(table, res, norm, ch, mult, z):
    table['decoder.conv_in.weight'] = (512, z, 3, 3)
    table['decoder.conv_in.bias'] = (512, )
    res('decoder.mid.block_1', 512, 512)
    res('decoder.mid.block_2', 512, 512)
    c = 512
    for i in reversed(range(len(mult))):
        for j in range(2):
            res(f'decoder.up.{i}.block.{j}', c, ch * mult[i])
            c = ch * mult[i]
        if i:
            table[f'decoder.up.{i}.upsample.conv.weight'] = (c, c, 3, 3)
            table[f'decoder.up.{i}.upsample.conv.bias'] = (c, )
    norm('decoder.norm_out', 128)
    table['decoder.conv_out.weight'] = (3, 128, 3, 3)
    table['decoder.conv_out.bias'] = (3, )


@pytest.fixture(scope='module')
def mage_file(tmp_path_factory):
    """A file with MAGE's layout (random values), wrapped in state_dict."""
    path = tmp_path_factory.mktemp('mage') / 'vqgan_jax_strongaug.ckpt'
    state = {k: torch.randn(s) for k, s in mage_vqgan_table().items()}
    torch.save({'state_dict': state}, path)
    return str(path), state


def test_key_layout_is_mages():
    table = mage_vqgan_table()
    assert len(table) == 168
    model = MODELS.build(dict(type='VQGANTokenizer'))
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert ours == table
    assert model.stride == 16
    enc = sum(v.numel() for k, v in model.state_dict().items()
              if k.startswith('encoder.'))
    assert 23e6 < enc < 24e6  # the paper's "24M" tokenizer of GVP-d2d


def test_mage_file_loads_strictly_frozen(mage_file):
    path, state = mage_file
    tok = MODELS.build(dict(type='VQGANTokenizer', checkpoint=path,
                            frozen=True))
    for k, v in tok.state_dict().items():
        assert torch.equal(v, state[k]), k
    tok.train()
    assert not tok.training
    assert not any(p.requires_grad for p in tok.parameters())
    tok.init_weights()  # the runner calls it: loaded weights must stay
    assert torch.equal(tok.quantize.embedding.weight,
                       state['quantize.embedding.weight'])


def test_wrong_file_names_missing_and_misshaped_keys(mage_file, tmp_path):
    _, state = mage_file
    bad = dict(state)
    del bad['decoder.conv_out.bias']
    bad['quantize.embedding.weight'] = torch.zeros(512, 256)
    bad['loss.discriminator.weight'] = torch.zeros(1)
    torch.save(bad, tmp_path / 'bad.ckpt')
    with pytest.raises(ValueError) as err:
        MODELS.build(dict(type='VQGANTokenizer',
                          checkpoint=str(tmp_path / 'bad.ckpt')))
    msg = str(err.value)
    assert 'missing keys (1): decoder.conv_out.bias' in msg
    assert 'unexpected keys (1): loss.discriminator.weight' in msg
    assert ('quantize.embedding.weight: file (512, 256) vs model '
            '(1024, 256)') in msg
    with pytest.raises(FileNotFoundError, match='train one with'):
        MODELS.build(dict(type='VQGANTokenizer',
                          checkpoint=str(tmp_path / 'none.ckpt')))


def test_encode_ids_decode_shapes():
    tok = MODELS.build(dict(TINY_TOKENIZER, ch_mult=(1, 1, 2, 2, 2)))
    x = torch.rand(2, 3, 224, 224)
    ids = tok.encode_ids(x)
    assert ids.shape == (2, 14, 14) and ids.dtype == torch.long  # ViT/16
    assert 0 <= int(ids.min()) and int(ids.max()) < 32
    out = tok.decode_ids(ids)
    assert out.shape == (2, 3, 224, 224)
    assert 0 <= float(out.min()) and float(out.max()) <= 1
    with pytest.raises(ValueError, match='multiples of 16'):
        tok.encode_ids(torch.rand(1, 3, 200, 200))


def test_views_from_the_selfsup_preprocessor_are_taken_as_images():
    from mmpretrain.models import SelfSupDataPreprocessor

    from gvp.utils.views import preprocess_images
    tok = MODELS.build(TINY_TOKENIZER).eval()
    pre = SelfSupDataPreprocessor(mean=[0.] * 3, std=[255.] * 3)
    img = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    one = preprocess_images(pre, dict(inputs=img, data_samples=None))
    two = dict(inputs=[img, img.flip(-1)], data_samples=None)
    # a list of views: the first is the image (the flipped one is ignored)
    assert torch.equal(one, img.float() / 255)
    assert torch.equal(preprocess_images(pre, two), one)
    with torch.no_grad():
        assert torch.equal(tok(pre(two)['inputs']), tok(one))


def test_quantizer_straight_through_and_losses():
    tok = MODELS.build(TINY_TOKENIZER)
    q = tok.quantize
    z = torch.randn(2, 8, 3, 3, requires_grad=True)
    out = q(z)
    codes = q.embedding.weight[out.ids]  # [2, 3, 3, 8]
    torch.testing.assert_close(out.z_q, codes.permute(0, 3, 1, 2))
    w = torch.randn_like(z)
    (out.z_q * w).sum().backward(retain_graph=True)
    torch.testing.assert_close(z.grad, w)  # identity to the encoder
    assert q.embedding.weight.grad is None  # no gradient through argmin
    z.grad = None
    out.codebook_loss.backward(retain_graph=True)
    assert z.grad is None and q.embedding.weight.grad.abs().sum() > 0
    q.embedding.weight.grad = None
    out.commitment_loss.backward()
    assert z.grad.abs().sum() > 0 and q.embedding.weight.grad is None
    # nearest code really is the nearest
    dist = torch.cdist(z.detach().permute(0, 2, 3, 1).reshape(-1, 8),
                       q.embedding.weight.detach())
    assert torch.equal(out.ids.flatten(), dist.argmin(1))


def test_trainer_reports_usage_and_restarts_dead_codes():
    tok = MODELS.build(dict(TINY_TOKENIZER, restart_interval=2))
    tok.init_weights()
    tok.train()
    x = torch.rand(4, 3, 16, 16)
    losses = tok(x, mode='loss')
    assert {'loss_rec', 'loss_codebook', 'loss_commit', 'usage',
            'perplexity'} <= losses.keys()
    ids = tok.encode_ids(x)
    used = ids.unique().numel()
    assert losses['usage'].item() == pytest.approx(used / 32)
    assert 1 <= losses['perplexity'].item() <= used + 1e-4
    before = tok.quantize.embedding.weight.detach().clone()
    tok(x, mode='loss')  # second step: codes unused in both are restarted
    after = tok.quantize.embedding.weight.detach()
    moved = (before != after).any(1)
    assert moved.sum() == 32 - used  # exactly the dead ones
    z = tok.encoder(x).permute(0, 2, 3, 1).reshape(-1, 8)
    for code in after[moved]:  # onto encoder outputs of the batch
        assert torch.isclose(z, code, atol=1e-5).all(1).any()
