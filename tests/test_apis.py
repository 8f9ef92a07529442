"""gvp.apis: the model index, models by name, the feature extractor."""
import os
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from gvp.apis import FeatureExtractor, get_model, list_models, model_info

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROW = 'gvp-p2p-mixed-k20'
NAME = f'{ROW}_vit-tiny-p4_1xb64-4e-10k_fashion-mnist'


def test_index_lists_every_config_with_results_where_measured():
    names = list_models()
    from glob import glob
    configs = [
        p for p in glob(f'{ROOT}/configs/**/*.py', recursive=True)
        if '/_base_/' not in p
    ]
    assert len(names) == len(configs) > 30
    assert list_models('gvp-p2p*tiny*4e-10k*') == sorted(
        n for n in names if n.startswith('gvp-p2p') and '4e-10k' in n)
    v2 = model_info('gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-2800i-60k-v2_'
                    'fashion-mnist')
    assert v2['Results'][0]['Metrics'] == {
        'Linear probe top-1 (mask kept)': 83.53
    }
    assert os.path.isfile(v2['Config']) and v2['Weights'] is None
    with pytest.raises(ValueError, match='did you mean'):
        model_info('gvp-p2p-mixed-k20')


@pytest.fixture
def run_with_checkpoint(tmp_path):
    """A work dir with a (randomly initialised) checkpoint of NAME."""
    torch.manual_seed(3)
    model = get_model(NAME)
    work = tmp_path / 'ablation' / ROW
    work.mkdir(parents=True)
    torch.save({'state_dict': model.state_dict()}, work / 'iter_1.pth')
    (work / 'last_checkpoint').write_text('iter_1.pth')
    return model, str(work / 'iter_1.pth'), str(tmp_path / 'ablation')


def _items(tmp_path, n=6):
    rng = np.random.default_rng(0)
    items = []
    for i in range(n):
        path = tmp_path / f'{i}.png'
        Image.fromarray(rng.integers(0, 255, (28, 28), np.uint8)).save(path)
        items.append((str(path), i % 3))
    return items


def _probe_backbone(ckpt):
    """NAME's backbone as a GVPProbeViT with the checkpoint's weights."""
    from gvp.apis import get_config
    from gvp.models.backbones import backbone_for_role
    from gvp.models.backbones.convert import load_backbone
    from gvp.registry import MODELS
    probe = MODELS.build(
        backbone_for_role(get_config(NAME).model.backbone, 'probe'))
    load_backbone(probe, ckpt)
    probe.eval()  # (mmpretrain's ViT.train() returns None)
    return probe


def test_get_model_loads_the_checkpoint(run_with_checkpoint):
    model, ckpt, _ = run_with_checkpoint
    again = get_model(NAME, pretrained=ckpt)
    for (k, a), b in zip(model.state_dict().items(),
                         again.state_dict().values()):
        assert torch.equal(a, b), k
    assert not again.training and again.cfg.model.type == 'GVP'


def test_loading_for_features_says_one_line(run_with_checkpoint, capfd):
    """Not mmengine's per-parameter init report (600 lines before)."""
    import logging

    from mmengine.logging import MMLogger
    _, ckpt, _ = run_with_checkpoint
    records = []
    handler = logging.Handler(logging.INFO)  # what the console shows
    handler.emit = lambda record: records.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    capfd.readouterr()
    try:
        FeatureExtractor(NAME, pretrained=ckpt)
        get_model(NAME, pretrained=ckpt)
    finally:
        logger.removeHandler(handler)
    out = capfd.readouterr()
    assert not (out.out + out.err).strip(), 'printed outside the logger'
    lines = '\n'.join(records).splitlines()
    assert len(lines) == 2, lines
    assert f'GVPProbeViT, 150 tensors, weights from {ckpt}' in lines[0]
    assert f'get_model: GVP, 153 tensors, weights from {ckpt}' in lines[1]


def test_feature_extractor_equals_the_ablation_probe_and_the_backbone(
        run_with_checkpoint, tmp_path):
    _, ckpt, work_root = run_with_checkpoint
    items = _items(tmp_path)
    feats, labels = FeatureExtractor(NAME, pretrained=ckpt)(items)
    sys.path.insert(0, f'{ROOT}/tools/analysis_tools')
    try:
        import ablation_probe
    finally:
        sys.path.pop(0)
    tool, tool_labels = ablation_probe.extractor_for(ROW, work_root, True)(
        items)
    assert np.array_equal(feats, tool) and list(labels) == list(tool_labels)
    # the same as the probe-mode backbone of get_model on normalised images
    probe = _probe_backbone(ckpt)
    x = torch.stack([
        torch.from_numpy(np.asarray(Image.open(p).convert('RGB'),
                                    np.float32)).permute(2, 0, 1)
        for p, _ in items
    ])
    x = (x - 72.94) / 90.02
    with torch.no_grad():
        direct = probe(x)[-1].numpy()
    assert np.allclose(feats, direct, atol=1e-5)


