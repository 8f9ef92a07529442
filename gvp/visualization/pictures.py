"""Pictures of what the model does, as ``uint8 [H, W, 3]`` arrays (for the
mmengine visualizer and the analysis tools)."""
import numpy as np
import torch
from torch import Tensor

from ..evaluation.reconstruction import pixel_mask
from ..models.masking import causal_masks, full_ranks

BLUE = np.array([59, 111, 182], dtype=np.uint8)


@torch.no_grad()
def reconstruction_grid(model, inputs: Tensor, ranks: Tensor,
                        gap: int = 2) -> np.ndarray:
    """Figure 2: one row per image — original, mask (visible tokens, gray
    elsewhere), one-shot prediction, group-autoregressive prediction."""
    original = model.to_unit_range(inputs)
    grid = model.backbone.patch_resolution
    keep = 1. - pixel_mask(ranks, grid, original.shape)
    shown = original * keep + 0.5 * (1 - keep)
    one = model.generate(inputs, ranks, one_shot=True).images
    gar = model.generate(inputs, ranks).images
    return image_grid([original, shown, one, gar], gap)


def image_grid(columns, gap: int = 2) -> np.ndarray:
    """``columns``: tensors ``[B, C, H, W]`` in ``[0, 1]`` -> one RGB row
    per image, the columns side by side."""
    rows = []
    for b in range(columns[0].shape[0]):
        rows.append(_hcat([_to_rgb(c[b]) for c in columns], gap))
    return _vcat(rows, gap)


def mask_picture(ranks: Tensor, order: Tensor, num_cond: int = 1,
                 scale: int = 4, gap: int = 4) -> np.ndarray:
    """``M_h | M_g`` of one plan (``ranks [T]``, ``order [T]``): top at token
    positions, bottom in order z. Blue: may attend."""
    full = full_ranks(ranks[None], num_cond)
    mh, mg = (m[0] for m in causal_masks(full))
    perm = torch.cat([torch.arange(num_cond), order + num_cond])
    pics = []
    for m in (mh, mg):
        pics.append([_mask_rgb(m, scale), _mask_rgb(m[perm][:, perm], scale)])
    top = _hcat([pics[0][0], pics[1][0]], gap, fill=0)
    bottom = _hcat([pics[0][1], pics[1][1]], gap, fill=0)
    return _vcat([top, bottom], gap, fill=0)


def _mask_rgb(m: Tensor, scale: int) -> np.ndarray:
    img = np.where(m.numpy()[..., None], BLUE, np.uint8(255))
    return img.repeat(scale, 0).repeat(scale, 1).astype(np.uint8)


def _to_rgb(t: Tensor) -> np.ndarray:
    t = t.detach().float().clamp(0, 1).cpu()
    if t.shape[0] == 1:
        t = t.expand(3, -1, -1)
    return (t.permute(1, 2, 0).numpy() * 255 + .5).astype(np.uint8)


def _hcat(tiles, gap, fill=255):
    h = max(t.shape[0] for t in tiles)
    sep = np.full((h, gap, 3), fill, np.uint8)
    out = []
    for i, t in enumerate(tiles):
        out += ([sep] if i else []) + [t]
    return np.concatenate(out, axis=1)


def _vcat(rows, gap, fill=255):
    w = max(r.shape[1] for r in rows)
    sep = np.full((gap, w, 3), fill, np.uint8)
    out = []
    for i, r in enumerate(rows):
        out += ([sep] if i else []) + [r]
    return np.concatenate(out, axis=0)
