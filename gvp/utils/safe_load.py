"""The one checkpoint loader: ``weights_only=True`` with a small allowlist.

Every path that reads a checkpoint (``--resume``, ``load_from``,
``init_cfg=dict(type='Pretrained')``, the tokenizer's ``checkpoint``,
``tools/model_converters``, the resume preflight) goes through
:func:`load_checkpoint_file`; ``import gvp`` registers it as mmengine's
loader for local paths, so mmengine's own calls use it too. Remote
checkpoints (``http(s)://``, and ``torchvision://``, ``open-mmlab://``,
``mmcls://``, which mmengine resolves to URLs) are downloaded into torch
hub's cache (``$TORCH_HOME/hub/checkpoints``, as torch names the files) by
:func:`load_url`, then read from there by the same safe loader.

A pickle can run arbitrary code while it is read. torch's ``weights_only``
unpickler builds only tensors, containers and the globals it is told are
safe. A runner checkpoint needs a few more (:data:`SAFE_GLOBALS`): mmengine's
``HistoryBuffer`` (the message hub's scalars) and numpy's array / dtype /
scalar reconstruction. Nothing on that list executes code from the file.

mmengine 0.10.7 also pickles ``HistoryBuffer._statistics_methods`` as
``getattr(HistoryBuffer, 'mean')`` etc. ``builtins.getattr`` is never
allowlisted (``getattr(os, 'system')`` is one step from a shell); instead
:func:`_history_buffer_method` stands in for it and resolves only a
registered statistics method of ``HistoryBuffer``. Checkpoints written by
this toolbox do not contain that call at all (:mod:`gvp.utils.compat`).

Unsafe loading (plain unpickling) is an explicit opt-in for the files you
name: ``--trust-checkpoint PATH`` on the tools or
``GVP_TRUST_CHECKPOINTS=PATH[:PATH...]``; it covers those files only, not
every file the process loads (``GVP_TRUST_CHECKPOINTS=1`` still trusts all,
said in the warning). Each such load prints a warning naming the file.
"""
import os
import os.path as osp
import pickle
import warnings
import zipfile
from typing import Any, Optional

import numpy as np
import torch

from .errors import GVPError

TRUST_ENV = 'GVP_TRUST_CHECKPOINTS'


def opt_in(path: str) -> str:
    """How to trust ``path`` (and only it)."""
    return (f'--trust-checkpoint {path} (tools/train.py, test.py, '
            f'converters) or {TRUST_ENV}={path}')


class CheckpointError(GVPError):
    """A checkpoint file that cannot be read: missing, empty, truncated, not
    a torch file, or refused by the safe loader. The message is one line
    that names the file and what to do."""


def _history_buffer_method(obj, name: str):
    """``getattr`` restricted to ``HistoryBuffer``'s statistics methods
    (what mmengine pickles for ``_statistics_methods``)."""
    from mmengine.logging import HistoryBuffer
    allowed = {'min', 'max', 'current', 'mean',
               *HistoryBuffer._statistics_methods}
    if obj is HistoryBuffer and name in allowed:
        return HistoryBuffer._statistics_methods.get(
            name, getattr(HistoryBuffer, name))
    raise pickle.UnpicklingError(
        f'getattr({getattr(obj, "__name__", type(obj).__name__)}, {name!r}) '
        'is not allowed (only HistoryBuffer statistics methods)')


def _safe_globals():
    from mmengine.logging import HistoryBuffer
    core = np._core if hasattr(np, '_core') else np.core
    out = [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        (core.multiarray._reconstruct,
         f'{core.__name__}.multiarray._reconstruct'),
        (core.multiarray.scalar, f'{core.__name__}.multiarray.scalar'),
        # numpy 1.x wrote these names; numpy 2 reads them too
        (core.multiarray._reconstruct, 'numpy.core.multiarray._reconstruct'),
        (core.multiarray.scalar, 'numpy.core.multiarray.scalar'),
        (_history_buffer_method, 'builtins.getattr'),
    ]
    # numpy >= 1.25 pickles dtypes as instances of numpy.dtypes.*DType
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        out += [getattr(dtypes, n) for n in dir(dtypes)
                if n.endswith('DType') and isinstance(getattr(dtypes, n),
                                                      type)]
    return out


SAFE_GLOBALS_DOC = ('mmengine HistoryBuffer, numpy ndarray/dtype/scalar '
                    'reconstruction')


def trusted_by_env(path: str) -> bool:
    """Whether ``GVP_TRUST_CHECKPOINTS`` names ``path`` (a list joined by
    ``os.pathsep``; ``1`` trusts every file)."""
    value = os.environ.get(TRUST_ENV, '')
    if value in ('', '0'):
        return False
    if value == '1':
        return True
    named = {osp.realpath(osp.expanduser(p)) for p in value.split(os.pathsep)
             if p}
    return osp.realpath(path) in named


def _check_file(path: str) -> None:
    if not osp.isfile(path):
        raise CheckpointError(
            f'checkpoint {path}: no such file; check the path given to '
            '--resume, load_from or init_cfg.checkpoint')
    size = osp.getsize(path)
    if size == 0:
        raise CheckpointError(
            f'checkpoint {path}: empty file (0 bytes), probably from an '
            'interrupted save; delete it and use an earlier checkpoint')
    if not zipfile.is_zipfile(path):
        with open(path, 'rb') as f:
            head = f.read(4)
        if head[:1] == b'\x80':
            return  # legacy (pre-1.6) torch format: torch.load reads it
        if head[:2] == b'PK':
            what = 'truncated or damaged (its zip index is missing)'
        else:
            what = 'not a torch checkpoint'
        raise CheckpointError(
            f'checkpoint {path}: {what} ({size} bytes); use another '
            'checkpoint or re-create this one')
    # torch.load does not check the CRC-32 that torch.save writes for each
    # record: flipped bits inside tensor data would load silently
    try:
        bad = zipfile.ZipFile(path).testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        bad = f'({_first_line(e)})'
    if bad:
        raise CheckpointError(
            f'checkpoint {path}: damaged, record {bad} fails its CRC-32 '
            'check (a bit flipped on disk or in transfer); use another '
            'checkpoint or copy this one again')


