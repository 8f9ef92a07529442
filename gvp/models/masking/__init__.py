from .causal_masks import (PAD_RANK, causal_masks, content_mask, full_ranks,
                           query_mask)
from .generators import (FixedLengthMaskGenerator, GroupMaskGenerator,
                         MixedLengthMaskGenerator, RandomLengthMaskGenerator)
from .plans import (GroupPlan, fixed_boundaries, mixed_boundaries,
                    random_boundaries, ranks_from_plan, sample_order)

__all__ = [
    'PAD_RANK', 'causal_masks', 'content_mask', 'query_mask', 'full_ranks',
    'GroupMaskGenerator', 'FixedLengthMaskGenerator',
    'RandomLengthMaskGenerator', 'MixedLengthMaskGenerator', 'GroupPlan',
    'sample_order', 'fixed_boundaries', 'random_boundaries',
    'mixed_boundaries', 'ranks_from_plan'
]
