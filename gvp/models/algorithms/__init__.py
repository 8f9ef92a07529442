from .gvp import GVP

__all__ = ['GVP']
