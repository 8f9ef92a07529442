"""Every shipped config parses, builds its model, and means what it says."""
import os.path as osp
import re
from glob import glob

import pytest
from mmengine.config import Config

from gvp.models import (CentreOutOrder, HOGTarget, IdEmbedding, PixelTarget,
                        RandomOrder, RasterOrder, TeacherFeatureTarget,
                        TokenIdTarget)
from gvp.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PRETRAIN = sorted(glob(f'{ROOT}/configs/gvp/**/*.py', recursive=True))
MAIN = f'{ROOT}/configs/gvp/gvp-p2p_vit-base-p16_8xb512-amp-coslr-200e_in1k.py'
#: the Fashion-MNIST study's GVP rows (each a registered option + a config)
STUDY = sorted(
    glob(f'{ROOT}/configs/benchmarks/fashion-mnist_study/gvp-*.py'))


def test_there_are_configs():
    assert MAIN in PRETRAIN and len(PRETRAIN) >= 13
    assert len(STUDY) >= 14


def local_tokenizers(cfg, folder):
    """Point every tokenizer checkpoint of ``cfg`` at a file of the same
    architecture (random weights) under ``folder``: the shipped configs name
    files that are trained or downloaded, not in the repository."""
    import torch
    if isinstance(cfg, dict):
        if cfg.get('type') == 'VQGANTokenizer' and cfg.get('checkpoint'):
            arch = {k: v for k, v in cfg.items() if k != 'checkpoint'}
            path = osp.join(folder, f'tok{abs(hash(str(arch)))}.pth')
            if not osp.exists(path):
                torch.save(MODELS.build(arch).state_dict(), path)
            cfg['checkpoint'] = path
        for value in cfg.values():
            local_tokenizers(value, folder)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            local_tokenizers(value, folder)
    return cfg


def order_of(name):
    """The order a config's file name states (random if none)."""
    if '-raster' in name:
        return RasterOrder
    return CentreOutOrder if '-centre-out' in name else RandomOrder


@pytest.mark.parametrize('path', PRETRAIN + STUDY, ids=osp.basename)
def test_pretrain_config_builds(path, tmp_path_factory):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'gvp'
    folder = str(tmp_path_factory.getbasetemp())
    model = MODELS.build(local_tokenizers(cfg.model, folder))
    name = osp.basename(path)
    variant = name.split('_')[0]
    if variant.startswith(('gvp-p2d', 'gvp-d2d')):
        tok = model.tokenizer
        assert isinstance(model.target_generator, TokenIdTarget)
        assert model.target_generator.num_codes == tok.num_codes
        assert isinstance(model.backbone.patch_embed, IdEmbedding) == \
            variant.startswith('gvp-d2d')
        grid = model.backbone.patch_resolution
        if 'in1k' in name:  # paper §5: 14x14 at 224 (p2d), 16x16 at 256
            assert tok.num_codes == 1024 and tok.stride == 16
            assert grid == ((16, 16) if 'd2d' in variant else (14, 14))
    elif variant.startswith('gvp-p2p'):
        assert isinstance(model.target_generator, PixelTarget)
    assert (model.backbone.y_extra is not None) == ('yextra' in variant)
    gen = model.backbone.mask_generator
    # the file name states the plan; the built generator must match it
    for kind in ('fixed', 'random', 'mixed'):
        found = re.search(f'-{kind}-k([0-9]+)', name)
        if found:
            assert gen.kind == kind and gen.num_groups == int(found[1])
    assert type(gen.order) is order_of(name)


def test_paper_recipe():
    cfg = Config.fromfile(MAIN)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'  # "amp" in the name
    opt = cfg.optim_wrapper.optimizer
    assert opt.type == 'AdamW' and opt.betas == (0.9, 0.95)
    assert opt.weight_decay == 0.05
    assert opt.lr == pytest.approx(1.5e-4 * 4096 / 256)
    assert cfg.auto_scale_lr.base_batch_size == 4096
    assert cfg.train_dataloader.batch_size == 512  # x 8 GPUs
    assert cfg.train_cfg.max_epochs == 200
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, warmup.end) == ('LinearLR', 10)
    assert (cosine.type, cosine.begin, cosine.end) == ('CosineAnnealingLR', 10,
                                                       200)
    crop = cfg.train_pipeline[1]
    assert crop.type == 'RandomResizedCrop'
    assert crop.crop_ratio_range == (0.2, 1.0)
    assert cfg.train_pipeline[2].type == 'RandomFlip'
    gen = cfg.model.backbone.mask_generator
    assert (gen.type, gen.num_groups, gen.mean,
            gen.std) == ('MixedLengthMaskGenerator', 20, 0.5, 0.1)


