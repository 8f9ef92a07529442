from .prediction_head import GVPHead

__all__ = ['GVPHead']
