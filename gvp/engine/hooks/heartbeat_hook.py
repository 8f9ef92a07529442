"""Each rank's progress, for naming a hung rank."""
import torch.distributed as dist
from mmengine.hooks import Hook

from gvp.registry import HOOKS
from gvp.utils.dist import record_progress


@HOOKS.register_module()
class RankHeartbeatHook(Hook):
    """Record in the launcher's key-value store the last iteration each rank
    finished (one small write per iteration, distributed runs only). When
    a collective times out, the rank that notices names the ranks that fell
    behind (:func:`gvp.utils.dist.run_reporting_errors`)."""
    priority = 'VERY_LOW'

    def before_train(self, runner) -> None:
        if dist.is_available() and dist.is_initialized():
            record_progress(runner.iter)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if dist.is_available() and dist.is_initialized():
            record_progress(runner.iter + 1)
