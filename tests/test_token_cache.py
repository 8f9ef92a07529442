"""The offline token cache: views drawn and tokenised once (sharded,
resumable), replayed exactly; p2d on a cached view has the loss of online
tokenisation of the same crop (slow: subprocesses)."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from gvp_testing import TINY_ARCH, run_ok, tiny_tokenizer_ckpt
from mmengine.config import Config
from mmengine.dataset import default_collate

pytestmark = pytest.mark.slow
CACHED = 'configs/gvp/gvp-p2d-cached_vit-tiny-p4_1xb64-600i_fashion-mnist.py'


def _config(tmp_path, root, data, cache):
    tok = tiny_tokenizer_ckpt(tmp_path / 'tok.pth')
    cfg = tmp_path / 'cached.py'
    cfg.write_text(f"""
_base_ = '{root}/{CACHED}'
token_cache = '{cache}'
model = dict(
    backbone=dict(arch=dict(_delete_=True, **{TINY_ARCH!r})),
    target_generator=dict(num_codes=32),
    tokenizer=dict(_delete_=True, **{tok!r}))
train_dataloader = dict(dataset=dict(data_root='{data}', indices=12,
    pipeline=[dict(type='LoadImageOrSkip'),
              dict(type='LoadCachedView', cache='{cache}'),
              dict(type='ReplayResizedCrop', scale=28,
                   crop_ratio_range=(0.2, 1.0), backend='pillow',
                   interpolation='bicubic'),
              dict(type='ReplayFlip', prob=0.5),
              dict(type='PackInputs', algorithm_keys=['token_ids'])]))
""")
    return str(cfg)


def test_cache_sharded_resumable_and_equal_to_online(tmp_path, root,
                                                     fashion_mnist_subset):
    cache = tmp_path / 'cache'
    cfg = _config(tmp_path, root, fashion_mnist_subset, cache)
    tool = [sys.executable, 'tools/dataset_converters/cache_tokens.py', cfg,
            str(cache), '--views', '3', '--batch-size', '6']
    for rank in (0, 1):  # two shards, as two torchrun processes would
        env = dict(os.environ, RANK=str(rank), WORLD_SIZE='2')
        out = run_ok(root, tool, env=env)
        assert f'rank {rank}/2: 6 images, 6 to do, 3 views each' in out
        assert 'ms per view' in out
    env = dict(os.environ, RANK='0', WORLD_SIZE='2')
    assert 'rank 0/2: 6 images, 0 to do' in run_ok(root, tool, env=env)

    import gvp  # noqa: F401
    from gvp.apis import get_model
    from gvp.datasets import TokenCache
    from gvp.registry import DATASETS
    from gvp.utils.views import preprocess_images
    stored = TokenCache(str(cache))
    assert len(stored) == 12
    ids, boxes = stored[5]
    assert ids.shape == (3, 7, 7) and boxes.shape == (3, 5)
    assert len({tuple(b) for b in boxes}) == 3  # three different views

    model = get_model(cfg)
    config = Config.fromfile(cfg)
    dataset = DATASETS.build(config.train_dataloader.dataset)
    np.random.seed(0)
    batch = default_collate([dataset[i] for i in range(8)])
    samples = batch['data_samples']
    cached = torch.stack([torch.as_tensor(s.token_ids) for s in samples])
    inputs = preprocess_images(model.data_preprocessor, batch)
    online = model.tokenize(inputs)  # the rebuilt pixel views, tokenised
    assert torch.equal(cached, online)
    model.train()
    torch.manual_seed(3)
    loss_cached = model.loss(inputs, samples)['loss']
    torch.manual_seed(3)
    loss_online = model.loss(inputs, [])['loss']
    assert torch.equal(loss_cached, loss_online)
    # the cache really replaces the tokenizer
    model.tokenizer.encode_ids = None
    torch.manual_seed(3)
    assert torch.equal(model.loss(inputs, samples)['loss'], loss_cached)
    # another view count on the same folder is refused, named
    bad = subprocess.run(tool[:-4] + ['--views', '2'], cwd=root, env=env,
                         capture_output=True, text=True)
    assert bad.returncode != 0 and 'use a new OUT_DIR' in bad.stderr


D2D_CACHED = ('configs/gvp/gvp-d2d-cached_vit-tiny-p4_1xb64-600i_'
              'fashion-mnist.py')


def _d2d_cached_config(tmp_path, root, data, cache):
    """A tiny d2d config on the token cache: ids only, no image read."""
    tok = tiny_tokenizer_ckpt(tmp_path / 't.pth')
    d2d = tmp_path / 'd2d.py'
    d2d.write_text(f"""
