"""Files that are either complete or absent under their final name.

A checkpoint is written to a temporary file in the same folder, flushed and
fsynced, checked (its zip index must be readable), and only then renamed
over the final name with ``os.replace`` (atomic on POSIX); the folder is
fsynced so the rename survives a crash. A process killed at any point
leaves either the old file or the new one, plus at most a ``.tmp`` file
that the next save or resume ignores.
"""
import io
import os
import os.path as osp
import tempfile
import zipfile
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

ATOMIC_BACKEND = 'gvp_atomic_local'
TMP_SUFFIX = '.tmp'


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
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode('utf-8')
    fd, tmp = tempfile.mkstemp(prefix=osp.basename(path) + '.',
                               suffix=TMP_SUFFIX, dir=folder)
    try:
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
    _fsync_dir(folder)


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend whose writes are atomic; torch files
    (zip) are read back before they replace the old one."""

    def put(self, obj: bytes, filepath) -> None:
        head = bytes(obj[:2]) if not isinstance(obj, io.IOBase) else b''
        atomic_write(str(filepath), obj, verify_zip=head == b'PK')

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write(str(filepath), obj.encode(encoding))
