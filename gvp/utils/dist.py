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
rank whose collective times out names the ranks that fell behind
(:class:`~gvp.engine.hooks.RankHeartbeatHook` records each rank's finished
iterations in the launcher's store) and exits non-zero, and the launcher
(torchrun) then stops the others.
"""
import datetime
import sys

import torch
import torch.distributed as dist

from .errors import GVPError

DEFAULT_TIMEOUT_S = 600
PROGRESS_KEY = 'gvp/progress/{}'
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


def _store():
    try:
        return dist.distributed_c10d._get_default_store()
    except Exception:  # noqa: B902 (no store: not launched by torchrun)
        return None


def record_progress(iteration: int) -> None:
    """This rank finished ``iteration`` (for :func:`stalled_ranks`)."""
    store = _store()
    if store is not None:
        store.set(PROGRESS_KEY.format(dist.get_rank()), str(iteration))


def stalled_ranks() -> str:
    """Which ranks are behind this one, from the recorded progress."""
    store = _store()
    if store is None:
        return 'another rank'
    progress = {}
    for r in range(dist.get_world_size()):
        key = PROGRESS_KEY.format(r)
        try:
            progress[r] = int(store.get(key)) if store.check([key]) else 0
        except Exception:  # noqa: B902 (store gone with the launcher)
            return 'another rank'
    mine = progress.get(dist.get_rank(), 0)
    behind = [f'rank {r} (finished iteration {it})'
              for r, it in progress.items() if it < mine]
    if not behind:
        return 'another rank (all reached iteration %d)' % mine
    return ', '.join(behind)


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


def run_reporting_errors(main) -> None:
    """Run a tool's ``main``; a :class:`GVPError` or a distributed timeout
    becomes one line on stderr and exit status 1."""
    try:
        main()
    except GVPError as e:
        where = f'rank {dist.get_rank()}: ' if dist.is_initialized() else ''
        print(f'error: {where}{_last_line(e)}', file=sys.stderr, flush=True)
        sys.exit(1)
    except RuntimeError as e:
        if not _is_timeout(e):
            raise
        where = f'rank {dist.get_rank()}'
        within = f' within {_timeout_s} s' if _timeout_s else ''
        print(f'error: {where}: a collective operation got no answer'
              f'{within}: '
              f'{stalled_ranks()} hung or died; stopping the whole job '
              f'(env_cfg.dist_cfg.timeout sets the wait). '
              f'[{_last_line(e)}]', file=sys.stderr, flush=True)
        sys.exit(1)
