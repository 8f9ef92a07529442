"""mmseg UperNet and mmdet Mask R-CNN on the GVP backbone, end to end on the
tiny ADE20K / COCO fixtures (slow)."""
import os
import subprocess
import sys

import pytest
import torch
from gvp_testing import dist_env
from gvp_testing import run_ok as _run

pytestmark = pytest.mark.slow
SEG = ('configs/benchmarks/upernet/'
       'vit-tiny-p8_gvp-pre_upernet_1xb4-300i_ade20k-fixture-64x64.py')
DET = ('configs/benchmarks/mask_rcnn/vit-tiny-p16_gvp-pre_mask-rcnn_'
       'simplefpn_1xb4-300i_coco-fixture-128x128.py')


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope='module')
def fixtures(tmp_path_factory):
    """The two datasets and a converted tiny GVP checkpoint per patch size."""
    sys.path.insert(0, os.path.join(ROOT, 'tools', 'misc'))
    from dense_fixtures import write_ade20k, write_coco, write_tiny_checkpoint
    out = tmp_path_factory.mktemp('dense')
    write_ade20k(str(out / 'ade'))
    write_coco(str(out / 'coco'))
    ckpts = {p: write_tiny_checkpoint(str(out / f'p{p}.pth'), p, size)
             for p, size in ((8, 64), (16, 128))}
    return out, ckpts


def _options(which, fixtures, iters=4, checkpoint=None):
    """``--cfg-options`` for the fixture data, a tiny checkpoint (or
    ``checkpoint``) and ``iters`` iterations, as ``key=value`` strings."""
    out, ckpts = fixtures
    root = f'{out}/ade' if which == 'seg' else f'{out}/coco/'
    opts = {f'{split}_dataloader.dataset.data_root': root
            for split in ('train', 'val', 'test')}
    if which == 'det':
        ann = f'{root}annotations/instances_train2017.json'
        opts.update({'val_evaluator.ann_file': ann,
                     'test_evaluator.ann_file': ann})
    opts.update({
        'model.backbone.init_cfg.checkpoint':
        checkpoint or ckpts[8 if which == 'seg' else 16],
        'train_cfg.max_iters': iters,
        'train_cfg.val_interval': iters,
        'default_hooks.checkpoint.interval': iters,
    })
    return [f'{k}={v}' for k, v in opts.items()]


METRICS = {'seg': ('mIoU:', ), 'det': ('coco/bbox_mAP:', 'coco/segm_mAP:')}


@pytest.mark.parametrize('which', ['seg', 'det'])
def test_train_and_test_with_the_real_metrics(which, fixtures, root,
                                              tmp_path):
    cfg = SEG if which == 'seg' else DET
    work = str(tmp_path / 'work')
    out = _run(root, [sys.executable, 'tools/train.py', cfg, '--work-dir',
                      work, '--cfg-options', *_options(which, fixtures)])
    for metric in METRICS[which]:
        assert metric in out, metric
    assert 'Load checkpoint from' in out or 'Loads checkpoint' in out
    out = _run(root, [sys.executable, 'tools/test.py', cfg,
                      f'{work}/iter_4.pth', '--cfg-options',
                      *_options(which, fixtures)])
    for metric in METRICS[which]:
        assert metric in out, metric


@pytest.mark.parametrize('which', ['seg', 'det'])
def test_pretrained_weights_reach_the_dense_backbone(which, fixtures, root):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    cfg = Config.fromfile(os.path.join(root, SEG if which == 'seg' else DET))
    cfg.model.backbone.init_cfg.checkpoint = fixtures[1][
        8 if which == 'seg' else 16]
    scope = 'mmseg' if which == 'seg' else 'mmdet'
    init_default_scope(scope)
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    model = registry.build(cfg.model)
    model.init_weights()
    ckpt = torch.load(cfg.model.backbone.init_cfg.checkpoint)['state_dict']
    for key in ('patch_embed.projection.weight', 'layers.2.attn.qkv.weight',
                'layers.3.ffn.layers.1.bias'):
        torch.testing.assert_close(model.backbone.state_dict()[key],
                                   ckpt[key], msg=key)


def test_key_mismatch_is_reported(fixtures, root, tmp_path):
    _, ckpts = fixtures
    state = torch.load(ckpts[8])['state_dict']
    del state['layers.1.attn.qkv.weight']
    state['layers.0.attn.proj.weight'] = torch.zeros(3, 3)
    bad = str(tmp_path / 'bad.pth')
    torch.save({'state_dict': state}, bad)
    options = _options('seg', fixtures, iters=1, checkpoint=bad)
    proc = subprocess.run([sys.executable, 'tools/train.py', SEG,
                           '--work-dir', str(tmp_path / 'w'),
                           '--cfg-options', *options], cwd=root,
                          capture_output=True, text=True)
    # refused before the first step, not trained on a partial load
    assert proc.returncode == 1, proc.stderr[-3000:]
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith('error: ') and 'does not fit the backbone' in line
    assert 'missing keys (1): layers.1.attn.qkv.weight' in line
    assert 'layers.0.attn.proj.weight: file (3, 3)' in line
    assert not os.path.exists(tmp_path / 'w' / 'iter_1.pth')


@pytest.mark.parametrize('which', ['seg', 'det'])
def test_dist_train_two_cpu_processes(which, fixtures, root, tmp_path):
    cfg = SEG if which == 'seg' else DET
    work = str(tmp_path / 'dist')
    out = _run(root, ['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir',
                      work, '--cfg-options', *_options(which, fixtures)],
               env=dist_env())
    assert os.path.isfile(f'{work}/iter_4.pth')
    for metric in METRICS[which]:
        assert metric in out, metric
