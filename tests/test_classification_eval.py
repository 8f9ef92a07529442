"""Linear probe, fine-tune and the transfer tool (paper §5, table 2)."""
import json
import os
import pickle
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest
import torch
from gvp_testing import TINY_ARCH, run_ok, tiny_gvp
from mmengine.config import Config
from PIL import Image

from gvp.registry import MODELS

PROBE = ('configs/benchmarks/linear_probe/'
         'vit-tiny-p4_gvp-pre_1xb256-linear-coslr-10e_fashion-mnist.py')
FINETUNE = ('configs/benchmarks/fine_tune/'
            'vit-tiny-p4_gvp-pre_1xb64-coslr-10e_fashion-mnist.py')
FULL = [
    'configs/benchmarks/linear_probe/'
    'vit-base-p16_gvp-pre_8xb2048-linear-coslr-90e_in1k.py',
    'configs/benchmarks/fine_tune/'
    'vit-base-p16_gvp-pre_8xb128-coslr-100e_in1k.py',
]


@pytest.fixture
def backbone_ckpt(tmp_path, root):
    """A tiny GVP pretraining checkpoint through the converter."""
    model = MODELS.build(tiny_gvp(img_size=28))
    model.init_weights()
    torch.save({'state_dict': model.state_dict(), 'meta': {}},
               tmp_path / 'pre.pth')
    subprocess.run([sys.executable, 'tools/model_converters/gvp2vit.py',
                    str(tmp_path / 'pre.pth'), str(tmp_path / 'bb.pth')],
                   cwd=root, check=True, capture_output=True)
    return str(tmp_path / 'bb.pth'), model.state_dict()


def _small(tmp_path, root, base, data_root, ckpt, extra=''):
    cfg = tmp_path / 'small.py'
    # the probe's BatchNorm neck has the backbone's width
    neck = 'neck=dict(input_features=32),' if base == PROBE else ''
    cfg.write_text(f"""
_base_ = '{root}/{base}'
model = dict(backbone=dict(arch=dict(_delete_=True, **{TINY_ARCH}),
                           init_cfg=dict(checkpoint='{ckpt}')),
             {neck} head=dict(in_channels=32))
loader = dict(num_workers=0, persistent_workers=False,
              dataset=dict(data_root='{data_root}'))
train_dataloader = dict(batch_size=32, **loader)
val_dataloader = dict(batch_size=128, **loader)
test_dataloader = dict(batch_size=128, **loader)
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=4))
log_processor = dict(by_epoch=True)
{extra}""")
    return str(cfg)


def _train(root, cfg, work):
    return run_ok(root, [sys.executable, 'tools/train.py', cfg,
                         '--work-dir', work])


@pytest.mark.parametrize('path', FULL)
def test_full_recipes(path, root):
    cfg = Config.fromfile(os.path.join(root, path))
    assert cfg.default_scope == 'gvp'
    bb = cfg.model.backbone
    if 'linear' in path:
        assert bb.type == 'GVPProbeViT' and bb.probe_mask
        assert bb.frozen_stages >= 12  # all of ViT-B frozen
        assert cfg.model.neck.type == 'ClsBatchNormNeck'
        opt = cfg.optim_wrapper.optimizer
        assert opt.type == 'LARS' and opt.lr == pytest.approx(6.4)
        assert cfg.train_dataloader.batch_size * 8 == 16384
        assert cfg.train_cfg.max_epochs == 90
    else:
        assert bb.type == 'GVPFinetuneViT' and bb.drop_path_rate == 0.1
        assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.65
        aug = cfg.model.train_cfg.augments
        assert [(a.type, a.alpha) for a in aug] == [('Mixup', 0.8),
                                                    ('CutMix', 1.0)]
        assert cfg.model.head.loss.label_smooth_val == 0.1
        assert any(t.type == 'RandAugment' for t in cfg.train_pipeline)
        assert cfg.train_cfg.max_epochs == 100
    assert bb.init_cfg.type == 'Pretrained'


