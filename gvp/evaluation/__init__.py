from .lpips_distance import LPIPSDistance, build_lpips
from .reconstruction import evaluate_reconstruction

__all__ = ['LPIPSDistance', 'build_lpips', 'evaluate_reconstruction']
