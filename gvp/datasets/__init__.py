from .transforms import LoadImageOrSkip

__all__ = ['LoadImageOrSkip']
