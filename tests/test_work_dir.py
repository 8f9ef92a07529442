"""A run owns its work dir: ``--fresh`` over an old run, the lock against a
second run, resume following ``last_checkpoint``."""
import os
import socket
import subprocess
import sys
import time

import pytest
import torch

from gvp.utils import ResumeError, resolve_resume
from gvp.utils.resume import runner_checkpoints
from gvp.utils.work_dir import LOCK, acquire_work_dir, release_work_dir


def _runner_ckpt(path, it):
    torch.save(dict(meta=dict(iter=it), state_dict={}, optimizer={}), path)


def test_fresh_over_an_old_run_cannot_resume_it(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    _runner_ckpt(work / 'iter_30.pth', 30)
    (work / 'last_checkpoint').write_text('iter_30.pth')
    logs = []
    assert resolve_resume(str(work), None, True, log=logs.append) is None
    assert runner_checkpoints(str(work)) == []
    assert not (work / 'last_checkpoint').exists()
    aside = [p for p in work.iterdir() if p.name.startswith('previous_run_')]
    assert len(aside) == 1 and (aside[0] / 'iter_30.pth').is_file()
    assert (aside[0] / 'last_checkpoint').is_file()  # nothing deleted
    assert str(aside[0]) in logs[0]
    # the fresh run saves; --auto-resume continues it, not the old one
    for it in (2, 4):
        _runner_ckpt(work / f'iter_{it}.pth', it)
    (work / 'last_checkpoint').write_text('iter_4.pth')
    assert resolve_resume(str(work), 'auto', False) == str(work / 'iter_4.pth')


def test_resume_follows_last_checkpoint_and_says_why(tmp_path):
    """An old higher-numbered file left in the work dir (copied back, or
    from before this fix) does not win over the run's own last save."""
    for it in (2, 4, 30):
        _runner_ckpt(tmp_path / f'iter_{it}.pth', it)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_4.pth'))
    logs = []
    path = resolve_resume(str(tmp_path), 'auto', False, log=logs.append)
    assert path == str(tmp_path / 'iter_4.pth')
    assert 'named by last_checkpoint' in logs[-1] and 'iter_30' in logs[-1]
    # last_checkpoint naming a broken file: the newest loadable, said so
    (tmp_path / 'iter_4.pth').write_bytes(b'')
    logs.clear()
    path = resolve_resume(str(tmp_path), 'auto', False, log=logs.append)
    assert path == str(tmp_path / 'iter_30.pth')
    assert 'iter_4.pth: empty file' in logs[0]
    assert 'the newest loadable one' in logs[-1]


HOLD = '''
import sys, time
from gvp.utils.work_dir import acquire_work_dir
acquire_work_dir(sys.argv[1])
print('held', flush=True)
time.sleep(60)
'''


def test_second_run_into_a_work_dir_in_use_is_refused(tmp_path, root):
    holder = subprocess.Popen([sys.executable, '-c', HOLD, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True, cwd=root)
    try:
        assert holder.stdout.readline().strip() == 'held'
        with pytest.raises(ResumeError) as e:
            acquire_work_dir(str(tmp_path))
        msg = str(e.value)
        assert f'pid {holder.pid} on host {socket.gethostname()}' in msg
        assert 'use another --work-dir' in msg and '\n' not in msg
    finally:
        holder.kill()
        holder.wait()
    # the holder died without releasing: its lock is stale and taken over
    logs = []
    lock = acquire_work_dir(str(tmp_path), log=logs.append)
    assert f'stale lock of pid {holder.pid}' in logs[0]
    assert open(lock).read().split()[0] == str(os.getpid())
    release_work_dir(lock)
    assert not (tmp_path / LOCK).exists()


def test_lock_of_another_host_is_not_taken(tmp_path):
    (tmp_path / LOCK).write_text(f'1 elsewhere-{time.time()} 2026-01-01\n')
    with pytest.raises(ResumeError, match='another host.*rm '):
        acquire_work_dir(str(tmp_path))