def test_custom_imports_from_an_mmseg_config(tmp_path):
    """A downstream config that never imports gvp itself: custom_imports
    registers it and ``type='gvp.GVPViT'`` builds under mmseg's scope."""
    import subprocess
    import sys
    cfg = tmp_path / 'seg.py'
    cfg.write_text("""
default_scope = 'mmseg'
custom_imports = dict(imports=['gvp'], allow_failed_imports=False)
backbone = dict(type='gvp.GVPFinetuneViT', arch='tiny', img_size=32,
                patch_size=16, out_indices=(1, 3), out_type='featmap')
""")
    code = f"""
from mmengine.config import Config
from mmengine.registry import init_default_scope
import mmseg.registry
cfg = Config.fromfile({str(cfg)!r})
init_default_scope(cfg.default_scope)
m = mmseg.registry.MODELS.build(cfg.backbone)
print(type(m).__module__,  # noqa: E501
      [o.shape[1] for o in m(__import__('torch').zeros(1, 3, 32, 32))])
"""
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'gvp.models.backbones.finetune_vit [192, 192]' in proc.stdout


TOKENIZERS = sorted(glob(f'{ROOT}/configs/vqgan/*.py'))


@pytest.mark.parametrize('path', TOKENIZERS, ids=osp.basename)
def test_tokenizer_config_builds(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    assert model.stride == int(
        osp.basename(path).split('-f')[1][:2].strip('-'))
    assert f'-{model.num_codes}' in osp.basename(path)
    pre = cfg.model.data_preprocessor  # the tokenizer works on [0, 1]
    assert pre.mean == [0.] * 3 and pre.std == [255.] * 3


ABLATION = sorted(
    glob(f'{ROOT}/configs/benchmarks/fashion-mnist_ablation/'
         '*.py'))


@pytest.mark.parametrize('path', ABLATION, ids=osp.basename)
def test_ablation_configs_say_what_they_run(path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    model = MODELS.build(cfg.model)
    assert cfg.randomness.seed == 0
    budget, images = name.split('_1xb64-')[1].split('_')[0].split('-')[:2]
    loop = cfg.train_cfg.get('max_epochs') or cfg.train_cfg.get('max_iters')
    assert f'{loop}{"e" if "max_epochs" in cfg.train_cfg else "i"}' == budget
    if '-v2_' in name:  # recipe v2: higher lr, milder crop
        assert cfg.optim_wrapper.optimizer.lr == 1.5e-3
        crop = cfg.train_dataloader.dataset.pipeline[1]
        assert crop.crop_ratio_range == (0.5, 1.0)
    assert cfg.train_dataloader.dataset.get('indices') == (None if images
                                                           == '60k' else 10000)
    if name.startswith('mae'):
        assert type(model).__name__ == 'MAE'
        assert model.backbone.patch_resolution == (7, 7)
        return
    target = {'p2p': PixelTarget, 'hog': HOGTarget,
              'teacher': TeacherFeatureTarget}[name.split('-')[1]]
    assert type(model.target_generator) is target
    gen = model.backbone.mask_generator
    kind = name.split('-k')[0].split('-')[-1]
    assert (gen.kind, gen.num_groups) == (
        kind, int(name.split('-k')[1].split('-')[0].split('_')[0]))
    assert type(gen.order) is order_of(name)


ALL = sorted(
    p for p in glob(f'{ROOT}/configs/**/*.py', recursive=True)
    if '/_base_/' not in p)


@pytest.mark.parametrize('path', ALL, ids=lambda p: osp.relpath(p, ROOT))
def test_every_config_trains_safely(path):
    """Atomic, finite checkpoints, the NaN stop, the data checks and a
    bounded distributed wait are on in every config that trains."""
    cfg = Config.fromfile(path)
    if not cfg.get('train_cfg'):
        return
    hooks = {
        k: (v or {}).get('type', '').split('.')[-1]
        for k, v in cfg.default_hooks.items()
    }
    assert hooks['checkpoint'] == 'SafeCheckpointHook'
    assert hooks['non_finite'] == 'NonFiniteCheckHook'
    assert hooks['data_check'] == 'DataCheckHook'
    assert hooks['heartbeat'] == 'RankHeartbeatHook'
    assert 0 < cfg.env_cfg.dist_cfg.timeout <= 1800
