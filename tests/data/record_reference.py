"""Record what the pretraining variants compute, for the equivalence test
(tests/test_equivalence.py): tiny p2p, p2d, d2d and y_extra models, their
weights, a fixed batch, and -- with a fixed seed for the plan -- the loss,
every parameter's gradient, a group-AR / one-shot generation (p2p, d2d)
and probe features.

Written once by the code *before* the redesign of targets, inputs and roles
(commit ab0a1bf) and kept as data:

    python tests/data/record_reference.py tests/data/reference_variants.pt

The file holds tensors and dicts only (loads with ``weights_only=True``).
"""
import sys

import torch

sys.path.insert(0, 'tests')
from gvp_testing import TINY_ARCH, TINY_TOKENIZER  # noqa: E402

import gvp  # noqa: F401,E402
from gvp.registry import MODELS  # noqa: E402

NORM = dict(type='SelfSupDataPreprocessor', mean=[127.5] * 3,
            std=[127.5] * 3)
SEED = 1234


def old_config(variant):
    """The model config of ``variant`` in the pre-redesign vocabulary."""
    backbone = dict(type='GVPViT', arch=TINY_ARCH, img_size=16, patch_size=4,
                    mask_generator=dict(type='MixedLengthMaskGenerator',
                                        num_groups=4))
    head = dict(type='GVPTokenHead', embed_dims=32, num_codes=32)
    tokenizer = dict(TINY_TOKENIZER)
    if variant == 'p2p':
        head = dict(type='GVPPixelHead', embed_dims=32, patch_size=4)
        tokenizer = None
    if variant == 'd2d':
        backbone['vocab_size'] = 32
    if variant == 'y_extra':
        backbone['y_extra'] = dict(type='TokenizerCondition',
                                   tokenizer=dict(TINY_TOKENIZER), grid=2,
                                   mean=[127.5] * 3, std=[127.5] * 3)
        head = dict(type='GVPPixelHead', embed_dims=32, patch_size=4)
        tokenizer = None
    return dict(type='GVP', backbone=backbone, head=head,
                tokenizer=tokenizer, data_preprocessor=NORM)


def record(variant, images):
    torch.manual_seed(0)
    model = MODELS.build(old_config(variant))
    model.init_weights()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    inputs = (images - 127.5) / 127.5
    torch.manual_seed(SEED)
    losses = model.loss(inputs, [])
    losses['loss'].backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()
             if p.grad is not None}
    out = dict(state=state, loss=losses['loss'].detach(), grads=grads)
    model.eval()
    if variant in ('p2p', 'd2d'):
        gen = torch.Generator().manual_seed(5)
        for one_shot in (False, True):
            g = model.generate(inputs, mask_ratio=0.5, num_groups=3,
                               one_shot=one_shot,
                               generator=torch.Generator().manual_seed(5))
            out['one_shot' if one_shot else 'group_ar'] = g.images
        del gen
    probe_cfg = dict(old_config(variant)['backbone'], mode='probe')
    probe = MODELS.build(probe_cfg)
    probe.load_state_dict({k[len('backbone.'):]: v for k, v in state.items()
                           if k.startswith('backbone.')}, strict=False)
    probe.eval()
    probe_in = inputs
    if variant == 'd2d':
        probe_in = model.tokenize(inputs)
    with torch.no_grad():
        out['probe'] = probe(probe_in)[-1]
    return out


def main(path):
    from mmengine.registry import DefaultScope
    DefaultScope.get_instance('record_reference', scope_name='gvp')
    gen = torch.Generator().manual_seed(7)
    images = torch.randint(0, 256, (3, 3, 16, 16), generator=gen).float()
    data = dict(images=images, seed=SEED)
    for variant in ('p2p', 'p2d', 'd2d', 'y_extra'):
        data[variant] = record(variant, images)
        print(variant, float(data[variant]['loss']))
    torch.save(data, path)


if __name__ == '__main__':
    main(sys.argv[1])
