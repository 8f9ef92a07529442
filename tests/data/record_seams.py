"""Record what every pretraining variant computes before the seams were
straightened (issue "Straighten the seams"), for tests/test_equivalence.py:
tiny models of every target (pixels, ids, HOG, teacher with both losses),
input (pixels, ids, cached ids), condition (class token, y_extra) and
pretraining backbone (two streams, query stream from E_pos alone, the
single stream, the query stream through the last block only), their
weights, a fixed batch, and -- with a fixed seed for the plan -- the loss,
every parameter's gradient, group-AR / one-shot generation where defined,
probe features (mask kept and dropped) and fine-tune features.

Written once by the code of commit 214173b (the vocabulary of that commit:
``head.embed_dims``, ``target_generator.patch_size``, ``loss='cosine'``)
and kept as data:

    python tests/data/record_seams.py tests/data/reference_seams.pt

The file holds tensors and dicts only (loads with ``weights_only=True``).
"""
import copy
import sys

import torch

sys.path.insert(0, 'tests')
from gvp_testing import TINY_ARCH, TINY_TOKENIZER  # noqa: E402

import gvp  # noqa: F401,E402
from gvp.registry import MODELS  # noqa: E402

NORM = dict(type='SelfSupDataPreprocessor', mean=[127.5] * 3,
            std=[127.5] * 3)
SEED = 4321
TEACHER = dict(type='VisionTransformer', arch=TINY_ARCH, img_size=16,
               patch_size=2, out_type='featmap')
VARIANTS = ('p2p', 'p2p-l1', 'p2d', 'd2d', 'd2d-cached', 'y_extra', 'hog',
            'teacher-cosine', 'teacher-smooth_l1', 'posquery',
            'single-stream', 'query1')


def old_config(variant, teacher_ckpt=None):
    """``variant`` in the vocabulary of commit 214173b."""
    backbone = dict(type='GVPViT', arch=TINY_ARCH, img_size=16, patch_size=4,
                    mask_generator=dict(type='MixedLengthMaskGenerator',
                                        num_groups=4))
    target = dict(type='PixelTarget', patch_size=4)
    tokenizer = None
    if variant == 'p2p-l1':
        target['loss'] = dict(type='PixelReconstructionLoss', criterion='L1')
    if variant in ('p2d', 'd2d', 'd2d-cached'):
        target = dict(type='TokenIdTarget', num_codes=32)
        tokenizer = dict(TINY_TOKENIZER)
    if variant in ('d2d', 'd2d-cached'):
        backbone['input_embed'] = dict(type='IdEmbedding', vocab_size=32)
    if variant == 'y_extra':
        backbone['y_extra'] = dict(type='TokenizerCondition',
                                   tokenizer=dict(TINY_TOKENIZER), grid=2,
                                   mean=[127.5] * 3, std=[127.5] * 3)
    if variant == 'hog':
        target = dict(type='HOGTarget', patch_size=4, pool=2,
                      gaussian_window=4)
    if variant.startswith('teacher'):
        target = dict(type='TeacherFeatureTarget', teacher=TEACHER,
                      checkpoint=teacher_ckpt, feat_dims=32, patch_size=4,
                      loss=variant.split('-')[1])
    if variant == 'posquery':
        backbone['type'] = 'GVPPosQueryViT'
    if variant == 'single-stream':
        backbone = dict(backbone, type='GVPSingleStreamViT')
    if variant == 'query1':
        backbone['query_blocks'] = 1
    return dict(type='GVP', backbone=backbone,
                head=dict(type='GVPHead', embed_dims=32),
                target_generator=target, tokenizer=tokenizer,
                data_preprocessor=NORM,
                generation=dict(mask_ratio=0.5, num_groups=3))


def role(backbone, new):
    from gvp.models.backbones import backbone_for_role
    cfg = copy.deepcopy(backbone)
    if cfg['type'] != 'GVPViT':  # roles of 214173b know GVPViT's args
        cfg['type'] = 'GVPViT'
    return backbone_for_role(cfg, new)


def backbone_weights(state):
    return {k[len('backbone.'):]: v for k, v in state.items()
            if k.startswith('backbone.') and k != 'backbone.query_token'}


def features(model, variant, state, inputs):
    """Probe features (mask kept, dropped) and fine-tune features."""
    out = {}
    x = model.tokenize(inputs) if variant.startswith('d2d') else inputs
    backbone = old_config(variant)['backbone']
    for key, cfg in (('probe', role(backbone, 'probe')),
                     ('probe_nomask', dict(role(backbone, 'probe'),
                                           probe_mask=False)),
                     ('finetune', role(backbone, 'finetune'))):
        net = MODELS.build(cfg)
        net.load_state_dict(backbone_weights(state), strict=True)
        net.eval()
        with torch.no_grad():
            out[key] = net(x)[-1]
    return out


def record(variant, images, teacher_ckpt):
    torch.manual_seed(0)
    model = MODELS.build(old_config(variant, teacher_ckpt))
    model.init_weights()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    inputs = (images - 127.5) / 127.5
    model_in = inputs
    if variant == 'd2d-cached':  # ids as the token cache hands them over
        model_in = model.tokenize(inputs)
    torch.manual_seed(SEED)
    losses = model.loss(model_in, [])
    losses['loss'].backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()
             if p.grad is not None}
    out = dict(state=state, loss=losses['loss'].detach(), grads=grads)
    model.eval()
    if model.can_generate:
        for key, one_shot in (('group_ar', False), ('one_shot', True)):
            out[key] = model.generate(
                inputs, one_shot=one_shot,
                generator=torch.Generator().manual_seed(5)).images
    out.update(features(model, variant, state, inputs))
    return out


def main(path):
    from mmengine.registry import DefaultScope
    DefaultScope.get_instance('record_seams', scope_name='gvp')
    torch.manual_seed(11)
    teacher = MODELS.build(TEACHER)
    teacher.init_weights()
    teacher_state = {f'backbone.{k}': v.clone()
                     for k, v in teacher.state_dict().items()}
    ckpt = '/tmp/record_seams_teacher.pth'
    torch.save({'state_dict': teacher_state}, ckpt)
    gen = torch.Generator().manual_seed(18)
    images = torch.randint(0, 256, (3, 3, 16, 16), generator=gen).float()
    data = dict(images=images, seed=SEED, teacher=teacher_state)
    for variant in VARIANTS:
        data[variant] = record(variant, images, ckpt)
        print(variant, float(data[variant]['loss']), sorted(
            k for k in data[variant] if k not in ('state', 'grads')))
    torch.save(data, path)


if __name__ == '__main__':
    main(sys.argv[1])
