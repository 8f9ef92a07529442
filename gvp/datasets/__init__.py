from .test_time import build_test_pipeline, load_image, pack_images
from .transforms import LoadImageOrSkip, ResizeCenterCrop

__all__ = [
    'LoadImageOrSkip', 'ResizeCenterCrop', 'build_test_pipeline', 'load_image',
    'pack_images'
]
