"""Data problems are found before the first step or skipped with a name."""
import os
import shutil

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image

from gvp.datasets import LoadImageOrSkip
from gvp.utils import DataError, check_data_paths

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = f'{ROOT}/configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'


def _data(tmp_path, n=8, size=28, mode='RGB'):
    """A tiny dataset in the demo's layout: n PNGs listed in an ann file."""
    root = tmp_path / 'data'
    (root / 'train' / 'a').mkdir(parents=True)
    (root / 'meta').mkdir()
    rng = np.random.default_rng(0)
    lines = []
    for i in range(n):
        shape = (size, size, 3) if mode == 'RGB' else (size, size)
        Image.fromarray(rng.integers(0, 255, shape, np.uint8), mode).save(
            root / 'train' / 'a' / f'{i}.png')
        lines.append(f'a/{i}.png 0')
    (root / 'meta' / 'train.txt').write_text('\n'.join(lines) + '\n')
    return root


def _runner(tmp_path, data_root, target=None, one_channel_preprocessor=False,
            max_iters=1, **backbone):
    cfg = Config.fromfile(DEMO)
    if one_channel_preprocessor:
        cfg.data_preprocessor.update(mean=[72.94], std=[90.02])
    cfg.model.backbone.arch = dict(embed_dims=32, num_layers=1, num_heads=2,
                                   feedforward_channels=64)
    cfg.model.backbone.update(backbone)
    cfg.model.target_generator.update(target or {})
    cfg.train_dataloader.update(batch_size=4, num_workers=0,
                                persistent_workers=False)
    cfg.train_dataloader.dataset.data_root = str(data_root)
    cfg.custom_hooks = []
    cfg.train_cfg.max_iters = max_iters
    cfg.work_dir = str(tmp_path / 'work')
    return Runner.from_cfg(cfg)


def test_missing_image_named_before_the_first_step(tmp_path):
    root = _data(tmp_path)
    os.remove(root / 'train' / 'a' / '3.png')
    with pytest.raises(DataError, match=r'1 of 8 images listed by train_data'
                       r'loader.dataset \(.*meta/train.txt\) do not exist, '
                       r'e.g. .*a/3.png'):
        _runner(tmp_path, root).train()
    assert not os.path.exists(tmp_path / 'work' / 'iter_1.pth')


def test_image_size_that_does_not_fit_the_backbone(tmp_path):
    root = _data(tmp_path)
    with pytest.raises(DataError, match='28x28 images but the two-stream '
                       'backbone was built for img_size 32x32.*'
                       'model.backbone.img_size=28'):
        _runner(tmp_path, root, img_size=32).train()


def test_channels_filled_from_the_backbone_and_a_stated_one_checked(
        tmp_path):
    root = _data(tmp_path)
    runner = _runner(tmp_path, root, in_channels=1,
                     one_channel_preprocessor=True)
    assert runner.model.target_generator.in_channels == 1  # filled in
    with pytest.raises(ValueError, match='model.target_generator.'
                       'in_channels=3 but the backbone gives 1: drop '
                       'model.target_generator.in_channels'):
        _runner(tmp_path, root, target=dict(in_channels=3), in_channels=1)


def test_channel_mismatch_with_the_data(tmp_path):
    root = _data(tmp_path)
    runner = _runner(tmp_path, root, target=dict(in_channels=1),
                     in_channels=1,
                     one_channel_preprocessor=True)
    with pytest.raises(DataError, match='3-channel images but the backbone '
                       'was built for 1'):
        runner.train()


def test_good_data_trains(tmp_path):
    _runner(tmp_path, _data(tmp_path)).train()
    assert os.path.exists(tmp_path / 'work' / 'iter_1.pth')


def test_empty_ann_file_refused(tmp_path):
    root = _data(tmp_path)
    (root / 'meta' / 'train.txt').write_text('\n')
    cfg = Config.fromfile(DEMO)
    cfg.train_dataloader.dataset.data_root = str(root)
    with pytest.raises(DataError, match='train.txt.* is empty'):
        check_data_paths(cfg)


def test_corrupt_image_skipped_named_counted_then_stops(tmp_path, caplog):
    root = _data(tmp_path, n=4)
    (root / 'train' / 'a' / '1.png').write_bytes(b'not a png')
    load = LoadImageOrSkip(max_bad_fraction=0.3, min_seen=4)
    results = [load(dict(img_path=str(root / 'train' / 'a' / f'{i}.png')))
               for i in range(4)]
    assert [r is None for r in results] == [False, True, False, False]
    assert (load.bad, load.seen) == (1, 4)
    # half of them bad: over the limit
    shutil.copy(root / 'train' / 'a' / '1.png', root / 'train' / 'a' / '2.png')
    load = LoadImageOrSkip(max_bad_fraction=0.3, min_seen=4)
    with pytest.raises(DataError, match=r'2 of 4 images failed to load .*'
                       'max_bad_fraction=0.3.*a/2.png'):
        for i in range(4):
            load(dict(img_path=str(root / 'train' / 'a' / f'{i}.png')))


def test_corrupt_image_during_training_is_skipped(tmp_path):
    root = _data(tmp_path)
    (root / 'train' / 'a' / '5.png').write_bytes(b'\x89PNG broken')
    runner = _runner(tmp_path, root, max_iters=2)
    runner.train()  # one epoch of 8 images: the bad one is met and skipped
    logs = open(runner.logger.log_file).read()
    assert 'skipping unreadable image' in logs and '5.png' in logs
