"""Bad input fails early with a message that names the fix."""
import gzip
import os

import pytest
import torch
from fashion_mnist import convert  # tools/dataset_converters (see conftest)
from mmengine.config import Config

from gvp.utils import (CheckpointError, check_data_paths,
                       check_runner_checkpoint)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = f'{ROOT}/configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'


def test_missing_dataset_folder_names_the_fix(tmp_path):
    cfg = Config.fromfile(DEMO)
    cfg.train_dataloader.dataset.data_root = str(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError, match='--cfg-options train_'
                       'dataloader.dataset.data_root=PATH') as e:
        check_data_paths(cfg)
    # the hint pasted (PATH filled in) fixes it
    import argparse

    from mmengine.config import DictAction
    data = tmp_path / 'data'
    convert('/usr/share/datasets/fashion-mnist', str(data), limit=8)
    option = str(e.value).rsplit('--cfg-options ', 1)[1].replace(
        'PATH', str(data))
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg.merge_from_dict(parser.parse_args(['--cfg-options',
                                           option]).cfg_options)
    check_data_paths(cfg)


def test_missing_ann_file_inside_a_wrapper(tmp_path):
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='RepeatDataset', times=2,
        dataset=dict(type='CustomDataset', data_root=str(tmp_path),
                     ann_file='meta/train.txt')))))
    with pytest.raises(FileNotFoundError, match='annotation file'):
        check_data_paths(cfg)
    (tmp_path / 'meta').mkdir()
    (tmp_path / 'meta' / 'train.txt').write_text('a.png 0\n')
    check_data_paths(cfg)  # now fine


def test_resume_from_bare_weights_is_refused(tmp_path):
    path = tmp_path / 'weights.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}}, path)
    with pytest.raises(CheckpointError, match='not a training checkpoint .*'
                       'load_from='):
        check_runner_checkpoint(str(path))
    runner_ckpt = tmp_path / 'iter_1.pth'
    torch.save({'meta': {}, 'state_dict': {}, 'optimizer': {}}, runner_ckpt)
    check_runner_checkpoint(str(runner_ckpt))


def _write_idx(folder, split_prefix, images, labels):
    import struct
    n, h, w = images.shape
    with gzip.open(folder / f'{split_prefix}-images-idx3-ubyte.gz', 'wb') as f:
        f.write(struct.pack('>IIII', 2051, n, h, w) + images.tobytes())
    with gzip.open(folder / f'{split_prefix}-labels-idx1-ubyte.gz', 'wb') as f:
        f.write(struct.pack('>II', 2049, n) + labels.tobytes())


def test_fashion_mnist_converter_on_idx_files(tmp_path):
    import numpy as np
    from PIL import Image
    src = tmp_path / 'src'
    src.mkdir()
    rng = np.random.default_rng(0)
    for prefix in ('train', 't10k'):
        _write_idx(src, prefix, rng.integers(0, 255, (5, 28, 28), np.uint8),
                   np.array([0, 1, 2, 9, 9], np.uint8))
    counts = convert(str(src), str(tmp_path / 'out'))
    assert counts == {'train': 5, 'val': 5}
    lines = (tmp_path / 'out' / 'meta' / 'val.txt').read_text().split('\n')
    assert lines[3] == 'Ankle_boot/00003.png 9'
    img = Image.open(tmp_path / 'out' / 'val' / 'Ankle_boot' / '00003.png')
    assert img.size == (28, 28)


def test_fashion_mnist_converter_corrupt_and_missing(tmp_path):
    import numpy as np
    src = tmp_path / 'src'
    src.mkdir()
    with pytest.raises(FileNotFoundError, match='apt-get install '
                       'dataset-fashion-mnist'):
        convert(str(src), str(tmp_path / 'out'))
    _write_idx(src, 'train', np.zeros((4, 28, 28), np.uint8),
               np.zeros(4, np.uint8))
    # truncate the image file: 4 images announced, 2 present
    with gzip.open(src / 'train-images-idx3-ubyte.gz', 'rb') as f:
        data = f.read()
    with gzip.open(src / 'train-images-idx3-ubyte.gz', 'wb') as f:
        f.write(data[:16 + 2 * 784])
    with pytest.raises(ValueError, match='truncated'):
        convert(str(src), str(tmp_path / 'out'))
    with gzip.open(src / 'train-images-idx3-ubyte.gz', 'wb') as f:
        f.write(b'\x00\x00\x08\x01' + data[4:])  # labels' magic
    with pytest.raises(ValueError, match='not an IDX file'):
        convert(str(src), str(tmp_path / 'out'))
