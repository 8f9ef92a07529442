from .data_check_hook import DataCheckHook
from .heartbeat_hook import RankHeartbeatHook
from .non_finite_hook import NonFiniteCheckHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = [
    'DataCheckHook', 'NonFiniteCheckHook', 'RankHeartbeatHook',
    'SafeCheckpointHook'
]