_base_ = '{root}/{D2D_CACHED}'
model = dict(
    backbone=dict(arch=dict(_delete_=True, **{TINY_ARCH!r}),
                  input_embed=dict(vocab_size=32)),
    target_generator=dict(num_codes=32),
    tokenizer=dict(_delete_=True, **{tok!r}))
train_dataloader = dict(dataset=dict(data_root='{data}',
    indices=12, pipeline=[dict(type='LoadCachedView', cache='{cache}'),
                          dict(type='PackInputs', input_key='token_ids')]))
""")
    return d2d


def test_d2d_on_the_cache_decodes_no_image(tmp_path, root,
                                           fashion_mnist_subset):
    """d2d reads ids alone: the ids-only pipeline never opens an image (the
    image folder is gone), and the loss equals the d2d loss on the pixel
    pipeline carrying the same cached ids."""
    import shutil

    import gvp  # noqa: F401
    from gvp.apis import get_model
    from gvp.registry import DATASETS, MODELS
    from gvp.utils.views import preprocess_images
    data = str(tmp_path / 'fm')  # a copy: its images get deleted below
    shutil.copytree(fashion_mnist_subset, data)
    cache = tmp_path / 'cache'
    p2d = _config(tmp_path, root, data, cache)
    run_ok(root, [sys.executable, 'tools/dataset_converters/cache_tokens.py',
                  p2d, str(cache), '--views', '2', '--batch-size', '6'])
    d2d = _d2d_cached_config(tmp_path, root, data, cache)
    model = get_model(str(d2d))
    assert type(model.data_preprocessor).__name__ == 'TokenIdsPreprocessor'
    ids_ds = DATASETS.build(
        Config.fromfile(str(d2d)).train_dataloader.dataset)
    pix_ds = DATASETS.build(Config.fromfile(p2d).train_dataloader.dataset)
    np.random.seed(0)
    pix = default_collate([pix_ds[i] for i in range(8)])
    # the images are gone: only ids can be read now
    shutil.rmtree(os.path.join(data, 'train'))
    np.random.seed(0)
    ids = default_collate([ids_ds[i] for i in range(8)])
    batch = model.data_preprocessor(ids, True)
    assert batch['inputs'].shape == (8, 7, 7)
    assert batch['inputs'].dtype == torch.int64
    cached = torch.stack([torch.as_tensor(s.token_ids)
                          for s in pix['data_samples']])
    assert torch.equal(batch['inputs'], cached)  # the same views drawn
    pixel_pre = MODELS.build(Config.fromfile(p2d).data_preprocessor)
    inputs = preprocess_images(pixel_pre, pix)
    model.train()
    torch.manual_seed(3)
    loss_ids = model.loss(batch['inputs'], batch['data_samples'])['loss']
    torch.manual_seed(3)  # the same weights, fed the pixel pipeline
    model.data_preprocessor = pixel_pre
    loss_pix = model.loss(inputs, pix['data_samples'])['loss']
    assert torch.isfinite(loss_ids) and torch.equal(loss_ids, loss_pix)
    # a pixel backbone given ids only says what is wrong
    p2d_model = get_model(p2d)
    with pytest.raises(ValueError, match='ids only'):
        p2d_model.loss(batch['inputs'], batch['data_samples'])
