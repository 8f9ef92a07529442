"""A generic dependency queue: jobs run in their own processes, ``at_once``
at a time, each when what it needs is done and its slot is free; results
of finished work first (evaluations before new pretrainings). A failed
job's dependents never become ready, so the rest still runs and the queue
ends with the failures named."""
import os
import subprocess
import time
from typing import Dict, List

from .paths import ROOT


class Running:
    """A job's process and its log."""

    def __init__(self, job, root, env):
        os.makedirs(job.folder(root), exist_ok=True)
        self.job, self.start = job, time.time()
        self.log = open(os.path.join(job.folder(root), f'{job.name}.log'),
                        'a')
        print(f'start {job} -> {self.log.name}', flush=True)
        self.proc = subprocess.Popen(job.command(root), cwd=ROOT, env=env,
                                     stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def finish(self, root) -> bool:
        """Close the log; on success the job's own bookkeeping."""
        self.log.close()
        if self.proc.returncode:
            print(f'FAILED {self.job}: see {self.log.name}', flush=True)
            return False
        self.job.finished(root, time.time() - self.start)
        print(f'done {self.job}', flush=True)
        return True


def next_job(queue: List, running: Dict, root):
    """The first ready job whose slot is free, evaluations first."""
    busy = {r.job.slot() for r in running.values()}
    ready = [j for j in queue if j.slot() not in busy and j.ready(root)]
    ready.sort(key=lambda j: j.kind in ('pretrain', 'tokenizer'))
    return ready[0] if ready else None


def run_queue(jobs: List, root: str, at_once: int = 2, threads: int = 1,
              dry_run: bool = False) -> int:
    """Run every job of ``jobs`` that is not done; 1 if any failed."""
    queue = [j for j in jobs if not j.done(root)]
    print(f'{len(queue)} jobs to do ({at_once} at a time, {threads} '
          'thread(s) each)', flush=True)
    if dry_run:
        for job in queue:
            print(' ', job)
        return 0
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), PYTHONPATH=ROOT)
    running: Dict[int, Running] = {}
    failed = []
    while queue or running:
        ended = [p for p, r in running.items() if r.proc.poll() is not None]
        for pid in ended:
            run = running.pop(pid)
            if not run.finish(root):
                failed.append(run.job)
        job = next_job(queue, running, root) \
            if len(running) < at_once else None
        if job is not None:
            queue.remove(job)
            run = Running(job, root, env)
            running[run.proc.pid] = run
            continue
        if not running:
            break  # what is left waits on a failed job
        time.sleep(5)
    for job in failed:
        print(f'failed: {job}')
    return 1 if failed else 0
