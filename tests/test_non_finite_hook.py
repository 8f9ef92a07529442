"""NonFiniteCheckHook and SafeCheckpointHook's refusal, on a stub runner."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub

from gvp.engine import NonFiniteCheckHook, SafeCheckpointHook
from gvp.utils import NonFiniteError


def _runner(name, scaler=None, work_dir='no-such-dir', saved=()):
    """A stub runner whose work dir holds runner checkpoints ``saved``."""
    hub = MessageHub.get_instance(name)
    for it in saved:
        torch.save(dict(meta=dict(iter=it), state_dict={}, optimizer={}),
                   f'{work_dir}/iter_{it}.pth')
    wrapper = SimpleNamespace()
    if scaler is not None:
        wrapper.loss_scaler = scaler
    return SimpleNamespace(message_hub=hub, optim_wrapper=wrapper, iter=6,
                           work_dir=str(work_dir))


def test_finite_values_pass_and_nan_loss_stops(tmp_path):
    runner = _runner('nf1', work_dir=tmp_path, saved=(5, ))
    hook = NonFiniteCheckHook()
    hook.after_train_iter(runner, 0, outputs=dict(loss=torch.tensor(0.3)))
    with pytest.raises(NonFiniteError, match=r'iteration 7: loss_rec=inf.*'
                       f'Last good checkpoint: {tmp_path}/iter_5.pth; '
                       'resume from it with a lower lr: tools/train.py '
                       'CONFIG --resume --reset-lr'):
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


def test_last_good_checkpoint_is_read_from_disk(tmp_path):
    """After a resume the message hub remembers the checkpoint of another
    time (rotated away, or of the folder a run was copied from): the
    message names the file that exists."""
    runner = _runner('nf5', work_dir=tmp_path, saved=(10, 15))
    runner.message_hub.update_info('last_ckpt', '/elsewhere/iter_5.pth')
    (tmp_path / 'last_checkpoint').write_text('iter_15.pth')
    with pytest.raises(NonFiniteError, match='Last good checkpoint: '
                       f'{tmp_path}/iter_15.pth'):
        NonFiniteCheckHook().after_train_iter(
            runner, 0, outputs=dict(loss=torch.tensor(float('nan'))))
    (tmp_path / 'iter_15.pth').write_bytes(b'')  # damaged since
    with pytest.raises(NonFiniteError, match='Last good checkpoint: '
                       f'{tmp_path}/iter_10.pth'):
        NonFiniteCheckHook().after_train_iter(
            runner, 0, outputs=dict(loss=torch.tensor(float('nan'))))


def test_checkpoint_with_non_finite_weights_is_refused(tmp_path):
    runner = _runner('nf4', work_dir=tmp_path, saved=(10, ))
    hook = SafeCheckpointHook(interval=1)
    good = dict(meta=dict(iter=11, epoch=0),
                state_dict={'a': torch.ones(2), 'n': torch.tensor([3])})
    hook.before_save_checkpoint(runner, good)
    bad = dict(meta=dict(iter=12, epoch=0),
               state_dict={'a': torch.tensor([1., float('nan')])})
    with pytest.raises(NonFiniteError, match='iteration 12.*weights a are '
                       'not finite.*Last good checkpoint: '
                       f'{tmp_path}/iter_10.pth'):
        hook.before_save_checkpoint(runner, bad)
    # optimizer state too (lr=1000: finite weights, inf exp_avg_sq)
    moments = dict(meta=dict(iter=13, epoch=0), state_dict={
        'a': torch.ones(2)}, optimizer={'state': {0: {
            'exp_avg_sq': torch.tensor([float('inf')])}}})
    with pytest.raises(NonFiniteError, match='optimizer.state.0.exp_avg_sq'):
        hook.before_save_checkpoint(runner, moments)
