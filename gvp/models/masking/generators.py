"""Registered mask generators: fixed, random and mixed group lengths.

A generator is called with the batch size and the number of image tokens and
returns a :class:`~gvp.models.masking.plans.GroupPlan` (order, boundaries,
per-token ranks), sampled on the requested device. ``validate(T)`` is called
when the backbone is built, so a plan that cannot exist fails at build time
with the fix in the message.
"""
from typing import Optional

import torch

from gvp.registry import MODELS
from .plans import (GroupPlan, fixed_boundaries, mixed_boundaries,
                    random_boundaries, ranks_from_plan, sample_order)

ORDERS = ('random', 'raster')


class GroupMaskGenerator:
    """Base: ``num_groups`` is the paper's ``K`` (predicted groups).

    Args:
        num_groups (int): ``K >= 1``.
        order (str): ``'random'`` (uniform permutation, default) or
            ``'raster'`` (table 3's fixed index sequence).
    """
    #: largest K as a function of T, and the reason, for the error message
    max_groups_offset = 1
    kind = 'group'

    def __init__(self, num_groups: int, order: str = 'random'):
        if not isinstance(num_groups, int) or num_groups < 1:
            raise ValueError(
                f'num_groups (K) must be an integer >= 1, got {num_groups!r}')
        if order not in ORDERS:
            raise ValueError(f'Unknown order {order!r}: set order to one of '
                             f'{ORDERS} in the mask generator config')
        self.num_groups = num_groups
        self.order = order

    def validate(self, num_tokens: int) -> None:
        """Raise ``ValueError`` if ``K`` groups cannot be cut from ``T``."""
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

    def __call__(self, batch_size: int, num_tokens: int, device=None,
                 generator: Optional[torch.Generator] = None) -> GroupPlan:
        order = sample_order(batch_size, num_tokens, self.order, device,
                             generator)
        bounds = self.boundaries(batch_size, num_tokens, device, generator)
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

    def __init__(self, num_groups: int = 20, order: str = 'random',
                 mean: float = 0.5, std: float = 0.1):
        super().__init__(num_groups, order)
        if not 0.0 < mean < 1.0 or std < 0:
            raise ValueError('mixed length needs 0 < mean < 1 and std >= 0, '
                             f'got mean={mean}, std={std}')
        self.mean = mean
        self.std = std

    def boundaries(self, batch_size, num_tokens, device, generator):
        return mixed_boundaries(batch_size, num_tokens, self.num_groups,
                                self.mean, self.std, device, generator)
