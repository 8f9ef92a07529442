"""Each redesign computes what the code before it computed, from the
weights, batch and seed recorded by the old code:

* targets, inputs and roles (tests/data/record_reference.py,
  tests/data/reference_variants.pt): p2p, p2d, d2d and y_extra losses and
  every gradient, p2p / d2d group-AR and one-shot generation, probe
  features;
* the straightened seams -- the step read in one direction, widths filled
  from the backbone, roles and query starts declared by their classes, one
  ``loss=dict(type=...)`` slot (tests/data/record_seams.py,
  tests/data/reference_seams.pt): every target (pixels with L2 and L1, ids,
  HOG, teacher with cosine and smooth L1), input (pixels, ids, cached ids),
  condition (y_extra) and pretraining backbone (E_pos-only query start,
  single stream, query stream in the last block only): loss, every
  gradient, generation where defined, probe features with the mask kept and
  dropped, fine-tune features.

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

DATA = osp.join(osp.dirname(__file__), 'data')
REFERENCE = osp.join(DATA, 'reference_variants.pt')
SEAMS = osp.join(DATA, 'reference_seams.pt')
TEACHER = dict(type='VisionTransformer', arch=TINY_ARCH, img_size=16,
               patch_size=2, out_type='featmap')
NORM = dict(type='SelfSupDataPreprocessor', mean=[127.5] * 3,
            std=[127.5] * 3)


def new_config(variant):
    """``variant`` in today's vocabulary: targets, input embeddings."""
    backbone = dict(type='GVPViT', arch=TINY_ARCH, img_size=16, patch_size=4,
                    mask_generator=dict(type='MixedLengthMaskGenerator',
                                        num_groups=4))
    target = dict(type='PixelTarget')
    tokenizer = None
    if variant in ('p2d', 'd2d', 'd2d-cached'):
        target = dict(type='TokenIdTarget', num_codes=32)
        tokenizer = dict(TINY_TOKENIZER)
    if variant in ('d2d', 'd2d-cached'):
        backbone['input_embed'] = dict(type='IdEmbedding', vocab_size=32)
    if variant == 'y_extra':
        # mean / std: for the bare tensors the probe and fine-tune roles
        # get; pretraining and generation read the step's (NORM)
        backbone['y_extra'] = dict(type='TokenizerCondition',
                                   tokenizer=dict(TINY_TOKENIZER), grid=2,
                                   mean=[127.5] * 3, std=[127.5] * 3)
    target.update(SEAM_TARGETS.get(variant, {}))
    backbone.update(SEAM_BACKBONES.get(variant, {}))
    return dict(type='GVP', backbone=backbone, head=dict(type='GVPHead'),
                target_generator=target, tokenizer=tokenizer,
                data_preprocessor=NORM,
                generation=dict(mask_ratio=0.5, num_groups=3))


#: the seams' variants: a target or backbone in today's vocabulary
SEAM_TARGETS = {
    'p2p-l1': dict(loss=dict(type='PixelReconstructionLoss', criterion='L1')),
    'hog': dict(type='HOGTarget', pool=2, gaussian_window=4),
    'teacher-cosine': dict(type='TeacherFeatureTarget', teacher=TEACHER,
                           feat_dims=32),
    'teacher-smooth_l1': dict(type='TeacherFeatureTarget', teacher=TEACHER,
                              feat_dims=32,
                              loss=dict(type='mmdet.SmoothL1Loss')),
}
SEAM_BACKBONES = {
    'posquery': dict(query_start=dict(type='PositionOnly')),
    'single-stream': dict(type='GVPSingleStreamViT'),
    'query1': dict(query_blocks=1),
}


@pytest.fixture(scope='module')
def reference():
    return torch.load(REFERENCE, weights_only=True)


@pytest.fixture(scope='module')
def seams():
    return torch.load(SEAMS, weights_only=True)


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


