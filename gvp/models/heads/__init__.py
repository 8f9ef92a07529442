from .pixel_head import GVPPixelHead

__all__ = ['GVPPixelHead']
