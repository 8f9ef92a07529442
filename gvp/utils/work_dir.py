"""A run owns its work dir: one lock per work dir, and ``--fresh`` moves an
earlier run's checkpoints aside so that nothing of it can be resumed by
accident.

The lock is ``WORK_DIR/.gvp_run.lock``, created exclusively (``O_EXCL``) by
rank 0 and holding ``pid host start-time``. A second run into the same work
dir is refused naming the holder; a lock left by a process of this host
that no longer runs is stale and taken over (said in one line). A lock of
another host cannot be checked from here: it is refused with the command
that removes it.
"""
import atexit
import os
import os.path as osp
import shutil
import socket
import tempfile
import time
from typing import Callable, List

from .errors import ResumeError

LOCK = '.gvp_run.lock'


def is_rank_zero() -> bool:
    """Rank 0 of a torchrun / slurm job (or a single process)."""
    return os.environ.get('RANK', os.environ.get('SLURM_PROCID', '0')) == '0'


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, another user's
    return True


def _holder(path: str) -> List[str]:
    try:
        with open(path) as f:
            return f.read().split()
    except OSError:
        return []


def _create(path: str) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, 'w') as f:
        f.write(f'{os.getpid()} {socket.gethostname()} '
                f'{time.strftime("%Y-%m-%dT%H:%M:%S")}\n')
    return True


def acquire_work_dir(work_dir: str, log: Callable = print) -> str:
    """Take the work dir's lock for this process (released at exit); return
    the lock's path.

    Raises:
        ResumeError: another live run holds it (named by pid and host).
    """
    path = osp.join(work_dir, LOCK)
    try:
        os.makedirs(work_dir, exist_ok=True)
        created = _create(path)
    except OSError as e:  # read-only, no permission, no space
        raise ResumeError(
            f'work dir {osp.abspath(work_dir)} cannot be written '
            f'({e.strerror or e}): give a writable --work-dir') from None
    if not created:
        pid, host, since = (_holder(path) + ['?', '?', '?'])[:3]
        here = host == socket.gethostname()
        if here and pid.isdigit() and not _alive(int(pid)):
            log(f'work dir {work_dir}: taking over the stale lock of pid '
                f'{pid} (no longer running)')
            os.remove(path)
            return acquire_work_dir(work_dir, log)
        where = '' if here else ' (another host: its process cannot be ' \
            'checked from here)'
        raise ResumeError(
            f'work dir {osp.abspath(work_dir)} is in use by the run of pid '
            f'{pid} on host {host} since {since}{where}: wait for it to '
            'end, use another --work-dir, or if that run is gone, rm '
            f'{osp.abspath(path)}')
    atexit.register(release_work_dir, path)
    return path


def release_work_dir(path: str) -> None:
    """Remove the lock if this process still holds it."""
    if _holder(path)[:1] == [str(os.getpid())]:
        os.remove(path)


def move_previous_run(work_dir: str, checkpoints: List[str],
                      log: Callable = print) -> str:
    """``--fresh``: move ``checkpoints`` and ``last_checkpoint`` of the
    earlier run into ``WORK_DIR/previous_run_<time>/``; return that folder.
    Nothing is deleted."""
    aside = tempfile.mkdtemp(
        prefix=time.strftime('previous_run_%Y%m%d_%H%M%S_'), dir=work_dir)
    last = osp.join(work_dir, 'last_checkpoint')
    for path in checkpoints + ([last] if osp.isfile(last) else []):
        shutil.move(path, osp.join(aside, osp.basename(path)))
    log(f'--fresh: moved the earlier run\'s {len(checkpoints)} '
        f'checkpoint(s) to {aside}')
    return aside
