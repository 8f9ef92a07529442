"""GVP: Generative Visual Pretraining, an OpenMMLab 2.0 toolbox.

``import gvp`` registers every component in the ``gvp`` scope (child
registries of mmpretrain's) and applies the stack work-arounds of
:mod:`gvp.utils.compat`.
"""
from . import models  # noqa: F401  (registers components)
from .registry import MODELS  # noqa: F401
from .utils import trust_local_checkpoints
from .version import __version__

trust_local_checkpoints()

__all__ = ['__version__', 'MODELS']
