from .pixel_head import GVPPixelHead
from .token_head import GVPTokenHead

__all__ = ['GVPPixelHead', 'GVPTokenHead']
