"""Pictures of what the model does, as ``uint8 [H, W, 3]`` arrays (for the
mmengine visualizer and the analysis tools)."""
import numpy as np
import torch
from torch import Tensor

from ..evaluation.reconstruction import reconstruction_columns
from ..models.masking import causal_masks, full_ranks

BLUE = np.array([59, 111, 182], dtype=np.uint8)
#: column titles of figure 2, by the keys of ``reconstruction_columns``
TITLES = dict(
    original='original', masked='visible', one_shot='one-shot',
    group_ar='group-AR')
COLUMNS = tuple(TITLES.values())
MIN_TILE = 112  # px: small images are enlarged (nearest) to at least this


@torch.no_grad()
def reconstruction_grid(model, inputs: Tensor, ranks: Tensor,
                        gap: int = 2, others=None) -> np.ndarray:
    """Figure 2: one row per image, titled columns — original, visible
    tokens (gray elsewhere), one-shot prediction, group-autoregressive
    prediction, then each of ``others`` on the same plan (see
    :func:`~gvp.evaluation.reconstruction.predictions`). Grey inputs (equal
    channels) are shown grey: the channel mean of the predictions, not
    per-channel noise as colour."""
    return columns_figure(
        reconstruction_columns(model, inputs, ranks, others=others), gap)


def column_titles(names) -> tuple:
    """Titles of ``reconstruction_columns``' keys (others: upper case)."""
    return tuple(TITLES.get(k, k.upper()) for k in names)


def columns_figure(columns: dict, gap: int = 2) -> np.ndarray:
    """:func:`reconstruction_figure` of ``reconstruction_columns``' dict,
    titled by its keys."""
    return reconstruction_figure(
        list(columns.values()), gap, titles=column_titles(columns))


def reconstruction_figure(columns, gap: int = 2,
                          titles=COLUMNS) -> np.ndarray:
    """``[B, C, H, W]`` columns (original first) as a titled grid; grey
    originals (equal channels) make every column grey."""
    original = columns[0]
    if original.shape[1] > 1 and bool((original == original[:, :1]).all()):
        columns = [c.mean(dim=1, keepdim=True) for c in columns]
    return image_grid(columns, gap, titles=titles)


def image_grid(columns, gap: int = 2, titles=None) -> np.ndarray:
    """``columns``: tensors ``[B, C, H, W]`` in ``[0, 1]`` -> one RGB row
    per image, the columns side by side, enlarged to :data:`MIN_TILE` px,
    under a row of ``titles``."""
    scale = max(1, -(-MIN_TILE // columns[0].shape[-2]))
    rows = []
    for b in range(columns[0].shape[0]):
        rows.append(_hcat([_to_rgb(c[b]).repeat(scale, 0).repeat(scale, 1)
                           for c in columns], gap))
    if titles:
        width = columns[0].shape[-1] * scale
        rows.insert(0, _hcat([_title(t, width) for t in titles], gap))
    return _vcat(rows, gap)


def _title(text: str, width: int, height: int = 16) -> np.ndarray:
    """``text`` centred on a white ``[height, width, 3]`` strip."""
    from PIL import Image, ImageDraw
    strip = Image.new('RGB', (width, height), 'white')
    draw = ImageDraw.Draw(strip)
    left, top, right, bottom = draw.textbbox((0, 0), text)
    draw.text(((width - right + left) / 2, (height - bottom + top) / 2 - top),
              text, fill='black')
    return np.asarray(strip)


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
