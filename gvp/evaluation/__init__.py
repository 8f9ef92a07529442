from .lpips_distance import LPIPSDistance, build_lpips
from .mae_reconstruction import mae_column, mae_reconstruct
from .reconstruction import evaluate_reconstruction

__all__ = [
    'LPIPSDistance', 'build_lpips', 'evaluate_reconstruction', 'mae_column',
    'mae_reconstruct'
]
