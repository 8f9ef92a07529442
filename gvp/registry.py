"""Child registries of mmpretrain's, scope ``gvp``.

Every registry of mmpretrain gets a ``gvp`` child of the same name, so that

* gvp configs (``default_scope = 'gvp'``) find gvp components by their plain
  name and everything of mmpretrain / mmengine through the parents;
* mmpretrain / mmseg / mmdet configs reach gvp components as
  ``type='gvp.<Name>'``: mmengine resolves a scope prefix by searching the
  root registry's descendants, and ours hang below mmpretrain's.

* mmpretrain's own API and tools (``mmpretrain.get_model``, the
  inferencers, ``tools/analysis_tools/*.py``), which build in scope
  ``mmpretrain``, find gvp components too: each is registered in the parent
  as well, under the same name, unless mmpretrain has a class of that name
  (``LN2d``): then gvp's stays in the child, reached in the ``gvp`` scope.

``locations=['gvp']``: importing the package registers everything, which is
what mmengine does lazily when a registry of scope ``gvp`` is first used.
"""
from mmengine.registry import Registry
from mmpretrain import registry as _mmpretrain

_NAMES = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS',
    'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'BATCH_AUGMENTS', 'TASK_UTILS',
    'METRICS', 'EVALUATORS', 'VISUALIZERS', 'VISBACKENDS'
]


class _SharedRegistry(Registry):
    """A gvp registry whose registrations reach mmpretrain's as well."""

    def _register_module(self, module, module_name=None, force=False):
        super()._register_module(module, module_name, force)
        names = module_name or module.__name__
        names = [names] if isinstance(names, str) else names
        for name in names:
            if name not in self.parent.module_dict:  # mmpretrain's first
                self.parent._register_module(module, name)


def _child(key: str) -> Registry:
    parent = getattr(_mmpretrain, key)
    registry = _SharedRegistry(
        parent.name, parent=parent, scope='gvp', locations=['gvp'])
    # mmengine 0.10.7 resolves ``'gvp.X'`` from another scope only among the
    # root registry's *direct* children (``Registry.get``), and ours hang one
    # level lower, below mmpretrain's. Linking them at the root as well makes
    # ``type='gvp.X'`` work from mmseg / mmdet configs; lookups inside the
    # gvp scope still fall back through mmpretrain (the real parent).
    root = parent._get_root_registry()
    if 'gvp' not in root.children:
        root._add_child(registry)
    return registry


RUNNERS = _child('RUNNERS')
RUNNER_CONSTRUCTORS = _child('RUNNER_CONSTRUCTORS')
LOOPS = _child('LOOPS')
HOOKS = _child('HOOKS')
LOG_PROCESSORS = _child('LOG_PROCESSORS')
OPTIMIZERS = _child('OPTIMIZERS')
OPTIM_WRAPPERS = _child('OPTIM_WRAPPERS')
OPTIM_WRAPPER_CONSTRUCTORS = _child('OPTIM_WRAPPER_CONSTRUCTORS')
PARAM_SCHEDULERS = _child('PARAM_SCHEDULERS')
DATASETS = _child('DATASETS')
DATA_SAMPLERS = _child('DATA_SAMPLERS')
TRANSFORMS = _child('TRANSFORMS')
MODELS = _child('MODELS')
MODEL_WRAPPERS = _child('MODEL_WRAPPERS')
WEIGHT_INITIALIZERS = _child('WEIGHT_INITIALIZERS')
BATCH_AUGMENTS = _child('BATCH_AUGMENTS')
TASK_UTILS = _child('TASK_UTILS')
METRICS = _child('METRICS')
EVALUATORS = _child('EVALUATORS')
VISUALIZERS = _child('VISUALIZERS')
VISBACKENDS = _child('VISBACKENDS')

__all__ = _NAMES
