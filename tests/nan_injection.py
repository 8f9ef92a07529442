"""A test hook: make the loss of iteration ``at`` non-finite (imported by
configs through ``custom_imports``)."""
import torch
from mmengine.hooks import Hook

from gvp.registry import HOOKS


@HOOKS.register_module()
class InjectNaNHook(Hook):
    """Before iteration ``at`` (1-based), set a weight to ``value``, so the
    forward pass of that iteration yields a non-finite loss."""

    def __init__(self, at: int, value: float = float('nan')):
        self.at = at
        self.value = value

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter + 1 == self.at:
            model = getattr(runner.model, 'module', runner.model)
            with torch.no_grad():
                model.head.predictor.bias.fill_(self.value)
