from .hooks import (DataCheckHook, NonFiniteCheckHook, RankHeartbeatHook,
                    SafeCheckpointHook)
from .optimizers import LayerDecayOptimWrapperConstructor
from .strategies import wrap_transformer_layers
from .visualization_hook import GVPVisualizationHook

__all__ = [
    'GVPVisualizationHook', 'LayerDecayOptimWrapperConstructor',
    'DataCheckHook', 'NonFiniteCheckHook', 'SafeCheckpointHook',
    'RankHeartbeatHook', 'wrap_transformer_layers'
]