def compute(model, variant, inputs, seed, state, roles=('probe', ),
            generate=True):
    """``{name: tensor}`` of what the model computes: loss, gradients,
    generations (where defined and ``generate``), features of the ``roles``
    (``probe``, ``probe_nomask``, ``finetune``)."""
    torch.manual_seed(seed)  # the plan of the loss
    loss = step_loss(model, variant, inputs)
    loss.backward()
    out = {'loss': loss.detach()}
    out.update({n: p.grad for n, p in model.named_parameters()
                if p.grad is not None})
    model.eval()
    if model.can_generate and generate:
        for key, one_shot in (('group_ar', False), ('one_shot', True)):
            out[key] = model.generate(
                inputs, one_shot=one_shot,
                generator=torch.Generator().manual_seed(5)).images
    x = model.tokenize(inputs) if variant.startswith('d2d') else inputs
    weights = {k[len('backbone.'):]: v for k, v in state.items()
               if k.startswith('backbone.') and k != 'backbone.query_token'}
    for key in roles:
        role = 'finetune' if key == 'finetune' else 'probe'
        cfg = backbone_for_role(new_config(variant)['backbone'], role)
        if key == 'probe_nomask':
            cfg['probe_mask'] = False
        net = MODELS.build(cfg)
        net.load_state_dict(weights, strict=True)
        net.eval()
        with torch.no_grad():
            out[key] = net(x)[-1]
    return out


def step_loss(model, variant, inputs):
    """The training loss; the cached-ids variant as on the token cache: a
    batch of ids from a ``TokenIdsPreprocessor``, no image."""
    if variant != 'd2d-cached':
        return model.loss(inputs, [])['loss']
    ids, norm = model.tokenize(inputs), model.data_preprocessor
    model.data_preprocessor = MODELS.build(dict(type='TokenIdsPreprocessor'))
    loss = model.loss(ids, [])['loss']
    model.data_preprocessor = norm  # generation reads normalised images
    return loss


def check(out, ref, variant, margins):
    """``out`` equals the recorded ``ref`` tensor by tensor, ids only where
    no rounding can flip them (module docstring)."""
    thin = [(where, m) for where, m in margins if m <= MARGIN]
    assert not thin, (f'{variant}: argmax decided by a margin of {thin} of '
                      'the scale: an id a CPU\'s rounding could flip; pick '
                      'another batch or seed for the reference')
    recorded = dict(ref['grads'], loss=ref['loss'])
    recorded.update({k: v for k, v in ref.items()
                     if k not in ('grads', 'state', 'loss')})
    assert set(out) == set(recorded)
    exact = []
    for name, tensor in out.items():
        same(tensor, recorded[name], name, exact)
    print(f'{variant}: {sum(exact)} of {len(exact)} tensors bit-equal, '
          f'{len(margins)} argmax sites, smallest margin '
          f'{min((m for _, m in margins), default=None)}')


@pytest.mark.parametrize('variant', ['p2p', 'p2d', 'd2d', 'y_extra'])
def test_same_loss_gradients_generation_and_probe(reference, variant,
                                                  argmax_margins):
    ref = reference[variant]
    model = MODELS.build(new_config(variant))
    # every recorded tensor has its place: parameter names unchanged
    model.load_state_dict(ref['state'], strict=True)
    inputs = (reference['images'] - 127.5) / 127.5
    # (the first recording generated with p2p and d2d only)
    out = compute(model, variant, inputs, reference['seed'], ref['state'],
                  generate=variant in ('p2p', 'd2d'))
    check(out, ref, variant, argmax_margins)


SEAM_VARIANTS = ('p2p', 'p2p-l1', 'p2d', 'd2d', 'd2d-cached', 'y_extra',
                 'hog', 'teacher-cosine', 'teacher-smooth_l1', 'posquery',
                 'single-stream', 'query1')


@pytest.mark.parametrize('variant', SEAM_VARIANTS)
def test_seams_compute_what_the_code_before_them_computed(
        seams, variant, argmax_margins):
    ref = seams[variant]
    model = MODELS.build(new_config(variant))
    model.load_state_dict(ref['state'], strict=True)
    inputs = (seams['images'] - 127.5) / 127.5
    out = compute(model, variant, inputs, seams['seed'], ref['state'],
                  roles=('probe', 'probe_nomask', 'finetune'))
    check(out, ref, variant, argmax_margins)


def test_label_smoothing_loss_is_the_one_it_replaced():
    """The p2d configs' mmpretrain ``LabelSmoothLoss(0.1, 'original')`` is
    ``F.cross_entropy(label_smoothing=0.1)``, which it replaced."""
    gen = torch.Generator().manual_seed(3)
    logits = torch.randn(50, 256, generator=gen) * 3
    ids = torch.randint(0, 256, (50, ), generator=gen)
    loss = MODELS.build(dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                             mode='original'))
    torch.testing.assert_close(
        loss(logits, ids),
        torch.nn.functional.cross_entropy(logits, ids, label_smoothing=0.1))
