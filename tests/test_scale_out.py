"""FlexibleRunner strategies: FSDP over gloo on CPUs, DeepSpeed configs."""
import subprocess

import pytest
from gvp_testing import dist_env, logged_scalars
from mmengine.config import Config

from gvp.engine import wrap_transformer_layers

CFG = 'configs/gvp/gvp-p2p_vit-large-p16_32xb128-fsdp-coslr-200e_in1k.py'


def test_wrap_policy_finds_every_block(root):
    """FSDP units: every transformer block of ViT-L, nothing else."""
    from gvp.registry import MODELS
    cfg = Config.fromfile(f'{root}/{CFG}')
    assert cfg.runner_type == 'FlexibleRunner'
    assert cfg.strategy.type == 'FSDPStrategy'
    cfg.model.backbone.arch = dict(embed_dims=32, num_layers=24, num_heads=2,
                                   feedforward_channels=64)
    model = MODELS.build(cfg.model)
    units = [m for m in model.modules()
             if wrap_transformer_layers(m, recurse=False)]
    assert units == list(model.backbone.layers) and len(units) == 24
    assert model.backbone.with_cp
    ds = Config.fromfile(f'{root}/configs/gvp/gvp-p2p_vit-large-p16_32xb128-'
                         'deepspeed-zero2-coslr-200e_in1k.py')
    assert ds.strategy.type == 'DeepSpeedStrategy'
    assert ds.strategy.zero_optimization.stage == 2
    assert ds.optim_wrapper.type == 'DeepSpeedOptimWrapper'


def _tiny_run(data_root) -> str:
    """The override both runs share: ViT-Tiny-sized model, 3 iterations on
    the Fashion-MNIST subset."""
    return f"""
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=32, num_layers=2,
                            num_heads=2, feedforward_channels=64),
                  img_size=28, patch_size=4))
data_preprocessor = dict(mean=[72.94] * 3, std=[90.02] * 3)
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='CustomDataset',
                 data_root='{data_root}', ann_file='meta/train.txt',
                 data_prefix='train', with_label=True,
                 pipeline=[dict(type='LoadImageOrSkip'),
                           dict(type='Resize', scale=28),
                           dict(type='PackInputs')]))
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=3)
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                        begin=0, end=5)]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=3, by_epoch=False))
log_processor = dict(window_size=1, by_epoch=False)
custom_hooks = []
resume = False
"""


def _write_configs(tmp_path, root, common):
    """``(fsdp, ddp)`` config files: the FSDP config on CPU, and the same
    model and data as a plain DDP run."""
    fsdp = tmp_path / 'fsdp.py'
    fsdp.write_text(f"_base_ = '{root}/{CFG}'\n" + common + """
# CPU: no bf16 compute, parameters stay on the CPU, no GPU broadcast of
# the initial weights (both runs load the same ones)
strategy = dict(model_wrapper=dict(mixed_precision=None, device_id='cpu',
                                   sync_module_states=False))
""")
    ddp = tmp_path / 'ddp.py'
    ddp.write_text(f"_base_ = '{root}/{CFG}'\n" + common + """
runner_type = None
_base_strategy = None
""")
    text = ddp.read_text().replace("runner_type = None\n_base_strategy = "
                                   "None\n", '')
    ddp.write_text(text.replace(f"_base_ = '{root}/{CFG}'\n", f"""
_base_ = ['{root}/configs/_base_/models/gvp-p2p_vit-base-p16.py',
          '{root}/configs/_base_/datasets/imagenet_bs512_gvp.py',
          '{root}/configs/_base_/schedules/adamw_coslr-200e_gvp.py',
          '{root}/configs/_base_/default_runtime.py']
"""))
    return fsdp, ddp


@pytest.mark.slow
def test_fsdp_on_two_cpu_processes_matches_ddp(tmp_path, root,
                                               fashion_mnist_subset):
    """The FSDP config (ViT-Tiny override) trains on 2 gloo processes; its
    loss at iteration 1 equals the DDP run's."""
    fsdp, ddp = _write_configs(tmp_path, root,
                               _tiny_run(fashion_mnist_subset))
    # the same initial weights for both (the runners draw them at different
    # points of the random stream)
    import torch

    from gvp.apis import get_model
    init = str(tmp_path / 'init.pth')
    torch.save({'state_dict': get_model(str(fsdp)).state_dict()}, init)
    losses = {}
    for name, cfg in (('fsdp', fsdp), ('ddp', ddp)):
        work = str(tmp_path / name)
        proc = subprocess.run(
            ['bash', 'tools/dist_train.sh', str(cfg), '2', '--work-dir',
             work, '--cfg-options', f'load_from={init}'], cwd=root,
            capture_output=True, text=True, env=dist_env())
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
        losses[name] = [r['loss'] for r in logged_scalars(work)]
    assert len(losses['fsdp']) == 3
    assert losses['fsdp'][0] == pytest.approx(losses['ddp'][0], rel=1e-5)


@pytest.mark.parametrize('script, args, expected', [
    ('slurm_train.sh', ['p1', 'job', 'cfg.py', 'work', '--auto-resume'],
     ['tools/train.py', 'cfg.py', '--work-dir=work', '--launcher=slurm',
      '--auto-resume']),
    ('slurm_test.sh', ['p1', 'job', 'cfg.py', 'ck.pth', '--out', 'm.json'],
     ['tools/test.py', 'cfg.py', 'ck.pth', '--launcher=slurm', '--out',
      'm.json']),
])
def test_slurm_scripts_call_srun_as_mmpretrain(tmp_path, root, script, args,
                                               expected):
    """A stand-in ``srun`` records what the script asks slurm to run."""
    import os
    fake = tmp_path / 'srun'
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$SRUN_LOG"\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f'{tmp_path}:{os.environ["PATH"]}',
               SRUN_LOG=str(tmp_path / 'log'), GPUS='16', GPUS_PER_NODE='8')
    subprocess.run(['bash', f'tools/{script}', *args], cwd=root, env=env,
                   check=True, capture_output=True)
    argv = (tmp_path / 'log').read_text().split('\n')
    assert argv[:2] == ['-p', 'p1'] and '--ntasks=16' in argv
    assert '--gres=gpu:8' in argv and '--kill-on-bad-exit=1' in argv
    python = argv.index('-u')
    assert [a.replace(f'{root}/', '').replace('tools/../', '')
            for a in argv[python + 1:] if a] == expected
