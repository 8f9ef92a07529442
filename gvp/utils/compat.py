"""Work-arounds for the pinned stack (docs/design.md, "stack traps"), each in
one place. Applied on ``import gvp`` by :func:`apply_stack_fixes`.

* mmengine 0.10.7 calls ``torch.load(path)`` without ``weights_only``, so
  which loader runs depends on torch's default; :func:`use_safe_loader`
  registers :func:`gvp.utils.safe_load.load_checkpoint_file` as mmengine's
  loader for local paths: ``--resume``, ``load_from`` and ``Pretrained``
  all load with ``weights_only=True`` and the allowlist (unsafe loading is
  an explicit opt-in, see :mod:`gvp.utils.safe_load`). Its URL loader
  (``http(s)://``; ``torchvision://``, ``open-mmlab://``, ``mmcls://``
  become URLs and reach it too) calls ``torch.hub.load_state_dict_from_url``
  which unpickles without the allowlist: the module's ``load_url`` is
  replaced by :func:`gvp.utils.safe_load.load_url` (download into the same
  cache, then the safe loader). ``s3://`` / ``petrel://`` and ``pavi://``
  call ``torch.load`` on what they fetch: those schemes are refused, with
  the advice to fetch the file and pass its path.
* mmengine's ``HistoryBuffer.__getstate__`` puts its statistics methods
  (plain functions) into every pickle, written as
  ``getattr(HistoryBuffer, 'mean')``: a checkpoint then needs ``getattr``
  to load. :func:`pickle_history_buffers_without_methods` drops them from
  the pickled state when they are mmengine's defaults
  (``__setstate__`` re-creates those), so our checkpoints load with the
  allowlist alone.
* With ``ATEN_CPU_CAPABILITY=default`` torch 2.14's inductor still emits
  ``at::vec::Vectorized`` code for some tiled CPU kernels, then compiles it
  without the vector ISA, which fails (``'at::vec' has not been declared``):
  :func:`inductor_vector_isa_under_default_capability` pins inductor's
  ``cpp.simdlen`` to the widest ISA this CPU has, so compiled code
  vectorises as it would without the variable (eager kernels stay
  ``default``).
"""
import os

from mmengine.logging import HistoryBuffer
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

from .safe_load import CheckpointError, load_checkpoint_file, load_url

_DEFAULT_STATS = ('min', 'max', 'current', 'mean')
_original_getstate = HistoryBuffer.__getstate__


def _load_local(filename, map_location=None):
    return load_checkpoint_file(filename, map_location=map_location)


def _refuse_unsafe_scheme(filename, map_location=None, **_):
    raise CheckpointError(
        f'checkpoint {filename}: this storage scheme is read with plain '
        'unpickling by mmengine, which can run code; copy the file to a '
        'local path and pass that path')


def use_safe_loader() -> None:
    """Every mmengine checkpoint scheme through the safe loader
    (idempotent)."""
    CheckpointLoader.register_scheme(prefixes='', loader=_load_local,
                                     force=True)
    mmengine_checkpoint.load_url = load_url
    CheckpointLoader.register_scheme(
        prefixes=['pavi://', r'(\S+\:)?s3://', r'(\S+\:)?petrel://'],
        loader=_refuse_unsafe_scheme, force=True)


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


def inductor_vector_isa_under_default_capability() -> None:
    if os.environ.get('ATEN_CPU_CAPABILITY') != 'default':
        return
    import torch._inductor.config as inductor_config
    from torch._inductor.cpu_vec_isa import valid_vec_isa_list
    valid = valid_vec_isa_list()
    if valid and inductor_config.cpp.simdlen is None:
        inductor_config.cpp.simdlen = valid[0].bit_width()


def apply_stack_fixes() -> None:
    use_safe_loader()
    pickle_history_buffers_without_methods()
    inductor_vector_isa_under_default_capability()