def test_probe_backbone_frozen_and_deterministic(tmp_path, root,
                                                 backbone_ckpt):
    ckpt, pre_state = backbone_ckpt
    cfg = Config.fromfile(_small(tmp_path, root, PROBE, '/nonexistent',
                                 ckpt))
    model = MODELS.build(cfg.model)
    model.init_weights()
    # the converter's weights reached the probe backbone
    torch.testing.assert_close(model.backbone.layers[1].attn.qkv.weight,
                               pre_state['backbone.layers.1.attn.qkv.weight'])
    x = torch.randn(6, 3, 28, 28)
    from mmpretrain.structures import DataSample
    samples = [DataSample().set_gt_label(i % 10) for i in range(6)]
    model.train()
    loss = model(x, samples, mode='loss')['loss']
    loss.backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert model.head.fc.weight.grad is not None
    model.eval()
    with torch.no_grad():
        a, b = model.extract_feat(x), model.extract_feat(x)
        masked = model.backbone(x)[0]
        model.backbone.probe_mask = False
        full = model.backbone(x)[0]
    assert torch.equal(a[0], b[0])
    assert not torch.allclose(masked, full, atol=1e-4)  # the switch works


@pytest.mark.slow
@pytest.mark.parametrize('which', ['probe', 'finetune'])
def test_configs_train_and_evaluate(which, tmp_path, root, backbone_ckpt,
                                    fashion_mnist_subset):
    ckpt, _ = backbone_ckpt
    base = PROBE if which == 'probe' else FINETUNE
    cfg = _small(tmp_path, root, base, fashion_mnist_subset, ckpt)
    work = str(tmp_path / 'work')
    out = _train(root, cfg, work)
    assert 'Epoch(train) [1][16/16]' in out  # 512 images / 32
    assert 'accuracy/top1' in out
    assert f'Load checkpoint from {ckpt}' in out or ckpt in out
    proc = subprocess.run([sys.executable, 'tools/test.py', cfg,
                           f'{work}/epoch_1.pth'], cwd=root,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and 'accuracy/top1' in proc.stdout + \
        proc.stderr


def _saver(rng):
    """``save(path, label)``: a JPEG with a learnable colour cue."""
    def save(path, label):
        a = rng.integers(0, 60, (40, 48, 3), dtype=np.uint8)
        a[:, :, label % 3] += 150
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(a).save(path, quality=95)
    return save


def _caltech(root, save):
    """Caltech101: meta/{train,test}.txt '<class>/<file> <label>'."""
    (root / 'caltech101' / 'meta').mkdir(parents=True)
    for split, n in (('train', 30), ('test', 12)):
        lines = [f'c{i % 3}/{split}{i}.jpg {i % 3}' for i in range(n)]
        for line in lines:
            rel, label = line.split()
            save(root / 'caltech101' / '101_ObjectCategories' / rel,
                 int(label))
        (root / 'caltech101' / 'meta' / f'{split}.txt').write_text(
            '\n'.join(lines) + '\n')


def _pets(root, save):
    """Oxford-IIIT Pet: annotations/{trainval,test}.txt 'name id species
    breed' (ids from 1), images/<name>.jpg."""
    (root / 'pets' / 'annotations').mkdir(parents=True)
    for split, n in (('trainval', 30), ('test', 12)):
        lines = [f'{split}_{i} {i % 3 + 1} 1 1' for i in range(n)]
        for i in range(n):
            save(root / 'pets' / 'images' / f'{split}_{i}.jpg', i % 3)
        (root / 'pets' / 'annotations' / f'{split}.txt').write_text(
            '\n'.join(lines) + '\n')


def _fixture_datasets(root):
    """Three of the nine datasets in their official layouts (as mmpretrain's
    Caltech101, DTD and OxfordIIITPet read them), a fourth in a wrong
    one."""
    import mat4py
    save = _saver(np.random.default_rng(0))
    _caltech(root, save)
    # DTD: imdb/imdb.mat (set 1 train, 2 val, 3 test; classes from 1)
    names, classes, sets = [], [], []
    for i in range(42):
        names.append(f'c{i % 3}/{i}.jpg')
        classes.append(i % 3 + 1)
        sets.append(3 if i >= 30 else 1 + i % 2)
        save(root / 'dtd' / 'images' / names[-1], i % 3)
    (root / 'dtd' / 'imdb').mkdir(parents=True)
    mat4py.savemat(str(root / 'dtd' / 'imdb' / 'imdb.mat'), {
        'images': dict(name=names, **{'class': classes}, set=sets)})
    _pets(root, save)
    # Flowers as ImageFolder: not what Flowers102 reads
    for c in range(3):
        save(root / 'flowers' / 'train' / f'class{c}' / '0.jpg', c)


def test_cifar_read_by_mmpretrain_from_python_batches(tmp_path):
    from mmpretrain.datasets import CIFAR10

    from gvp.evaluation.transfer_data import find_dataset
    cifar = tmp_path / 'cifar10' / 'cifar-10-batches-py'
    cifar.mkdir(parents=True)
    rng = np.random.default_rng(0)
    data = {}
    for name in [f'data_batch_{i}' for i in range(1, 6)] + ['test_batch']:
        data[name] = rng.integers(0, 255, (4, 3 * 32 * 32), dtype=np.uint8)
        with open(cifar / name, 'wb') as f:
            pickle.dump({'data': data[name], 'labels': [0, 1, 2, 3]}, f)
    # the fixture's files are not the real ones: only the md5 check is
    # skipped, the reading is mmpretrain's
    with mock.patch.object(CIFAR10, '_check_integrity', lambda self: True):
        train, test, layout = find_dataset(str(tmp_path), 'cifar10')
    assert layout == 'CIFAR10 (train/test)'
    assert len(train) == 20 and len(test) == 4
    first = data['data_batch_1'][0].reshape(3, 32, 32).transpose(1, 2, 0)
    assert np.array_equal(train[0][0], first) and train[1][1] == 1
    # without the check the real class refuses (no download here)
    train, _, why = find_dataset(str(tmp_path), 'cifar10')
    assert train is None and "mmpretrain's CIFAR10" in why


def test_transfer_tool_table(tmp_path, root):
    data = tmp_path / 'transfer'
    _fixture_datasets(data)
    cfg = tmp_path / 'probe.py'
    cfg.write_text(f"""
_base_ = '{root}/{PROBE}'
model = dict(backbone=dict(arch=dict(_delete_=True, **{TINY_ARCH}),
                           img_size=16, mask_generator=dict(num_groups=4)))
""")
    out_dir = tmp_path / 'out'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis_tools/transfer_linear.py',
         str(cfg), 'none', '--data-root', str(data), '--out-dir',
         str(out_dir)], cwd=root, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert 'skip cars: no folder' in out
    assert "skip flowers: " in out and "mmpretrain's Flowers102" in out
    result = json.loads((out_dir / 'transfer.json').read_text())['results']
    assert set(result) == {'caltech101', 'dtd', 'pets'}
    assert result['caltech101']['layout'] == 'Caltech101 (train/test)'
    assert result['dtd']['layout'] == 'DTD (trainval/test)'
    assert result['pets']['layout'] == 'OxfordIIITPet (trainval/test)'
    assert result['dtd']['train'] == 30 and result['dtd']['test'] == 12
    for r in result.values():  # the colour cue survives a random ViT
        assert r['top1'] > 60
    table = (out_dir / 'transfer.md').read_text()
    assert table.splitlines()[0] == '| caltech101 | dtd | pets | Avg |'
    avg = np.mean([r['top1'] for r in result.values()])
    assert f'{avg:.2f}' in table.splitlines()[2]
