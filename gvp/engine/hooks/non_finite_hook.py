"""Stop training at the first non-finite loss or gradient norm."""
import math

import torch
from mmengine.hooks import Hook

from gvp.registry import HOOKS
from gvp.utils.dist import any_rank
from gvp.utils.errors import NonFiniteError
from .safe_checkpoint_hook import RESUME_ADVICE, last_good_checkpoint


def _as_float(value):
    if torch.is_tensor(value):
        return float(value.detach().float().mean()) if value.numel() else 0.
    if isinstance(value, (int, float)):
        return float(value)
    return None


@HOOKS.register_module()
class NonFiniteCheckHook(Hook):
    """Raise :class:`~gvp.utils.errors.NonFiniteError` in the iteration whose
    loss (any logged loss term) or gradient norm is NaN or inf.

    It runs before the checkpoint hook (priority ``VERY_HIGH``), so the
    broken weights of that iteration are never saved and no older
    checkpoint is rotated away; the message names the iteration and the
    last good checkpoint. The verdict is shared by all ranks (one
    ``all_reduce`` of a flag), so every rank stops together.

    The gradient norm is checked where the optimizer wrapper computes it
    (``clip_grad`` set). With ``AmpOptimWrapper``'s dynamic loss scaling an
    inf/NaN gradient means a skipped step and a smaller scale, which is how
    AMP works, not a failure: gradient norms are then not checked (the loss
    still is).

    Args:
        check_grad_norm (bool): also check ``train/grad_norm``.
    """
    priority = 'VERY_HIGH'

    def __init__(self, check_grad_norm: bool = True):
        self.check_grad_norm = check_grad_norm
        self._grad_count = None  # entries of train/grad_norm already seen

    def _grad_norm_checked(self, runner) -> bool:
        if not self.check_grad_norm:
            return False
        wrapper = runner.optim_wrapper
        scaler = getattr(wrapper, 'loss_scaler', None)
        return scaler is None or not getattr(scaler, 'is_enabled',
                                             lambda: True)()

    def _new_grad_norm(self, runner):
        """``train/grad_norm`` if the optimizer wrapper wrote one since the
        last call (it does so only with ``clip_grad``), else ``None``."""
        if not self._grad_norm_checked(runner) or \
                'train/grad_norm' not in runner.message_hub.log_scalars:
            return None
        buf = runner.message_hub.get_scalar('train/grad_norm')
        count = len(buf.data[0])
        if count == self._grad_count:
            return None
        self._grad_count = count
        return float(buf.current())

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        bad = {}
        for key, value in (outputs or {}).items():
            v = _as_float(value)
            if v is not None and not math.isfinite(v):
                bad[key] = v
        norm = self._new_grad_norm(runner)
        if norm is not None and not math.isfinite(norm):
            bad['grad_norm'] = norm
        if not any_rank(bool(bad)):
            return
        what = ', '.join(f'{k}={v}' for k, v in bad.items()) or \
            'a non-finite value on another rank'
        raise NonFiniteError(
            f'iteration {runner.iter + 1}: {what}. Training stopped; '
            'nothing of this iteration was saved. Last good checkpoint: '
            f'{last_good_checkpoint(runner)}; {RESUME_ADVICE}, or '
            'clip gradients (optim_wrapper.clip_grad), or check the data '
            'for inf/NaN.')
