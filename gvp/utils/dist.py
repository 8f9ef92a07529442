"""Distributed runs: CPU launch, a process-group timeout, and errors that
end the whole job with one line.

mmengine 0.10.7's pytorch launcher calls ``torch.cuda.set_device`` before
``init_process_group`` and the Runner wraps the model in DDP with
``device_ids=[LOCAL_RANK]``; both fail on a machine with no GPU. When no GPU
is visible we start the gloo process group ourselves (the Runner then skips
its own init) and ask for DDP without ``device_ids``.

Timeout: torch waits 30 minutes for a collective by default, so one hung
rank stalls the job silently for half an hour. ``env_cfg.dist_cfg.timeout``
(seconds; :data:`DEFAULT_TIMEOUT_S` in our runtime config) bounds it; mmengine
passes it on for GPU launches, :func:`setup_cpu_distributed` for gloo. A
rank whose collective times out names the ranks whose heartbeat stopped
(:class:`Heartbeat`, started by :class:`~gvp.engine.hooks.RankHeartbeatHook`)
and exits non-zero; the launcher (torchrun) then stops the others.
"""
import atexit
import datetime
import sys
import threading
import time

import torch
import torch.distributed as dist

from .errors import GVPError

DEFAULT_TIMEOUT_S = 600
BEAT_KEY = 'gvp/heartbeat/{}'
_timeout_s = None  # the timeout this process's group was started with


def setup_cpu_distributed(cfg, launcher: str) -> bool:
    """Prepare ``cfg`` for a CPU run under ``launcher``; True if it did."""
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher != 'pytorch':
        raise ValueError(f'launcher {launcher!r} needs GPUs here; on CPUs use '
                         '--launcher pytorch (tools/dist_train.sh)')
    dist_cfg = cfg.env_cfg.setdefault('dist_cfg', {})
    global _timeout_s
    timeout = _timeout_s = dist_cfg.get('timeout', DEFAULT_TIMEOUT_S)
    if not dist.is_initialized():
        dist.init_process_group(
            backend='gloo', timeout=datetime.timedelta(seconds=timeout))
    dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True


class Heartbeat:
    """A daemon thread that writes ``"<beat> <iteration>"`` for this rank
    into the launcher's key-value store every ``interval`` seconds, over its
    own connection. A stopped (SIGSTOP), hung or dead process stops beating;
    :func:`stalled_ranks` names the ranks whose beat does not move.
    :meth:`stop` (also at interpreter exit) ends the thread and closes its
    connection before the process goes."""
    interval = 2.0

    def __init__(self):
        self.iteration = 0
        self._beat = 0
        self._stop = threading.Event()
        self._thread = None
        store = _client_store()
        if store is None:
            return
        self._store = store
        self._key = BEAT_KEY.format(dist.get_rank())
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name='gvp-heartbeat')
        self._thread.start()
        atexit.register(self.stop)

    def _run(self):
        while not self._stop.is_set():
            self._beat += 1
            try:
                self._store.set(self._key, f'{self._beat} {self.iteration}')
            except Exception:  # noqa: B902 (launcher gone: nothing to tell)
                break
            self._stop.wait(self.interval)
        self._store = None  # close the connection in this thread

    def stop(self):
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=5)


def any_rank(flag: bool) -> bool:
    """``flag`` of any rank (one ``all_reduce``; the flag itself outside a
    distributed run): ranks that must stop together agree on it."""
    if not (dist.is_available() and dist.is_initialized()):
        return flag
    t = torch.tensor([float(flag)])
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def _client_store():
    """A new client of the launcher's store (torchrun's agent store at
    MASTER_ADDR:MASTER_PORT), or ``None`` outside torchrun."""
    import os
    addr, port = os.environ.get('MASTER_ADDR'), os.environ.get('MASTER_PORT')
    if not (addr and port and os.environ.get('TORCHELASTIC_RUN_ID')):
        return None
    try:
        return dist.TCPStore(addr, int(port), is_master=False,
                             timeout=datetime.timedelta(seconds=10))
    except Exception:  # noqa: B902
        return None


def _read_beats(store, world):
    beats = {}
    for r in range(world):
        key = BEAT_KEY.format(r)
        beats[r] = store.get(key).decode().split() if store.check(
            [key]) else ['0', '0']
    return beats


def stalled_ranks() -> str:
    """The ranks whose heartbeat stopped (two reads, 2.5 beats apart)."""
    store = _client_store()
    if store is None:
        return 'another rank'
    try:
        world = dist.get_world_size()
        first = _read_beats(store, world)
        time.sleep(2.5 * Heartbeat.interval)
        second = _read_beats(store, world)
    except Exception:  # noqa: B902 (store gone with the launcher)
        return 'another rank'
    stalled = [f'rank {r} (last reported iteration {second[r][1]})'
               for r in range(world) if first[r][0] == second[r][0]]
    return ', '.join(stalled) if stalled else 'another rank'


def _is_timeout(e: BaseException) -> bool:
    text = str(e)
    return dist.is_available() and dist.is_initialized() and any(
        s in text for s in ('Timed out', 'timed out', 'Connection closed by '
                            'peer', 'Connection reset by peer', 'Timeout'))


def _last_line(e: BaseException) -> str:
    """A worker re-raises with the whole remote traceback in the message:
    keep its last line, without the exception's module path."""
    lines = [ln for ln in str(e).strip().splitlines() if ln.strip()]
    line = lines[-1] if lines else type(e).__name__
    name = type(e).__name__
    if f'{name}: ' in line:
        line = line.split(f'{name}: ', 1)[1]
    return line


def close_process_group() -> None:
    """Wait for every rank, then destroy the process group. Left to the
    interpreter's exit, gloo's worker threads can be torn down while still
    joinable and a rank that finished its work aborts ("terminate called
    without an active exception", exit -6), failing a run that succeeded."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def run_reporting_errors(main) -> None:
    """Run a tool's ``main``; a :class:`GVPError` or a distributed timeout
    becomes one line on stderr and exit status 1. After a ``main`` that
    returns, the process group is closed (:func:`close_process_group`)."""
    try:
        main()
        close_process_group()
    except KeyError as e:
        if 'registry' not in str(e) or 'is not in the' not in str(e):
            raise
        # mmengine's build error for a typo'd ``type=``: the line that
        # names it, without the traceback
        print(f'error: config: {str(e).strip(chr(34) + chr(39))[:300]}',
              file=sys.stderr, flush=True)
        sys.exit(1)
    except GVPError as e:
        where = f'rank {dist.get_rank()}: ' if dist.is_initialized() else ''
        print(f'error: {where}{_last_line(e)}', file=sys.stderr, flush=True)
        sys.exit(1)
    except RuntimeError as e:
        if not _is_timeout(e):
            raise
        where = f'rank {dist.get_rank()}'
        if 'by peer' in str(e):
            what = ('lost the connection to another rank: '
                    f'{stalled_ranks()} crashed or exited (see its log)')
        else:
            within = f' within {_timeout_s} s' if _timeout_s else ''
            what = (f'a collective operation got no answer{within}: '
                    f'{stalled_ranks()} hung or died')
        print(f'error: {where}: {what}; stopping the whole job '
              '(env_cfg.dist_cfg.timeout sets the wait). '
              f'[{_last_line(e)}]', file=sys.stderr, flush=True)
        sys.exit(1)
