"""Registered token orders ``z`` over the 2-D patch grid (paper §3.2,
table 3).

An order is called with the batch size and the grid ``(h, w)`` and returns
``[B, h * w]`` long: ``order[b, t]`` is the (row-major) index of the token
placed ``t``-th. A mask generator cuts it into groups; a new order is one
class here plus a config (``mask_generator=dict(order=dict(type=...))``).
"""
from typing import Optional, Sequence, Tuple

import torch

from gvp.registry import MODELS


def as_grid(grid) -> Tuple[int, int]:
    """``(h, w)`` from a grid; an int is refused with the fix."""
    if isinstance(grid, int) or len(tuple(grid)) != 2:
        raise TypeError(
            f'plans are drawn on the patch grid (h, w), got {grid!r}: pass '
            'e.g. backbone.patch_resolution')
    h, w = (int(v) for v in grid)
    return h, w


class TokenOrder:
    """Base of the orders: ``order(batch_size, grid, device, generator)``."""

    def __call__(self,
                 batch_size: int,
                 grid: Sequence[int],
                 device=None,
                 generator: Optional[torch.Generator] = None) -> torch.Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'


@MODELS.register_module()
class RandomOrder(TokenOrder):
    """A uniform random permutation per sample (argsort of i.i.d.
    uniforms): the paper's default."""

    def __call__(self, batch_size, grid, device=None, generator=None):
        h, w = as_grid(grid)
        return torch.rand((batch_size, h * w),
                          device=device,
                          generator=generator).argsort(dim=1)


@MODELS.register_module()
class RasterOrder(TokenOrder):
    """Row by row, left to right, the same for every sample (table 3's
    fixed index sequence, iGPT's order)."""

    def __call__(self, batch_size, grid, device=None, generator=None):
        h, w = as_grid(grid)
        return torch.arange(
            h * w, device=device).expand(batch_size, h * w).contiguous()


@MODELS.register_module()
class CentreOutOrder(TokenOrder):
    """From the centre of the grid outwards: tokens sorted by their distance
    to the grid's centre, ties (a ring) in random order per sample. With
    groups cut from it, ``G_0`` is a central blob and each later group a
    ring around what came before: outpainting as the pretext task."""

    def __call__(self, batch_size, grid, device=None, generator=None):
        h, w = as_grid(grid)
        i = torch.arange(h, device=device, dtype=torch.float64)
        j = torch.arange(w, device=device, dtype=torch.float64)
        # squared distances in quarter units: integers, so a uniform in
        # [0, 1) breaks ties without reordering rings
        d2 = ((2 * i - (h - 1))**2)[:, None] + ((2 * j - (w - 1))**2)[None]
        key = d2.flatten()[None] + torch.rand((batch_size, h * w),
                                              device=device,
                                              generator=generator,
                                              dtype=torch.float64)
        return key.argsort(dim=1)
