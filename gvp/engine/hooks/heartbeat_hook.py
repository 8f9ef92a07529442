"""Each rank's heartbeat, for naming a hung rank."""
import torch.distributed as dist
from mmengine.hooks import Hook

from gvp.registry import HOOKS
from gvp.utils.dist import Heartbeat


@HOOKS.register_module()
class RankHeartbeatHook(Hook):
    """In distributed runs, start a :class:`~gvp.utils.dist.Heartbeat`: a
    thread that writes this rank's beat counter and last finished iteration
    into the launcher's store every 2 s. When a collective times out, the
    rank that notices names the ranks whose beat stopped
    (:func:`gvp.utils.dist.run_reporting_errors`). Per iteration it only
    sets an attribute."""
    priority = 'VERY_LOW'

    def __init__(self):
        self.heartbeat = None

    def before_train(self, runner) -> None:
        if dist.is_available() and dist.is_initialized():
            self.heartbeat = Heartbeat()
            self.heartbeat.iteration = runner.iter

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if self.heartbeat is not None:
            self.heartbeat.iteration = runner.iter + 1

    def after_run(self, runner) -> None:
        if self.heartbeat is not None:
            self.heartbeat.stop()
