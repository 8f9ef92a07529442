"""mmpretrain's own API and tools on a gvp config and checkpoint, as an
mmpretrain user calls them: ``mmpretrain.list_models / get_model /
FeatureExtractor / ImageClassificationInferencer`` after ``import gvp``, and
each of mmpretrain's scripts through ``tools/mmpretrain_tool.py``."""
import glob
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.slow
FINETUNE = ('configs/benchmarks/fine_tune/'
            'vit-tiny-p4_gvp-pre_1xb64-coslr-10e_fashion-mnist.py')


@pytest.fixture(scope='module')
def classifier(tmp_path_factory, fashion_mnist_subset):
    """A small fine-tune config on the data slice, and a checkpoint of it
    saved as the Runner saves one (dataset_meta with the classes)."""
    from mmengine.config import Config

    from gvp.apis import get_model
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    tmp = tmp_path_factory.mktemp('mmpretrain_tools')
    cfg = tmp / 'ft.py'
    loader = (f"dict(num_workers=0, persistent_workers=False, batch_size=32, "
              f"dataset=dict(data_root='{fashion_mnist_subset}/'))")
    cfg.write_text(f"""
_base_ = '{root}/{FINETUNE}'
model = dict(backbone=dict(arch=dict(_delete_=True, embed_dims=32,
    num_layers=2, num_heads=2, feedforward_channels=64), init_cfg=None),
    head=dict(in_channels=32))
train_dataloader = {loader}
val_dataloader = {loader}
test_dataloader = {loader}
""")
    model = get_model(str(cfg))
    ckpt = tmp / 'ft.pth'
    classes = Config.fromfile(str(cfg)).classes
    torch.save({'state_dict': model.state_dict(),
                'meta': dict(dataset_meta=dict(classes=list(classes)))},
               ckpt)
    return str(cfg), str(ckpt), tmp


def mm_tool(root, name, *args):
    proc = subprocess.run([sys.executable, 'tools/mmpretrain_tool.py', name,
                           *map(str, args)], cwd=root, capture_output=True,
                          text=True)
    assert proc.returncode == 0, (name, (proc.stdout + proc.stderr)[-3000:])
    return proc.stdout + proc.stderr


def test_mmpretrain_api_takes_gvp_configs(classifier):
    import mmpretrain

    import gvp  # noqa: F401
    cfg, ckpt, _ = classifier
    assert 'gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist' in \
        mmpretrain.list_models('gvp*')
    model = mmpretrain.get_model(cfg, pretrained=ckpt)
    assert type(model.backbone).__name__ == 'GVPFinetuneViT'
    image = np.random.default_rng(0).integers(0, 255, (28, 28, 3), np.uint8)
    result = mmpretrain.ImageClassificationInferencer(cfg, ckpt)(image)[0]
    from gvp.apis import get_config
    assert result['pred_class'] in get_config(cfg).classes
    feats = mmpretrain.FeatureExtractor(cfg, ckpt)(image)[0]
    assert feats[0].shape == (32, )
    # the gvp-built model goes into mmpretrain's inferencer as well
    from gvp.apis import get_model
    ours = get_model(cfg, pretrained=ckpt)
    assert mmpretrain.ImageClassificationInferencer(ours)(image)[0][
        'pred_class'] == result['pred_class']


def test_the_config_names_the_converters_classes(classifier):
    from fashion_mnist import CLASSES

    from gvp.apis import get_config
    assert tuple(get_config(classifier[0]).classes) == CLASSES


def test_mmpretrain_analysis_tools(classifier, root):
    cfg, ckpt, tmp = classifier
    assert 'Flops:' in mm_tool(root, 'get_flops', cfg, '--shape', 28, 28)
    assert "type='GVPFinetuneViT'" in mm_tool(root, 'print_config', cfg)
    assert 'There is no broken file found' in mm_tool(
        root, 'verify_dataset', cfg, '--out-path', tmp / 'broken.txt')
    res = tmp / 'res.pkl'
    mm_tool(root, 'test', cfg, ckpt, '--out', res, '--work-dir', tmp / 'w')
    assert 'accuracy/top1' in mm_tool(root, 'eval_metric', res,
                                      '--metric', 'type=Accuracy')
    mm_tool(root, 'analyze_results', cfg, res, '--out-dir', tmp / 'ar')
    assert osp.isfile(tmp / 'ar' / 'success' / 'success.json')
    mm_tool(root, 'confusion_matrix', cfg, res, '--show-path', tmp / 'cm.png')
    assert osp.getsize(tmp / 'cm.png') > 1000
    out = mm_tool(root, 'publish_model', ckpt, tmp / 'published.pth')
    assert 'Successfully generated' in out


def test_mmpretrain_visualization_tools(classifier, root,
                                        fashion_mnist_subset):
    cfg, ckpt, tmp = classifier
    mm_tool(root, 'browse_dataset', cfg, '-o', tmp / 'browse', '-n', 2,
            '-m', 'pipeline')
    assert len(list((tmp / 'browse').iterdir())) == 2
    mm_tool(root, 'vis_tsne', cfg, '--checkpoint', ckpt, '--work-dir',
            tmp / 'tsne', '--max-num-samples', 40, '--perplexity', 5)
    assert list((tmp / 'tsne').glob('*/feat_*.png'))
    image = sorted(glob.glob(
        osp.join(fashion_mnist_subset, 'val', '*', '*.png')))[0]
    mm_tool(root, 'vis_cam', image, cfg, ckpt, '--target-layers',
            'backbone.layers.1.ln1', '--vit-like', '--save-path',
            tmp / 'cam.png')
    assert osp.getsize(tmp / 'cam.png') > 100


def test_an_unknown_tool_is_one_line(root):
    proc = subprocess.run([sys.executable, 'tools/mmpretrain_tool.py',
                           'vis_tnse'], cwd=root, capture_output=True,
                          text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith(
        "error: vis_tnse: not one of mmpretrain's tools (did you mean "
        'vis_tsne')
    assert len(proc.stderr.strip().splitlines()) == 1
