"""The redesign of targets, inputs and roles computes what the code before it
computed: p2p, p2d, d2d and y_extra losses and every gradient, p2p / d2d
group-AR and one-shot generation, probe features, from the weights, batch
and seed recorded by the old code (tests/data/record_reference.py,
tests/data/reference_variants.pt).

The comparison holds on any CPU and thread count, because no comparison
depends on how a kernel rounds:

* Continuous tensors are compared at ``|a - b| <= RTOL * |b| + ATOL *
  max|b|``. Another CPU's BLAS / oneDNN kernels (AVX2, AVX-512, NEON) or
  thread count sum in another order: each float32 reduction of ``n`` terms
  may then differ by about ``n * 2**-24`` of the magnitude of its terms.
  The tiny models here reduce over at most a few hundred terms per layer,
  through a handful of layers forward and back, so rounding stays below
  ``1e-5`` of a tensor's scale; ``RTOL = 1e-4`` and ``ATOL = 1e-5`` of the
  tensor's largest value leave a 10x margin. The scale term matters for
  gradients and decoded pixels, where cancellation leaves entries far
  smaller than the summands that produced them (an absolute ``1e-7`` failed
  on an AVX-512 machine). A real change of the computation (a scale, a
  norm, a mask) moves tensors by far more than this and fails.
* Outputs behind an argmax (tokenizer ids of p2d / d2d, the ids d2d
  generates) are compared exactly, but only after checking that every
  argmax on this batch is decided by a top-2 margin of more than
  ``MARGIN`` of its scores' scale, which no rounding above can close. If a
  change makes a margin that thin, the test says so instead of comparing
  an id that a CPU's rounding could flip.
"""
import os.path as osp

import pytest
import torch
from gvp_testing import TINY_ARCH, TINY_TOKENIZER

from gvp.models.backbones import backbone_for_role
from gvp.registry import MODELS

REFERENCE = osp.join(osp.dirname(__file__), 'data', 'reference_variants.pt')
NORM = dict(type='SelfSupDataPreprocessor', mean=[127.5] * 3,
            std=[127.5] * 3)


def new_config(variant):
    """``variant`` in today's vocabulary: targets, input embeddings."""
    backbone = dict(type='GVPViT', arch=TINY_ARCH, img_size=16, patch_size=4,
                    mask_generator=dict(type='MixedLengthMaskGenerator',
                                        num_groups=4))
    target = dict(type='TokenIdTarget', num_codes=32)
    tokenizer = dict(TINY_TOKENIZER)
    if variant in ('p2p', 'y_extra'):
        target = dict(type='PixelTarget', patch_size=4)
        tokenizer = None
    if variant == 'd2d':
        backbone['input_embed'] = dict(type='IdEmbedding', vocab_size=32)
    if variant == 'y_extra':
        backbone['y_extra'] = dict(type='TokenizerCondition',
                                   tokenizer=dict(TINY_TOKENIZER), grid=2,
                                   mean=[127.5] * 3, std=[127.5] * 3)
    return dict(type='GVP', backbone=backbone,
                head=dict(type='GVPHead', embed_dims=32),
                target_generator=target, tokenizer=tokenizer,
                data_preprocessor=NORM,
                generation=dict(mask_ratio=0.5, num_groups=3))


@pytest.fixture(scope='module')
def reference():
    return torch.load(REFERENCE, weights_only=True)


RTOL, ATOL, MARGIN = 1e-4, 1e-5, 1e-5


def same(a, b, what, exact):
    """``a`` equals the recorded ``b`` up to rounding (module docstring)."""
    atol = ATOL * float(b.abs().max()) if b.numel() else 0.
    torch.testing.assert_close(a, b, rtol=RTOL, atol=atol, msg=what)
    exact.append(bool(torch.equal(a, b)))