def non_finite_tensors(obj, prefix: str = '') -> list:
    """Dotted names of the floating tensors in ``obj`` (nested dicts, lists,
    tuples: weights, optimizer moments) that hold NaN or inf."""
    if torch.is_tensor(obj):
        if obj.is_floating_point() and obj.numel() and \
                not bool(torch.isfinite(obj).all()):
            return [prefix or '(the tensor)']
        return []
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return []
    out = []
    for key, value in items:
        out += non_finite_tensors(value, f'{prefix}.{key}' if prefix
                                  else str(key))
    return out


def _refuse_non_finite(path: str, ckpt: Any) -> Any:
    bad = non_finite_tensors(ckpt)
    if bad:
        more = f' and {len(bad) - 3} more' if len(bad) > 3 else ''
        raise CheckpointError(
            f'checkpoint {path}: {", ".join(bad[:3])}{more} hold NaN/inf '
            '(a diverged run saved by a tool that does not check); use an '
            'earlier checkpoint')
    return ckpt


def load_checkpoint_file(path: str,
                         map_location: Any = 'cpu',
                         trusted: Optional[bool] = None,
                         mmap: bool = False) -> Any:
    """Read a checkpoint safely.

    Args:
        path (str): a local file written by ``torch.save``.
        map_location: as ``torch.load``.
        trusted (bool, optional): unpickle without restrictions (runs any
            code the file holds). ``None``: the ``GVP_TRUST_CHECKPOINTS``
            environment variable decides.
        mmap (bool): map tensors instead of reading them (cheap look at
            keys).

    Raises:
        CheckpointError: one line naming the file, what is wrong with it
            and, for a refused pickle, how to opt in if the file is trusted.
    """
    path = osp.expanduser(str(path))
    _check_file(path)
    if trusted is None:
        trusted = trusted_by_env(path)
    if trusted:
        warnings.warn(
            f'loading {path} with full unpickling (trusted by '
            f'{TRUST_ENV} / --trust-checkpoint): it can run code',
            stacklevel=2)
        print(f'WARNING: unsafe load of {path} (trusted by opt-in)',
              flush=True)
        return _refuse_non_finite(path, _load(path, map_location, False,
                                              mmap))
    try:
        with torch.serialization.safe_globals(_safe_globals()):
            return _refuse_non_finite(path, _load(path, map_location, True,
                                                  mmap))
    except pickle.UnpicklingError as e:
        reason = _first_line(e)
        raise CheckpointError(
            f'checkpoint {path} refused by the safe loader: {reason}. It '
            'holds objects beyond tensors and the allowlisted types '
            f'({SAFE_GLOBALS_DOC}), and unpickling them can run code. If '
            f'you trust this file, load it with {opt_in(path)}.') from None


def load_url(url: str,
             model_dir: Optional[str] = None,
             map_location: Any = 'cpu',
             progress: bool = True,
             check_hash: bool = False,
             file_name: Optional[str] = None,
             **_) -> Any:
    """``torch.hub.load_state_dict_from_url`` through the safe loader: the
    same cache file (downloaded when missing), then
    :func:`load_checkpoint_file` (torch's own, as mmengine calls it,
    unpickles without the allowlist)."""
    from urllib.parse import urlparse

    from torch.hub import HASH_REGEX, download_url_to_file, get_dir
    model_dir = model_dir or osp.join(get_dir(), 'checkpoints')
    cached = osp.join(model_dir,
                      file_name or osp.basename(urlparse(url).path))
    if not osp.isfile(cached):
        os.makedirs(model_dir, exist_ok=True)
        match = HASH_REGEX.search(osp.basename(cached))
        try:
            download_url_to_file(url, cached, match and check_hash and
                                 match.group(1), progress=progress)
        except OSError as e:  # URLError is one
            raise CheckpointError(
                f'checkpoint {url}: cannot be downloaded ({e}); download it '
                f'by hand and pass the local path, or put it at {cached}'
            ) from None
    return load_checkpoint_file(cached, map_location=map_location)


def _load(path, map_location, weights_only, mmap):
    # torch maps only zip-format files; a legacy (pre-1.6) one is read
    mmap = mmap and zipfile.is_zipfile(path)
    try:
        return torch.load(path, map_location=map_location,
                          weights_only=weights_only, mmap=mmap)
    except pickle.UnpicklingError:
        raise
    except (RuntimeError, EOFError, ValueError, zipfile.BadZipFile,
            OSError) as e:
        raise CheckpointError(
            f'checkpoint {path}: cannot be read ({_first_line(e)}); it is '
            'probably truncated or damaged: use another checkpoint') from None


def _first_line(e: BaseException) -> str:
    """The informative line of an error: torch's weights-only refusal puts
    general advice first and the reason after it."""
    text = str(e)
    if 'WeightsUnpickler error:' in text:
        text = text.split('WeightsUnpickler error:', 1)[1]
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for ln in lines:
        if 'GLOBAL' in ln or 'reduce for' in ln or 'not allowed' in ln:
            return ln.split(' Please use ')[0].rstrip('.')
    return (lines[0] if lines else type(e).__name__).rstrip('.')
