"""Work-arounds for the pinned stack (docs/design.md, "stack traps"), each in
one place. Applied on ``import gvp`` by :func:`apply_stack_fixes`.

* mmengine 0.10.7 calls ``torch.load(path)`` without ``weights_only``, so
  which loader runs depends on torch's default; :func:`use_safe_loader`
  registers :func:`gvp.utils.safe_load.load_checkpoint_file` as mmengine's
  loader for local paths: ``--resume``, ``load_from`` and ``Pretrained``
  all load with ``weights_only=True`` and the allowlist (unsafe loading is
  an explicit opt-in, see :mod:`gvp.utils.safe_load`).
* mmengine's ``HistoryBuffer.__getstate__`` puts its statistics methods
  (plain functions) into every pickle, written as
  ``getattr(HistoryBuffer, 'mean')``: a checkpoint then needs ``getattr``
  to load. :func:`pickle_history_buffers_without_methods` drops them from
  the pickled state when they are mmengine's defaults
  (``__setstate__`` re-creates those), so our checkpoints load with the
  allowlist alone.
"""
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from .safe_load import load_checkpoint_file

_DEFAULT_STATS = ('min', 'max', 'current', 'mean')
_original_getstate = HistoryBuffer.__getstate__


def _load_local(filename, map_location=None):
    return load_checkpoint_file(filename, map_location=map_location)


def use_safe_loader() -> None:
    """Register the safe local-path loader in mmengine (idempotent)."""
    CheckpointLoader.register_scheme(prefixes='', loader=_load_local,
                                     force=True)


def _getstate_without_default_methods(self) -> dict:
    methods = type(self)._statistics_methods
    if set(methods) <= set(_DEFAULT_STATS):
        return {k: v for k, v in self.__dict__.items()
                if k != 'statistics_methods'}
    # user-registered statistics: keep mmengine's behaviour (needs a
    # trusted load, as before)
    return _original_getstate(self)


def pickle_history_buffers_without_methods() -> None:
    HistoryBuffer.__getstate__ = _getstate_without_default_methods


def apply_stack_fixes() -> None:
    use_safe_loader()
    pickle_history_buffers_without_methods()
