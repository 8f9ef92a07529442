"""Registered mask generators: fixed, random and mixed group lengths, and
the reveal plan of generation.

A generator is called with the batch size and the patch grid ``(h, w)``
and returns a :class:`~gvp.models.masking.plans.GroupPlan` (order,
boundaries, per-token ranks), sampled on the requested device: a
registered order (:mod:`.orders`) gives ``z``, the generator cuts it into
groups. ``validate(grid)`` is called when the backbone is built, so a plan
that cannot exist fails at build time with the fix in the message.
"""
from typing import Optional, Sequence, Union

import torch

from gvp.registry import MODELS
from .orders import TokenOrder, as_grid
from .plans import (GroupPlan, fixed_boundaries, mixed_boundaries,
                    random_boundaries, ranks_from_plan)

OrderCfg = Union[dict, TokenOrder, None]


def build_order(order: OrderCfg) -> TokenOrder:
    """A registered order from its config (default: random)."""
    if order is None:
        order = dict(type='RandomOrder')
    if isinstance(order, TokenOrder):
        return order
    if not isinstance(order, dict):
        raise ValueError(
            f'order must be a registered order config such as '
            f"dict(type='RandomOrder') or dict(type='RasterOrder'), got "
            f'{order!r}')
    return MODELS.build(order)


class GroupMaskGenerator:
    """Base: ``num_groups`` is the paper's ``K`` (predicted groups).

    Args:
        num_groups (int): ``K >= 1``.
        order (dict): a registered order (:mod:`.orders`); default
            ``RandomOrder`` (``RasterOrder``: table 3's fixed sequence).
    """
    #: largest K as a function of T, and the reason, for the error message
    max_groups_offset = 1
    kind = 'group'

    def __init__(self, num_groups: int, order: OrderCfg = None):
        if not isinstance(num_groups, int) or num_groups < 1:
            raise ValueError(
                f'num_groups (K) must be an integer >= 1, got {num_groups!r}')
        self.num_groups = num_groups
        self.order = build_order(order)

    def validate(self, grid: Sequence[int]) -> None:
        """Raise ``ValueError`` if ``K`` groups cannot be cut from the
        ``T = h * w`` tokens of ``grid``."""
        h, w = as_grid(grid)
        num_tokens = h * w
        max_k = num_tokens - self.max_groups_offset
        if self.num_groups > max_k:
            raise ValueError(
                f'num_groups K={self.num_groups} is too large for T='
                f'{num_tokens} image tokens: {self.kind} length needs '
                f'K <= {max_k}. Lower num_groups in the mask generator config '
                'or use more tokens (a larger img_size / smaller '
                'patch_size).')

    def boundaries(self, batch_size: int, num_tokens: int, device,
                   generator: Optional[torch.Generator]) -> torch.Tensor:
        raise NotImplementedError

    def __call__(self,
                 batch_size: int,
                 grid: Sequence[int],
                 device=None,
                 generator: Optional[torch.Generator] = None) -> GroupPlan:
        """``grid (h, w)`` -> a plan of ``B`` samples over ``h * w``
        tokens (the order is drawn first, then the boundaries)."""
        h, w = as_grid(grid)
        order = self.order(batch_size, (h, w), device, generator)
        bounds = self.boundaries(batch_size, h * w, device, generator)
        return GroupPlan(order, bounds, ranks_from_plan(order, bounds))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_groups={self.num_groups}, '
                f'order={self.order!r})')


@MODELS.register_module()
class FixedLengthMaskGenerator(GroupMaskGenerator):
    """``n_i = floor((i+1) T / (K+1))``; needs ``K <= T`` (``G_0`` may be
    empty, as for full autoregression ``K = T``)."""
    max_groups_offset = 0
    kind = 'fixed'

    def boundaries(self, batch_size, num_tokens, device, generator):
        return fixed_boundaries(batch_size, num_tokens, self.num_groups,
                                device)


@MODELS.register_module()
class RandomLengthMaskGenerator(GroupMaskGenerator):
    """``n_0..n_{K-1}``: sorted ``K`` distinct draws from ``[1, T-1]``."""
    kind = 'random'

    def boundaries(self, batch_size, num_tokens, device, generator):
        return random_boundaries(batch_size, num_tokens, self.num_groups,
                                 device, generator)


@MODELS.register_module()
class MixedLengthMaskGenerator(GroupMaskGenerator):
    """``n_{K-1} = round(p T)``, ``p ~ N(mean, std)``; the paper's default
    (K = 20, mean 0.5, std 0.1)."""
    kind = 'mixed'

    def __init__(self,
                 num_groups: int = 20,
                 order: OrderCfg = None,
                 mean: float = 0.5,
                 std: float = 0.1):
        super().__init__(num_groups, order)
        if not 0.0 < mean < 1.0 or std < 0:
            raise ValueError('mixed length needs 0 < mean < 1 and std >= 0, '
                             f'got mean={mean}, std={std}')
        self.mean = mean
        self.std = std

    def boundaries(self, batch_size, num_tokens, device, generator):
        return mixed_boundaries(batch_size, num_tokens, self.num_groups,
                                self.mean, self.std, device, generator)


@MODELS.register_module()
class RevealPlanGenerator(GroupMaskGenerator):
    """The plan of generation (appendix F, table 8): ``round(T (1 -
    mask_ratio))`` visible tokens first in the order (rank 0), the masked
    rest split into ``K`` groups of equal size (ranks ``1..K``, ``K`` at
    most the number masked). ``num_groups=1`` is the one-shot baseline.

    Args:
        mask_ratio (float): in ``(0, 1]``.
        num_groups (int): ``K``.
        order (dict): a registered order (default random).
    """
    kind = 'reveal'

    def __init__(self,
                 mask_ratio: float = 0.75,
                 num_groups: int = 8,
                 order: OrderCfg = None):
        if not 0. < mask_ratio <= 1.:
            raise ValueError(f'mask_ratio must be in (0, 1], got {mask_ratio}')
        super().__init__(num_groups, order)
        self.mask_ratio = mask_ratio

    def validate(self, grid: Sequence[int]) -> None:
        as_grid(grid)  # K is capped at the number masked: any K fits

    def boundaries(self, batch_size, num_tokens, device, generator):
        visible = int(round(num_tokens * (1. - self.mask_ratio)))
        masked = num_tokens - visible
        k = max(1, min(self.num_groups, masked))
        i = torch.arange(0, k + 1, device=device)
        n = visible + torch.div(i * masked, k, rounding_mode='floor')
        return n.expand(batch_size, -1).contiguous()

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(mask_ratio={self.mask_ratio}, '
                f'num_groups={self.num_groups}, order={self.order!r})')
