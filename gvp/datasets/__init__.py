from .test_time import build_test_pipeline, load_image, pack_images
from .token_cache import (LoadCachedView, ReplayFlip, ReplayResizedCrop,
                          TokenCache)
from .transforms import LoadImageOrSkip, ResizeCenterCrop

__all__ = [
    'LoadImageOrSkip', 'ResizeCenterCrop', 'build_test_pipeline', 'load_image',
    'pack_images', 'LoadCachedView', 'ReplayFlip', 'ReplayResizedCrop',
    'TokenCache'
]
