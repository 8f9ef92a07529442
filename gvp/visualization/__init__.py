from .pictures import (image_grid, mask_picture, reconstruction_figure,
                       reconstruction_grid)

__all__ = ['image_grid', 'mask_picture', 'reconstruction_figure',
           'reconstruction_grid']
