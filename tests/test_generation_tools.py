"""The reconstruction tool and the training visualisation hook, end to end
on real Fashion-MNIST images (slow)."""
import json
import os
import sys
from glob import glob

import pytest
import torch
import torchvision
from gvp_testing import run_ok

pytestmark = pytest.mark.slow
DEMO = 'configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'


def _config(tmp_path, root, data_root, extra=''):
    cfg = tmp_path / 'small.py'
    cfg.write_text(f"""
_base_ = '{root}/{DEMO}'
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=64, num_layers=2,
                            num_heads=2, feedforward_channels=128)))
train_dataloader = dict(batch_size=16, num_workers=0,
                        persistent_workers=False,
                        dataset=dict(data_root='{data_root}'))
train_cfg = dict(max_iters=10)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=10))
{extra}""")
    return str(cfg)


def _run(root, *cmd):
    return run_ok(root, [sys.executable, *cmd])


def test_hook_writes_local_and_tensorboard_pictures(tmp_path, root,
                                                    fashion_mnist_subset):
    cfg = _config(tmp_path, root, fashion_mnist_subset, """
custom_hooks = [dict(type='GVPVisualizationHook', interval=5,
                     num_images=3)]
model = dict(generation=dict(num_groups=4))  # the hook draws this plan
visualizer = dict(vis_backends=[dict(type='LocalVisBackend'),
                                dict(type='TensorboardVisBackend')])
""")
    work = str(tmp_path / 'work')
    _run(root, 'tools/train.py', cfg, '--work-dir', work)
    from PIL import Image
    for step in (5, 10):
        for name in ('gvp_reconstruction', 'gvp_masks'):
            png = glob(f'{work}/*/vis_data/vis_image/{name}_{step}.png')
            assert png, f'{name} at {step} missing'
    img = Image.open(glob(f'{work}/*/vis_data/vis_image/'
                          'gvp_reconstruction_5.png')[0])
    # a title row (16 px) over 3 rows of 28 px images enlarged 4x to 112,
    # 4 columns, 2 px gaps
    assert img.size == (4 * 112 + 3 * 2, 16 + 3 * 112 + 3 * 2)
    masks = Image.open(glob(f'{work}/*/vis_data/vis_image/'
                            'gvp_masks_5.png')[0])
    assert masks.size == (2 * 50 * 4 + 4, 2 * 50 * 4 + 4)  # S + T = 50
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    events = glob(f'{work}/*/vis_data/events.out.tfevents.*')
    assert events
    acc = EventAccumulator(events[0])
    acc.Reload()
    assert {'gvp_reconstruction', 'gvp_masks'} <= set(acc.Tags()['images'])
    assert [e.step for e in acc.Images('gvp_reconstruction')] == [5, 10]


def test_reconstruct_tool_grid_errors_and_lpips(tmp_path, root,
                                                fashion_mnist_subset):
    cfg = _config(tmp_path, root, fashion_mnist_subset)
    work = str(tmp_path / 'work')
    _run(root, 'tools/train.py', cfg, '--work-dir', work)
    alex = tmp_path / 'alexnet.pth'
    torch.save(torchvision.models.alexnet().state_dict(), alex)
    out_dir = tmp_path / 'recon'
    out = _run(root, 'tools/analysis_tools/reconstruct.py', cfg,
               f'{work}/iter_10.pth', '--num-images', '32', '--num-groups',
               '4', '--grid-images', '4', '--lpips-backbone', str(alex),
               '--out-dir', str(out_dir))
    result = json.loads((out_dir / 'reconstruction.json').read_text())
    assert result['images'] == 32 and result['num_groups'] == 4
    for mode in ('one_shot', 'group_ar'):
        assert 0 < result[f'{mode}_mse'] < 1
        assert result[f'{mode}_lpips'] > 0
    assert result['one_shot_mse'] != result['group_ar_mse']
    assert os.path.getsize(out_dir / 'reconstruction.png') > 1000
    assert 'columns: original | visible | one-shot | group-AR)' in out
    # without backbone weights: a clear line, MSE still reported
    out = _run(root, 'tools/analysis_tools/reconstruct.py', cfg,
               f'{work}/iter_10.pth', '--num-images', '8', '--out-dir',
               str(out_dir))
    assert 'LPIPS skipped' in out and 'backbone_checkpoint=PATH' in out


def test_reconstruct_tool_scores_mae_on_the_same_plans(tmp_path, root,
                                                       fashion_mnist_subset):
    """``--mae-config/--mae-checkpoint``: MAE's column and ``mae_mse`` on
    the plans GVP's numbers come from (which it leaves as they were)."""
    cfg = _config(tmp_path, root, fashion_mnist_subset)
    work = str(tmp_path / 'work')
    _run(root, 'tools/train.py', cfg, '--work-dir', work)
    mae_cfg = tmp_path / 'mae.py'
    mae_cfg.write_text(f"""
_base_ = '{root}/configs/_base_/models/mae_vit-tiny-p4.py'
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=64, num_layers=2,
                            num_heads=2, feedforward_channels=128)),
    neck=dict(embed_dim=64, decoder_embed_dim=32, decoder_depth=1,
              decoder_num_heads=2))
""")
    from gvp.apis import get_model
    mae = tmp_path / 'mae.pth'
    torch.save({'state_dict': get_model(str(mae_cfg)).state_dict()}, mae)
    args = [cfg, f'{work}/iter_10.pth', '--num-images', '16',
            '--grid-images', '2']
    _run(root, 'tools/analysis_tools/reconstruct.py', *args, '--out-dir',
         str(tmp_path / 'gvp'))
    out = _run(root, 'tools/analysis_tools/reconstruct.py', *args,
               '--mae-config', str(mae_cfg), '--mae-checkpoint', str(mae),
               '--out-dir', str(tmp_path / 'both'))
    assert '| group-AR | MAE)' in out
    alone, both = (json.loads((tmp_path / d / 'reconstruction.json')
                              .read_text()) for d in ('gvp', 'both'))
    assert both['group_ar_mse'] == alone['group_ar_mse']
    assert 0 < both['mae_mse'] < 1 and both['mae_mse'] != alone['group_ar_mse']
    from PIL import Image
    wide = Image.open(tmp_path / 'both' / 'reconstruction.png').size[0]
    assert wide == 5 * 112 + 4 * 2  # a fifth column


def test_hook_stands_aside_for_other_models():
    """mmpretrain's vis_scheduler runs a config's hooks on a stand-in model
    (no head, no backbone): the hook warns and draws nothing."""
    from types import SimpleNamespace

    import torch

    from gvp.engine import GVPVisualizationHook
    warnings = []
    runner = SimpleNamespace(
        model=torch.nn.Linear(2, 2), iter=9,
        logger=SimpleNamespace(warning=warnings.append))
    hook = GVPVisualizationHook(interval=1)
    hook.before_train(runner)
    hook.after_train_iter(runner, 0)
    assert len(warnings) == 1 and 'not a GVP' in warnings[0]
