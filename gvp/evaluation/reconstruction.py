"""Reconstruction error of one-shot vs group-autoregressive generation over
a dataset split (paper table 8)."""
from typing import Dict

import torch
from mmengine.dataset import default_collate
from mmengine.utils import ProgressBar

from ..utils.views import preprocess_images

MODES = ('one_shot', 'group_ar')


@torch.no_grad()
def evaluate_reconstruction(model,
                            dataset,
                            batch_size: int = 64,
                            lpips=None,
                            seed: int = 0,
                            temperature: float = 0.) -> Dict:
    """Mean over images of the masked-pixel MSE (on ``[0, 1]``, masked
    tokens only) and, with ``lpips``, the LPIPS distance of the whole image,
    for both modes on the *same* plans: the model's reveal plan (its
    ``generation`` config), seeded."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    sums = {f'{m}_{k}': 0. for m in MODES for k in ('mse', 'lpips')}
    count = 0
    bar = ProgressBar(len(dataset))  # images done, elapsed, ETA
    for start in range(0, len(dataset), batch_size):
        batch = default_collate([
            dataset[i]
            for i in range(start, min(start + batch_size, len(dataset)))
        ])
        inputs = preprocess_images(model.data_preprocessor, batch)
        add_batch(sums, model, inputs, lpips, temperature, gen)
        count += inputs.shape[0]
        bar.update(inputs.shape[0])
    result = {
        k: v / count
        for k, v in sums.items()
        if lpips is not None or not k.endswith('lpips')
    }
    result.update(
        images=count,
        mask_ratio=model.reveal_plan.mask_ratio,
        num_groups=model.reveal_plan.num_groups)
    return result


def add_batch(sums, model, inputs, lpips, temperature, gen) -> None:
    """Add one batch's per-image errors of both modes, on one plan, to
    ``sums``."""
    grid = model.backbone.patch_resolution
    ranks = model.reveal_plan(inputs.shape[0], grid, generator=gen).ranks
    target = model.to_unit_range(inputs)
    masked = pixel_mask(ranks, grid, target.shape)
    for mode in MODES:
        out = model.generate(inputs, ranks, one_shot=mode == 'one_shot',
                             temperature=temperature, generator=gen)
        err = ((out.images - target)**2 * masked).sum((1, 2, 3))
        sums[f'{mode}_mse'] += (err / masked.sum((1, 2, 3))).sum().item()
        if lpips is not None:
            sums[f'{mode}_lpips'] += lpips(out.images, target).sum().item()


def pixel_mask(ranks, grid, shape) -> torch.Tensor:
    """``[B, 1, H, W]`` 1.0 on pixels of masked tokens."""
    b, _, h, w = shape
    m = (ranks > 0).float().view(b, 1, *grid)
    return torch.nn.functional.interpolate(m, size=(h, w), mode='nearest')
