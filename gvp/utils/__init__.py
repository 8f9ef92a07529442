from .compat import trust_local_checkpoints
from .dist import setup_cpu_distributed
from .preflight import check_data_paths, check_resume_checkpoint
from .tool_args import add_common_args, apply_common_args, parse_common

__all__ = [
    'trust_local_checkpoints', 'setup_cpu_distributed', 'check_data_paths',
    'check_resume_checkpoint', 'add_common_args', 'apply_common_args',
    'parse_common'
]
