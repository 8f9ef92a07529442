"""Kill -9 a real training run at random moments, resume, repeat.

    python tests/kill_resume_driver.py CONFIG WORK_DIR MAX_ITERS KILLS SEED

Each training run is a child forked from this process after the stack is
imported (so a cycle costs a second, not the ~8 s of a fresh interpreter)
and runs ``tools/train.py --auto-resume`` exactly as a user would. The
parent waits for the child's first new checkpoint, sleeps a random time (so
kills land during steps and during saves), sends SIGKILL, then checks that
every file under a checkpoint's final name loads completely. Prints one
JSON line: per kill the newest checkpoint before the run and the one the
run resumed from, and the checkpoints after a last run that resumes and
finishes 10 iterations later without a kill.
"""
import json
import os
import random
import re
import runpy
import signal
import sys
import time
from glob import glob

import gvp  # noqa: F401  (import the stack once, before forking)
from gvp.utils import CheckpointError, load_checkpoint_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def complete_checkpoints(work):
    its = []
    for path in glob(f'{work}/iter_*.pth'):
        try:
            its.append(load_checkpoint_file(path)['meta']['iter'])
        except CheckpointError:
            if os.path.exists(path):
                raise  # an incomplete file under its final name
    return sorted(its)


def start(cfg, work, max_iters, log_path):
    pid = os.fork()
    if pid:
        return pid
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.argv = ['tools/train.py', cfg, '--work-dir', work, '--auto-resume',
                '--cfg-options', f'train_cfg.max_iters={max_iters}']
    code = 0
    try:
        runpy.run_path(f'{ROOT}/tools/train.py', run_name='__main__')
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:  # noqa: B902
        import traceback
        traceback.print_exc()
        code = 1
    import atexit
    atexit._run_exitfuncs()  # as an interpreter's exit: the run lock goes
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main():
    cfg, work, max_iters, kills, seed = sys.argv[1:6]
    max_iters, kills = int(max_iters), int(kills)
    rng = random.Random(int(seed))
    os.chdir(ROOT)
    rows = []
    for k in range(kills):
        before = complete_checkpoints(work)
        log = f'{work}.run{k}.log'
        pid = start(cfg, work, max_iters, log)
        deadline = time.time() + 120
        while time.time() < deadline:
            if os.waitpid(pid, os.WNOHANG)[0]:
                raise SystemExit(f'run {k} ended before it was killed: '
                                 f'{open(log).read()[-2000:]}')
            now = complete_checkpoints(work)
            if now and now[-1] > (before[-1] if before else 0):
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.5))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        after = complete_checkpoints(work)
        m = re.search(r'resuming from .*iter_(\d+)\.pth', open(log).read())
        rows.append(dict(before=before[-1] if before else None,
                         resumed=int(m.group(1)) if m else None,
                         after=after[-1] if after else None))
    # finish: 10 more iterations without a kill (the schedule of the test
    # config does not depend on max_iters)
    last = complete_checkpoints(work)[-1]
    pid = start(cfg, work, last + 10, f'{work}.final.log')
    _, status = os.waitpid(pid, 0)
    print(json.dumps(dict(kills=rows, exit=os.waitstatus_to_exitcode(status),
                          expected_final=last + 10,
                          final=complete_checkpoints(work))))


if __name__ == '__main__':
    main()
