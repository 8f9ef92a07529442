"""tools/train.py and tools/dist_train.sh on the demo config (slow)."""
import glob
import os
import subprocess
import sys

import pytest
import torch
from gvp_testing import dist_env, logged_scalars, run_ok

pytestmark = pytest.mark.slow
DEMO = 'configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'


def _small_demo(tmp_path, root, data_root):
    """The demo config with a narrower, shallower ViT and a data slice."""
    cfg = tmp_path / 'demo_small.py'
    cfg.write_text(f"""
_base_ = '{root}/{DEMO}'
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=64, num_layers=2,
                            num_heads=2,
                            feedforward_channels=128)))
train_dataloader = dict(batch_size=32, num_workers=0,
                        persistent_workers=False,
                        dataset=dict(data_root='{data_root}'))
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                        begin=0, end=5),
                   dict(type='CosineAnnealingLR', T_max=100, by_epoch=False,
                        begin=5, end=105)]
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=10))
""")
    return str(cfg)


def _train(root, cfg, work_dir, *extra):
    return run_ok(root, [sys.executable, 'tools/train.py', cfg,
                         '--work-dir', work_dir, *extra])


def test_train_loss_falls_checkpoint_and_resume(tmp_path, root,
                                                fashion_mnist_subset):
    cfg = _small_demo(tmp_path, root, fashion_mnist_subset)
    work = str(tmp_path / 'work')
    out = _train(root, cfg, work, '--cfg-options', 'train_cfg.max_iters=40')
    assert f'checkpoint: {work}/iter_40.pth' in out
    losses = [r['loss'] for r in logged_scalars(work)]
    assert len(losses) == 8
    assert sum(losses[-2:]) / 2 < 0.8 * sum(losses[:2]) / 2, losses

    # resume (auto: the work dir's last checkpoint) and run 10 more
    out = _train(root, cfg, work, '--resume', '--cfg-options',
                 'train_cfg.max_iters=50')
    assert 'resumed epoch: 0, iter: 40' in out
    iters = [r['iter'] for r in logged_scalars(work)]
    assert iters[8:] == [45, 50]  # continued, not restarted
    final = torch.load(f'{work}/iter_50.pth', map_location='cpu',
                       weights_only=False)
    assert final['meta']['iter'] == 50
    steps = {int(s['step']) for s in final['optimizer']['state'].values()}
    assert steps == {50}  # AdamW moments carried over from the 40 steps
    # warm-up ended at step 4 (end=5); the cosine counts from its begin=5:
    # 45 steps means it continued (a restart would stand at 10 - 5)
    sched = final['param_schedulers']
    assert [s['last_step'] for s in sched] == [4, 45]

    # resume from an explicit path: starts from that checkpoint's counter
    out = _train(root, cfg, str(tmp_path / 'work2'), '--resume',
                 f'{work}/iter_40.pth', '--cfg-options',
                 'train_cfg.max_iters=45')
    assert 'resumed epoch: 0, iter: 40' in out


def test_tensorboard_gets_the_pictures_and_the_log_no_paramwise_lines(
        tmp_path, root, fashion_mnist_subset):
    pytest.importorskip('tensorboard')  # an extra (bash tools/install.sh)
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    cfg = _small_demo(tmp_path, root, fashion_mnist_subset)
    work = str(tmp_path / 'tb')
    _train(root, cfg, work, '--vis-backend', 'tensorboard', '--cfg-options',
           'train_cfg.max_iters=10', 'custom_hooks.0.interval=5')
    events = glob.glob(f'{work}/*/vis_data/events.out.tfevents.*')
    assert len(events) == 1
    tb = EventAccumulator(events[0])
    tb.Reload()
    assert {'gvp_reconstruction', 'gvp_masks'} <= set(tb.Tags()['images'])
    assert 'loss' in tb.Tags()['scalars']
    assert logged_scalars(work)  # the local backend still writes
    log = open(glob.glob(f'{work}/*/*.log')[0]).read()
    assert 'paramwise_options --' not in log
    assert 'paramwise_cfg applied per parameter' in log


def test_dist_train_two_cpu_processes(tmp_path, root, fashion_mnist_subset):
    cfg = _small_demo(tmp_path, root, fashion_mnist_subset)
    work = str(tmp_path / 'dist')
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work,
         '--cfg-options', 'train_cfg.max_iters=10'],
        cwd=root, capture_output=True, text=True, env=dist_env())
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'Distributed launcher: pytorch' in log
    assert "'backend': 'gloo'" in log or 'backend=gloo' in log or \
        'World size: 2' in log
    assert os.path.isfile(f'{work}/iter_10.pth')
    assert log.count('checkpoint: ') == 1  # rank 0 reports


@pytest.mark.parametrize('args, says', [
    (['no/such/config.py'], 'error: config no/such/config.py: no such '
     'file nor model-index name; give a config path'),
    ([DEMO, '--vis-backend', 'wandb'], 'error: --vis-backend wandb needs '
     'wandb'),
    ([DEMO, '--amp'], "error: --amp: mixed precision (mmengine's "
     'AmpOptimWrapper) needs a CUDA GPU'),
    ([DEMO, '--cfg-options', 'model.backbone.type=GVPViTT'],
     'GVPViTT is not in the'),
    ([DEMO, '--cfg-options', 'model.head.embed_dims=48'],
     'error: config configs/gvp/gvp-p2p_vit-tiny'),
])
def test_bad_invocations_get_one_line(tmp_path, root, args, says):
    if '--amp' in args and torch.cuda.is_available():
        pytest.skip('--amp is valid on a GPU')
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', *args, '--work-dir',
         str(tmp_path / 'w')], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith('error: ') and says in lines[-1], \
        proc.stderr[-1500:]
    assert 'Traceback' not in proc.stderr
