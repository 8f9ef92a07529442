"""Reconstruction error of one-shot vs group-autoregressive generation over
a dataset split (paper table 8), and of other models on the same plans."""
from typing import Callable, Dict, Optional

import torch
from mmengine.dataset import default_collate
from mmengine.utils import ProgressBar
from torch import Tensor

from ..utils.views import preprocess_images

MODES = ('one_shot', 'group_ar')
#: ``others``: name -> fn(normalised inputs [B, C, H, W], ranks [B, T]) ->
#: images [B, C, H, W] in [0, 1] (e.g. MAE on the same visible tokens)
Others = Optional[Dict[str, Callable[[Tensor, Tensor], Tensor]]]


@torch.no_grad()
def predictions(model,
                inputs: Tensor,
                ranks: Tensor,
                temperature: float = 0.,
                generator=None,
                others: Others = None) -> Dict[str, Tensor]:
    """``{mode: [B, C, H, W]}`` in ``[0, 1]``: the GVP model's one-shot and
    group-autoregressive reconstruction of plan ``ranks [B, T]``
    (0 = visible), then each of ``others`` on the same plan."""
    out = {
        mode: model.generate(
            inputs,
            ranks,
            one_shot=mode == 'one_shot',
            temperature=temperature,
            generator=generator).images
        for mode in MODES
    }
    for name, fn in (others or {}).items():
        out[name] = fn(inputs, ranks)
    return out


@torch.no_grad()
def reconstruction_columns(model,
                           inputs: Tensor,
                           ranks: Tensor,
                           temperature: float = 0.,
                           others: Others = None) -> Dict[str, Tensor]:
    """Figure 2's columns, ``[B, C, H, W]`` in ``[0, 1]``: ``original``,
    ``masked`` (the visible tokens, gray elsewhere), then
    :func:`predictions`."""
    original = model.to_unit_range(inputs)
    keep = 1. - pixel_mask(ranks, model.backbone.patch_resolution,
                           original.shape)
    columns = dict(original=original, masked=original * keep + 0.5 *
                   (1 - keep))
    columns.update(
        predictions(model, inputs, ranks, temperature, others=others))
    return columns


@torch.no_grad()
def evaluate_reconstruction(model,
                            dataset,
                            batch_size: int = 64,
                            lpips=None,
                            seed: int = 0,
                            temperature: float = 0.,
                            others: Others = None) -> Dict:
    """Mean over images of the masked-pixel MSE (on ``[0, 1]``, masked
    tokens only) and, with ``lpips``, the LPIPS distance of the whole image,
    for both modes and each of ``others`` on the *same* plans: the model's
    reveal plan (its ``generation`` config), seeded."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    names = MODES + tuple(others or ())
    sums = {f'{m}_{k}': 0. for m in names for k in ('mse', 'lpips')}
    count = 0
    bar = ProgressBar(len(dataset))  # images done, elapsed, ETA
    for start in range(0, len(dataset), batch_size):
        batch = default_collate([
            dataset[i]
            for i in range(start, min(start + batch_size, len(dataset)))
        ])
        inputs = preprocess_images(model.data_preprocessor, batch)
        add_batch(sums, model, inputs, lpips, temperature, gen, others)
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


def add_batch(sums, model, inputs, lpips, temperature, gen,
              others: Others = None) -> None:
    """Add one batch's per-image errors of every prediction, on one plan,
    to ``sums``."""
    grid = model.backbone.patch_resolution
    ranks = model.reveal_plan(inputs.shape[0], grid, generator=gen).ranks
    target = model.to_unit_range(inputs)
    masked = pixel_mask(ranks, grid, target.shape)
    outs = predictions(model, inputs, ranks, temperature, gen, others)
    for name, images in outs.items():
        err = ((images - target)**2 * masked).sum((1, 2, 3))
        sums[f'{name}_mse'] += (err / masked.sum((1, 2, 3))).sum().item()
        if lpips is not None:
            sums[f'{name}_lpips'] += lpips(images, target).sum().item()


def pixel_mask(ranks, grid, shape) -> torch.Tensor:
    """``[B, 1, H, W]`` 1.0 on pixels of masked tokens."""
    b, _, h, w = shape
    m = (ranks > 0).float().view(b, 1, *grid)
    return torch.nn.functional.interpolate(m, size=(h, w), mode='nearest')
