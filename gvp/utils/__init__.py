from .compat import apply_stack_fixes
from .dist import setup_cpu_distributed
from .errors import DataError, GVPError, NonFiniteError, ResumeError
from .preflight import check_data_paths
from .resume import check_load_from, check_runner_checkpoint, resolve_resume
from .safe_load import CheckpointError, load_checkpoint_file
from .tool_args import add_common_args, apply_common_args, parse_common

__all__ = [
    'apply_stack_fixes', 'setup_cpu_distributed', 'check_data_paths',
    'add_common_args', 'apply_common_args', 'parse_common', 'GVPError',
    'DataError', 'NonFiniteError', 'ResumeError', 'CheckpointError',
    'load_checkpoint_file', 'check_load_from', 'check_runner_checkpoint',
    'resolve_resume'
]
