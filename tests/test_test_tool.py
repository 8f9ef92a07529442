"""tools/test.py (and dist_test.sh) evaluate a checkpoint correctly."""
import json
import subprocess
import sys

import pytest
import torch
from gvp_testing import TINY_ARCH, dist_env
from mmengine.config import Config

from gvp.registry import MODELS

pytestmark = pytest.mark.slow


def _config(tmp_path, root, data_root):
    cfg = tmp_path / 'cls.py'
    cfg.write_text(f"""
_base_ = ['{root}/configs/_base_/default_runtime.py']
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(num_classes=10, mean=[72.94] * 3,
                           std=[90.02] * 3),
    backbone=dict(type='GVPFinetuneViT', arch={TINY_ARCH!r}, img_size=28,
                  patch_size=4, out_type='cls_token'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=32))
test_dataloader = dict(
    batch_size=50, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CustomDataset', data_root='{data_root}',
                 ann_file='meta/val.txt', data_prefix='val',
                 pipeline=[dict(type='LoadImageFromFile'),
                           dict(type='PackInputs')]))
test_evaluator = dict(type='Accuracy', topk=(1, ))
test_cfg = dict()
""")
    return str(cfg)


def _expected_accuracy(cfg_path, ckpt):
    """Top-1 computed here, without the Runner, from the same weights."""
    from mmengine.dataset import default_collate
    from mmpretrain.registry import DATASETS
    cfg = Config.fromfile(cfg_path)
    model = MODELS.build(cfg.model)
    model.load_state_dict(torch.load(ckpt)['state_dict'])
    model.eval()
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    correct = 0
    with torch.no_grad():
        for i in range(0, len(dataset), 50):
            batch = default_collate(
                [dataset[j] for j in range(i, min(i + 50, len(dataset)))])
            data = model.data_preprocessor(batch, False)
            scores = model(data['inputs'], mode='tensor')
            labels = torch.stack([s.gt_label for s in data['data_samples']])
            correct += (scores.argmax(1) == labels.view(-1)).sum().item()
    return 100.0 * correct / len(dataset)


def test_test_tool_reports_the_checkpoints_accuracy(tmp_path, root,
                                                    fashion_mnist_subset):
    cfg = _config(tmp_path, root, fashion_mnist_subset)
    model = MODELS.build(Config.fromfile(cfg).model)
    model.init_weights()
    with torch.no_grad():  # a head that is not at chance on every class
        model.head.fc.weight.normal_(std=1.0)
    ckpt = str(tmp_path / 'cls.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    expected = _expected_accuracy(cfg, ckpt)

    out = tmp_path / 'metrics.json'
    proc = subprocess.run([
        sys.executable, 'tools/test.py', cfg, ckpt, '--work-dir',
        str(tmp_path / 'w'), '--out',
        str(out)
    ],
                          cwd=root,
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(out.read_text())['accuracy/top1']
    assert got == pytest.approx(expected, abs=1e-6)

    proc = subprocess.run([
        'bash', 'tools/dist_test.sh', cfg, ckpt, '2', '--work-dir',
        str(tmp_path / 'wd'), '--out',
        str(tmp_path / 'm2.json')
    ],
                          cwd=root,
                          capture_output=True,
                          text=True,
                          env=dist_env())
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    got2 = json.loads((tmp_path / 'm2.json').read_text())['accuracy/top1']
    assert got2 == pytest.approx(expected, abs=1e-6)


def test_test_tool_missing_checkpoint(tmp_path, root, fashion_mnist_subset):
    cfg = _config(tmp_path, root, fashion_mnist_subset)
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', cfg,
         str(tmp_path / 'none.pth')],
        cwd=root,
        capture_output=True,
        text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: checkpoint {tmp_path}/none.pth: no such file; check the path '
        'given to --resume, load_from or init_cfg.checkpoint')
