from .causal_masks import (PAD_RANK, causal_masks, content_mask, full_ranks,
                           query_mask)
from .generators import (FixedLengthMaskGenerator, GroupMaskGenerator,
                         MixedLengthMaskGenerator, RandomLengthMaskGenerator,
                         RevealPlanGenerator, build_order)
from .orders import (CentreOutOrder, RandomOrder, RasterOrder, TokenOrder,
                     as_grid)
from .plans import (GroupPlan, fixed_boundaries, mixed_boundaries,
                    random_boundaries, ranks_from_plan)

__all__ = [
    'PAD_RANK', 'causal_masks', 'content_mask', 'query_mask', 'full_ranks',
    'GroupMaskGenerator', 'FixedLengthMaskGenerator',
    'RandomLengthMaskGenerator', 'MixedLengthMaskGenerator',
    'RevealPlanGenerator', 'build_order', 'TokenOrder', 'RandomOrder',
    'RasterOrder', 'CentreOutOrder', 'as_grid', 'GroupPlan',
    'fixed_boundaries', 'random_boundaries', 'mixed_boundaries',
    'ranks_from_plan'
]