def test_reconstruct_returns_arrays_and_the_figure(tmp_path):
    from gvp_testing import tiny_gvp

    from gvp.apis import reconstruct
    from gvp.registry import MODELS
    from gvp.visualization import reconstruction_grid
    torch.manual_seed(0)
    model = MODELS.build(tiny_gvp())
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (16, 16, 3), np.uint8) for _ in range(3)]
    model.reveal_plan = MODELS.build(
        dict(type='RevealPlanGenerator', mask_ratio=0.5, num_groups=2))
    out = reconstruct(model, images, seed=4)
    assert out['original'].shape == out['group_ar'].shape == (3, 16, 16, 3)
    assert np.allclose(out['original'], np.stack(images) / 255., atol=1e-6)
    visible = np.repeat(
        np.repeat((out['ranks'] == 0).reshape(3, 4, 4), 4, 1), 4, 2)[..., None]
    for key in ('one_shot', 'group_ar'):  # visible tokens come back as given
        assert np.allclose(
            out[key] * visible, out['original'] * visible, atol=1e-5)
    assert (out['ranks'] > 0).mean() == 0.5
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float()
    assert np.array_equal(
        out['figure'],
        reconstruction_grid(model, x, torch.from_numpy(out['ranks'])))


def _colour_files(tmp_path):
    """Three 40-px colour arrays and ``(path, label)`` items of their
    files."""
    rng = np.random.default_rng(1)
    arrays = [rng.integers(0, 255, (40, 40, 3), np.uint8) for _ in range(3)]
    items = []
    for i, a in enumerate(arrays):
        Image.fromarray(a).save(tmp_path / f'c{i}.png')
        items.append((str(tmp_path / f'c{i}.png'), i))
    return arrays, items


def test_feature_extractor_runs_the_configs_test_pipeline(
        run_with_checkpoint, tmp_path):
    """A config's test pipeline and its preprocessor's channel order are
    what the extractor applies (here: center crop 28 of 40-px colour
    images, BGR files -> RGB); without one, the evaluation view."""
    _, ckpt, _ = run_with_checkpoint
    arrays, items = _colour_files(tmp_path)
    mean, std = [10., 20., 30.], [50., 60., 70.]
    options = {
        'data_preprocessor.mean': mean,
        'data_preprocessor.std': std,
        'data_preprocessor.to_rgb': True,
        'test_pipeline': [
            dict(type='LoadImageFromFile'),
            dict(type='CenterCrop', crop_size=28),
            dict(type='PackInputs')
        ]
    }
    feats, _ = FeatureExtractor(NAME, pretrained=ckpt,
                                cfg_options=options)(items)
    probe = _probe_backbone(ckpt)
    x = torch.stack([
        torch.from_numpy(a[6:34, 6:34].astype(np.float32)).permute(2, 0, 1)
        for a in arrays
    ])  # RGB
    x = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(
        1, 3, 1, 1)
    with torch.no_grad():
        direct = probe(x)[-1].numpy()
    assert np.allclose(feats, direct, atol=1e-5)
    # arrays (RGB) give what their files give
    same, _ = FeatureExtractor(
        NAME, pretrained=ckpt, cfg_options=options)([(a, 0) for a in arrays])
    assert np.allclose(same, feats, atol=1e-6)
    options.pop('test_pipeline')
    default, _ = FeatureExtractor(NAME, pretrained=ckpt,
                                  cfg_options=options)(items)
    assert not np.allclose(default, feats, atol=1e-3)


def test_reconstruction_figure_titled_enlarged_and_grey_for_grey():
    from gvp.visualization import reconstruction_figure
    from gvp.visualization.pictures import COLUMNS, MIN_TILE
    grey = torch.rand(2, 1, 28, 28).expand(-1, 3, -1, -1)
    noisy = grey + 0.2 * torch.rand(2, 3, 28, 28)  # per-channel predictions
    fig = reconstruction_figure([grey, grey, noisy.clamp(0, 1), noisy])
    assert (fig[..., 0] == fig[..., 1]).all() and \
        (fig[..., 1] == fig[..., 2]).all()
    tile = -(-MIN_TILE // 28) * 28  # 4 x 28 = 112 px
    assert fig.shape[1] == len(COLUMNS) * tile + (len(COLUMNS) - 1) * 2
    header = fig[:16, :tile]
    assert (header < 128).any() and (header == 255).mean() > 0.7  # a title
    colour = torch.rand(1, 3, 28, 28)
    fig = reconstruction_figure([colour] * 4)
    assert (fig[..., 0] != fig[..., 1]).any()  # colour stays colour
