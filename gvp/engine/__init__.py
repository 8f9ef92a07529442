from .optimizers import LayerDecayOptimWrapperConstructor
from .visualization_hook import GVPVisualizationHook

__all__ = ['GVPVisualizationHook', 'LayerDecayOptimWrapperConstructor']
