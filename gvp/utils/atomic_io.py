"""Files that are either complete or absent under their final name.

A checkpoint is written to a temporary file in the same folder, flushed and
fsynced, checked (its zip index must be readable), and only then renamed
over the final name with ``os.replace`` (atomic on POSIX); the folder is
fsynced so the rename survives a crash. A process killed at any point
leaves either the old file or the new one, plus at most a ``.tmp`` file
that the next save or resume ignores and the next run removes
(:func:`remove_stray_temporaries`). Files get the mode the umask gives (as
``open`` would), not ``mkstemp``'s 0600, so the others sharing a work dir
can read them. A write that fails for lack of space, a read-only folder or
permissions raises :class:`~gvp.utils.errors.GVPError` with one line: the
file, the size needed, the space free, the fix.
"""
import errno
import glob
import io
import os
import os.path as osp
import shutil
import tempfile
import zipfile
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from .errors import GVPError

ATOMIC_BACKEND = 'gvp_atomic_local'
TMP_SUFFIX = '.tmp'
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class WriteError(GVPError):
    """A file could not be written (space, read-only, permissions)."""


def _write_error(path: str, size: int, e: OSError) -> WriteError:
    folder = osp.dirname(osp.abspath(path))
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        free = shutil.disk_usage(folder).free
        return WriteError(
            f'no space left to write {path}: it needs {size / 2**20:.1f} '
            f'MiB, {free / 2**20:.1f} MiB are free in {folder}; free space '
            'or give another --work-dir, then resume (the previous '
            'checkpoint is kept)')
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return WriteError(
            f'cannot write {path}: {os.strerror(e.errno).lower()} ({folder}'
            '); give a writable --work-dir')
    return WriteError(f'cannot write {path}: {e.strerror or e}; the '
                      'previous file is kept')


def remove_stray_temporaries(folder: str) -> list:
    """Remove the ``*.tmp`` files :func:`atomic_write` leaves when killed
    mid-write (call it while holding the folder's run lock); return them."""
    stray = glob.glob(osp.join(glob.escape(folder), '*' + TMP_SUFFIX))
    for path in stray:
        os.remove(path)
    return stray


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str, data: Union[bytes, str],
                 verify_zip: bool = False) -> None:
    """Write ``data`` to ``path`` so that ``path`` is never incomplete."""
    path = str(path)
    folder = osp.dirname(osp.abspath(path))
    if isinstance(data, str):
        data = data.encode('utf-8')
    try:
        _write_replace(path, folder, data, verify_zip)
    except OSError as e:
        raise _write_error(path, len(data), e) from None
    _fsync_dir(folder)


def _write_replace(path, folder, data, verify_zip) -> None:
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=osp.basename(path) + '.',
                               suffix=TMP_SUFFIX, dir=folder)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if verify_zip and not zipfile.is_zipfile(tmp):
            raise OSError(f'checkpoint {path}: the written file does not '
                          'read back as a torch zip file (disk full?); the '
                          'previous file is kept')
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend whose writes are atomic; torch files
    (zip) are read back before they replace the old one."""

    def put(self, obj: bytes, filepath) -> None:
        head = bytes(obj[:2]) if not isinstance(obj, io.IOBase) else b''
        atomic_write(str(filepath), obj, verify_zip=head == b'PK')

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write(str(filepath), obj.encode(encoding))
