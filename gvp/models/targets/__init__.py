from .base import GVPTarget
from .hog import HOGTarget
from .pixels import PixelTarget
from .teacher import TeacherFeatureTarget
from .token_ids import TokenIdTarget

__all__ = [
    'GVPTarget', 'PixelTarget', 'TokenIdTarget', 'HOGTarget',
    'TeacherFeatureTarget'
]