def top2_margin(scores, largest):
    """Smallest gap between the winner and the runner-up of each row of
    ``scores [N, C]``, relative to the scores' scale."""
    top = scores.float().topk(2, dim=-1, largest=largest).values
    return float((top[:, 0] - top[:, 1]).abs().min() /
                 scores.abs().max().clamp_min(1e-12))


@pytest.fixture
def argmax_margins(monkeypatch):
    """Records the top-2 margin of every argmax the model takes: the
    tokenizer's nearest code and the ids d2d generation writes."""
    from gvp.models.targets.token_ids import TokenIdTarget
    from gvp.models.tokenizers.quantizer import VectorQuantizer
    margins = []
    distances, write = VectorQuantizer.distances, TokenIdTarget.write

    def recorded_distances(self, z):
        out = distances(self, z)
        margins.append(('tokenizer', top2_margin(out, largest=False)))
        return out

    def recorded_write(self, state, batch_idx, token_idx, pred, *args):
        margins.append(('generation', top2_margin(pred, largest=True)))
        return write(self, state, batch_idx, token_idx, pred, *args)

    monkeypatch.setattr(VectorQuantizer, 'distances', recorded_distances)
    monkeypatch.setattr(TokenIdTarget, 'write', recorded_write)
    return margins


@pytest.mark.parametrize('variant', ['p2p', 'p2d', 'd2d', 'y_extra'])
def compute(model, variant, inputs, seed, state):
    """``{name: tensor}`` of what the model computes: loss, gradients,
    generations (p2p, d2d), probe features."""
    torch.manual_seed(seed)  # the plan of the loss
    loss = model.loss(inputs, [])['loss']
    loss.backward()
    out = {'loss': loss.detach()}
    out.update({n: p.grad for n, p in model.named_parameters()
                if p.grad is not None})
    model.eval()
    if variant in ('p2p', 'd2d'):
        for key, one_shot in (('group_ar', False), ('one_shot', True)):
            out[key] = model.generate(
                inputs, one_shot=one_shot,
                generator=torch.Generator().manual_seed(5)).images
    probe = MODELS.build(backbone_for_role(new_config(variant)['backbone'],
                                           'probe'))
    probe.load_state_dict({k[len('backbone.'):]: v
                           for k, v in state.items()
                           if k.startswith('backbone.') and
                           k != 'backbone.query_token'}, strict=True)
    probe.eval()
    x = model.tokenize(inputs) if variant == 'd2d' else inputs
    with torch.no_grad():
        out['probe'] = probe(x)[-1]
    return out


@pytest.mark.parametrize('variant', ['p2p', 'p2d', 'd2d', 'y_extra'])
def test_same_loss_gradients_generation_and_probe(reference, variant,
                                                  argmax_margins):
    ref = reference[variant]
    model = MODELS.build(new_config(variant))
    # every recorded tensor has its place: parameter names unchanged
    model.load_state_dict(ref['state'], strict=True)
    inputs = (reference['images'] - 127.5) / 127.5
    out = compute(model, variant, inputs, reference['seed'], ref['state'])
    # ids are compared (through the tensors they feed) only where no
    # rounding can flip them
    thin = [(where, m) for where, m in argmax_margins if m <= MARGIN]
    assert not thin, (f'{variant}: argmax decided by a margin of {thin} of '
                      'the scale: an id a CPU\'s rounding could flip; pick '
                      'another batch or seed for the reference')
    recorded = dict(ref['grads'], loss=ref['loss'], probe=ref['probe'])
    recorded.update({k: ref[k] for k in ('group_ar', 'one_shot') if k in ref})
    assert set(out) == set(recorded)
    exact = []
    for name, tensor in out.items():
        same(tensor, recorded[name], name, exact)
    print(f'{variant}: {sum(exact)} of {len(exact)} tensors bit-equal, '
          f'{len(argmax_margins)} argmax sites, smallest margin '
          f'{min((m for _, m in argmax_margins), default=None)}')
