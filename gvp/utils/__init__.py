from .compat import trust_local_checkpoints
from .dist import setup_cpu_distributed

__all__ = ['trust_local_checkpoints', 'setup_cpu_distributed']
