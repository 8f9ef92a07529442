from .compat import trust_local_checkpoints
from .dist import setup_cpu_distributed
from .preflight import check_data_paths, check_resume_checkpoint

__all__ = [
    'trust_local_checkpoints', 'setup_cpu_distributed', 'check_data_paths',
    'check_resume_checkpoint'
]
