"""A hostile checkpoint behind a URL is refused by every loading path: the
file sits in torch hub's cache (``$TORCH_HOME/hub/checkpoints``), where a
download would have put it, so no network is needed."""
import os
import os.path as osp

import pytest
import torch
from gvp_testing import TINY_ARCH, tiny_backbone, tiny_gvp, write_malicious

from gvp.registry import MODELS
from gvp.utils import CheckpointError

DEMO = 'configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
URL = 'https://checkpoints.invalid/gvp/hostile-1a2b3c4d.pth'


@pytest.fixture
def hostile_url(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    cache = tmp_path / 'torch' / 'hub' / 'checkpoints'
    cache.mkdir(parents=True)
    marker = tmp_path / 'PWNED'
    write_malicious(cache / osp.basename(URL), marker)
    yield URL
    assert not marker.exists(), 'a checkpoint behind a URL ran code'


def mm_config(package, path):
    from mmengine.config import Config
    root = osp.join(osp.dirname(__import__(package).__file__), '.mim')
    return Config.fromfile(osp.join(root, path))


def loaders(url, root):
    """Every path of the issue, each a call that loads ``url``."""
    from mmengine.runner.checkpoint import CheckpointLoader, load_checkpoint

    import gvp.apis as api
    teacher = dict(type='VisionTransformer', arch=TINY_ARCH, img_size=16,
                   patch_size=2, out_type='featmap')

    def mmseg_init():
        from mmseg.apis import init_model
        init_model(mm_config('mmseg', 'configs/fcn/'
                             'fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
                   url, device='cpu')

    def mmdet_init():
        from mmdet.apis import init_detector
        init_detector(mm_config('mmdet', 'configs/retinanet/'
                                'retinanet_r18_fpn_1x_coco.py'), url,
                      device='cpu')

    def mmpretrain_get_model():
        import mmpretrain
        mmpretrain.get_model('resnet18_8xb32_in1k', pretrained=url)

    return {
        'CheckpointLoader': lambda: CheckpointLoader.load_checkpoint(url),
        'mmengine load_checkpoint':
        lambda: load_checkpoint(torch.nn.Linear(1, 1), url),
        'init_cfg Pretrained': lambda: MODELS.build(tiny_backbone(
            mode='finetune', init_cfg=dict(type='Pretrained',
                                           checkpoint=url))).init_weights(),
        'teacher checkpoint': lambda: MODELS.build(dict(
            tiny_gvp(), target_generator=dict(
                type='TeacherFeatureTarget', teacher=teacher,
                checkpoint=url, feat_dims=32,
                patch_size=4))).init_weights(),
        'gvp get_model': lambda: api.get_model(osp.join(root, DEMO),
                                               pretrained=url),
        'gvp FeatureExtractor':
        lambda: api.FeatureExtractor(osp.join(root, DEMO), pretrained=url),
        'mmpretrain get_model': mmpretrain_get_model,
        'mmseg init_model': mmseg_init,
        'mmdet init_detector': mmdet_init,
    }


def test_hostile_url_refused_by_every_path(hostile_url, root):
    for name, load in loaders(hostile_url, root).items():
        with pytest.raises(CheckpointError, match='refused by the safe '
                           'loader') as e:
            load()
        assert 'posix.system' in str(e.value), name
        assert '\n' not in str(e.value), name


def test_url_checkpoint_of_tensors_loads_from_the_cache(tmp_path,
                                                        monkeypatch):
    """The safe path still reads a legitimate cached download."""
    from mmengine.runner.checkpoint import load_checkpoint
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    os.makedirs(tmp_path / 'hub' / 'checkpoints')
    linear = torch.nn.Linear(2, 2)
    torch.save({'state_dict': linear.state_dict()},
               tmp_path / 'hub' / 'checkpoints' / 'good.pth')
    other = torch.nn.Linear(2, 2)
    load_checkpoint(other, 'https://checkpoints.invalid/x/good.pth')
    assert torch.equal(other.weight, linear.weight)


def test_unsafe_storage_schemes_are_refused():
    from mmengine.runner.checkpoint import CheckpointLoader
    for url in ('s3://bucket/x.pth', 'pavi://x/y.pth'):
        with pytest.raises(CheckpointError, match='copy the file to a local'):
            CheckpointLoader.load_checkpoint(url)
