"""NonFiniteCheckHook and SafeCheckpointHook's refusal, on a stub runner."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub

from gvp.engine import NonFiniteCheckHook, SafeCheckpointHook
from gvp.utils import NonFiniteError


def _runner(name, scaler=None, last_ckpt=None):
    hub = MessageHub.get_instance(name)
    if last_ckpt:
        hub.update_info('last_ckpt', last_ckpt)
    wrapper = SimpleNamespace()
    if scaler is not None:
        wrapper.loss_scaler = scaler
    return SimpleNamespace(message_hub=hub, optim_wrapper=wrapper, iter=6)


def test_finite_values_pass_and_nan_loss_stops():
    runner = _runner('nf1', last_ckpt='w/iter_5.pth')
    hook = NonFiniteCheckHook()
    hook.after_train_iter(runner, 0, outputs=dict(loss=torch.tensor(0.3)))
    with pytest.raises(NonFiniteError, match=r'iteration 7: loss_rec=inf.*'
                       'Last good checkpoint: w/iter_5.pth'):
        hook.after_train_iter(runner, 0, outputs=dict(
            loss=torch.tensor(0.3), loss_rec=torch.tensor(float('inf'))))


def test_grad_norm_checked_once_per_new_value():
    runner = _runner('nf2')
    hook = NonFiniteCheckHook()
    runner.message_hub.update_scalar('train/grad_norm', 1.0)
    hook.after_train_iter(runner, 0, outputs=dict(loss=torch.tensor(1.)))
    runner.message_hub.update_scalar('train/grad_norm', float('nan'))
    with pytest.raises(NonFiniteError, match='grad_norm=nan'):
        hook.after_train_iter(runner, 0, outputs=dict(loss=torch.tensor(1.)))


def test_amp_skipped_steps_are_not_failures():
    """With a dynamic loss scaler an inf gradient norm is a skipped step;
    a non-finite loss still stops."""
    scaler = SimpleNamespace(is_enabled=lambda: True)
    runner = _runner('nf3', scaler=scaler)
    hook = NonFiniteCheckHook()
    runner.message_hub.update_scalar('train/grad_norm', float('inf'))
    hook.after_train_iter(runner, 0, outputs=dict(loss=torch.tensor(1.)))
    with pytest.raises(NonFiniteError, match='loss=nan'):
        hook.after_train_iter(runner, 0,
                              outputs=dict(loss=torch.tensor(float('nan'))))


def test_checkpoint_with_non_finite_weights_is_refused():
    runner = _runner('nf4', last_ckpt='w/iter_10.pth')
    hook = SafeCheckpointHook(interval=1)
    good = dict(meta=dict(iter=11, epoch=0),
                state_dict={'a': torch.ones(2), 'n': torch.tensor([3])})
    hook.before_save_checkpoint(runner, good)
    bad = dict(meta=dict(iter=12, epoch=0),
               state_dict={'a': torch.tensor([1., float('nan')])})
    with pytest.raises(NonFiniteError, match='iteration 12.*weights a are '
                       'not finite.*Last good checkpoint: w/iter_10.pth'):
        hook.before_save_checkpoint(runner, bad)
