"""What only a CUDA GPU can show (skipped without one; run by
tools/misc/device_check.sh): plans and masks drawn on the device, the
two-stream step on the device equal to the CPU's, and a bf16 autocast step
close to fp32."""
import pytest
import torch
from gvp_testing import tiny_gvp

from gvp.models.masking import (MixedLengthMaskGenerator, causal_masks,
                                full_ranks)
from gvp.registry import MODELS

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason='no CUDA GPU')
]


def test_plans_and_masks_on_device():
    gen = MixedLengthMaskGenerator(num_groups=20, order=dict(
        type='CentreOutOrder'))
    g = torch.Generator(device='cuda').manual_seed(0)
    plan = gen(64, (14, 14), device='cuda', generator=g)
    assert plan.ranks.is_cuda and plan.order.is_cuda
    mh, mg = causal_masks(full_ranks(plan.ranks, 1))
    assert mh.is_cuda and mh.shape == (64, 197, 197)
    # the rule on the device equals the rule on the CPU for the same ranks
    cpu_h, cpu_g = causal_masks(full_ranks(plan.ranks.cpu(), 1))
    assert torch.equal(mh.cpu(), cpu_h) and torch.equal(mg.cpu(), cpu_g)


def _loss_and_grads(model, x, seed, amp=False):
    torch.manual_seed(seed)
    ranks = model.backbone.mask_generator(x.shape[0], (4, 4)).ranks
    ranks = ranks.to(x.device)
    model.zero_grad()
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=amp):
        out = model.backbone(x, ranks)
        loss = model.head.loss(out, model.target_generator(
            model.step_inputs(x)), model.target_generator)
    loss.backward()
    return loss.detach().float().cpu(), {
        n: p.grad.detach().float().cpu()
        for n, p in model.named_parameters() if p.grad is not None}


def test_device_step_equals_cpu_and_bf16_close_to_fp32():
    torch.manual_seed(0)
    model = MODELS.build(tiny_gvp())
    model.init_weights()
    x = torch.randn(8, 3, 16, 16)
    cpu_loss, cpu_grads = _loss_and_grads(model, x, 1)
    model.cuda()
    loss, grads = _loss_and_grads(model, x.cuda(), 1)
    torch.testing.assert_close(loss, cpu_loss, rtol=1e-4, atol=1e-5)
    for name, g in grads.items():
        torch.testing.assert_close(g, cpu_grads[name], rtol=1e-3,
                                   atol=1e-5, msg=name)
    bf16, bf16_grads = _loss_and_grads(model, x.cuda(), 1, amp=True)
    assert abs(bf16.item() - loss.item()) < 0.02 * abs(loss.item())
    cos = torch.nn.functional.cosine_similarity(
        torch.cat([g.flatten() for g in bf16_grads.values()]),
        torch.cat([grads[n].flatten() for n in bf16_grads]), dim=0)
    assert cos > 0.99
