"""Distributed training without a GPU (``tools/dist_train.sh`` on CPUs).

mmengine 0.10.7's pytorch launcher calls ``torch.cuda.set_device`` before
``init_process_group`` and the Runner wraps the model in DDP with
``device_ids=[LOCAL_RANK]``; both fail on a machine with no GPU. When no GPU
is visible we start the gloo process group ourselves (the Runner then skips
its own init) and ask for DDP without ``device_ids``.
"""
import torch
import torch.distributed as dist


def setup_cpu_distributed(cfg, launcher: str) -> bool:
    """Prepare ``cfg`` for a CPU run under ``launcher``; True if it did."""
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher != 'pytorch':
        raise ValueError(f'launcher {launcher!r} needs GPUs here; on CPUs use '
                         '--launcher pytorch (tools/dist_train.sh)')
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True
