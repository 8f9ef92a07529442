"""GVP: Generative Visual Pretraining, an OpenMMLab 2.0 toolbox.

``import gvp`` registers every component in the ``gvp`` scope (child
registries of mmpretrain's) and applies the stack work-arounds of
:mod:`gvp.utils.compat` (checkpoints load with ``weights_only=True`` and
an allowlist: :mod:`gvp.utils.safe_load`). It also puts gvp's components
and model index into mmpretrain's registries and ``ModelHub``, so that
mmpretrain's own API and tools take gvp configs and model names.
"""
from mmpretrain.utils import register_all_modules

# Parent registries are searched without importing their lazy ``locations``:
# import all of mmpretrain so that gvp-scope configs find its components.
register_all_modules(init_default_scope=False)

from . import datasets, engine, models  # noqa: F401,E402  (registers)
from .apis.model_index import register_with_mmpretrain  # noqa: E402
from .registry import MODELS  # noqa: F401,E402
from .utils import apply_stack_fixes  # noqa: E402
from .version import __version__  # noqa: E402

apply_stack_fixes()
register_with_mmpretrain()  # mmpretrain.list_models / get_model see gvp's

__all__ = ['__version__', 'MODELS']
