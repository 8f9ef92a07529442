from .pictures import mask_picture, reconstruction_grid

__all__ = ['mask_picture', 'reconstruction_grid']
