"""Images per second of one data worker for the ImageNet pretraining
pipeline (each JPEG decoder that imports) and the token-cache pipelines,
and the workers per device a measured step needs."""
import glob
import json
import math
import os
import os.path as osp
import statistics
import time

import torch


def write_jpegs(folder, count, seed=0):
    """``count`` ImageNet-like JPEGs (500 x 375, quality 90, smooth colour
    fields with texture: ~60-120 kB, as ImageNet's), written once."""
    import numpy as np
    from PIL import Image
    rng = np.random.RandomState(seed)
    os.makedirs(folder, exist_ok=True)
    yy, xx = np.mgrid[0:375, 0:500] / 100.
    for i in range(count):
        path = osp.join(folder, f'{i:04d}.jpg')
        if osp.isfile(path):
            continue
        img = np.stack([
            np.sin(xx * rng.uniform(.5, 3) + yy * rng.uniform(.5, 3) +
                   rng.uniform(0, 6)) for _ in range(3)
        ], -1) * 80 + 128 + rng.randn(375, 500, 3) * 20
        Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(
            path, quality=90)
    return sorted(glob.glob(osp.join(folder, '*.jpg')))


def write_cache(folder, count, views=4, grid=(14, 14)):
    """A token cache of ``count`` images in the layout of
    tools/dataset_converters/cache_tokens.py (random ids and boxes)."""
    import numpy as np
    shard = osp.join(folder, 'shard-0-of-1')
    os.makedirs(shard, exist_ok=True)
    rng = np.random.RandomState(0)
    np.save(osp.join(shard, 'indices.npy'), np.arange(count))
    np.save(osp.join(shard, 'ids.npy'),
            rng.randint(0, 1024, (count, views, *grid)).astype(np.uint16))
    boxes = np.tile([0, 0, 300, 300, 0], (count, views, 1)).astype(np.int32)
    np.save(osp.join(shard, 'boxes.npy'), boxes)
    np.save(osp.join(shard, 'done.npy'), np.ones(count, bool))
    with open(osp.join(folder, 'meta.json'), 'w') as f:
        json.dump(dict(views=views, grid=list(grid)), f)
    return folder


def jpeg_backends():
    backends = ['cv2', 'pillow']
    try:
        import turbojpeg  # noqa: F401
        backends.append('turbojpeg')
    except ImportError:
        pass
    return backends


def pipelines(img_size, cache):
    """name -> (what, pipeline): the ImageNet pretraining pipeline with each
    JPEG decoder that imports here, and the token-cache pipelines."""
    crop = dict(type='RandomResizedCrop', scale=img_size,
                crop_ratio_range=(0.2, 1.0), interpolation='bicubic')
    flip = dict(type='RandomFlip', prob=0.5)
    out = {f'jpeg-{b}': (
        f'JPEG decode ({b}) + RandomResizedCrop {img_size} + flip',
        [dict(type='LoadImageFromFile', imdecode_backend=b),
         dict(crop, backend='pillow' if b == 'pillow' else 'cv2'),
         flip, dict(type='PackInputs')]) for b in jpeg_backends()}
    out['cached-p2d'] = (
        'token cache, p2d: JPEG decode (cv2) + one cached view: its ids, '
        'its crop and flip replayed',
        [dict(type='LoadImageFromFile'),
         dict(type='LoadCachedView', cache=cache),
         dict(crop, type='ReplayResizedCrop'), dict(flip, type='ReplayFlip'),
         dict(type='PackInputs', algorithm_keys=['token_ids'])])
    out['cached-ids'] = (
        'token cache, ids alone (what d2d reads; no image decoded)',
        [dict(type='LoadCachedView', cache=cache),
         dict(type='PackInputs', algorithm_keys=['token_ids'])])
    return out


def rate(name, cfg, files, rounds) -> float:
    """Median images per second of ``rounds`` passes of one pipeline."""
    from mmengine.dataset import Compose
    pipe = Compose(cfg)
    if name == 'jpeg-turbojpeg':
        import mmcv  # mmcv makes its TurboJPEG handle only in use_backend
        mmcv.use_backend('turbojpeg')
    pipe(dict(img_path=files[0], sample_idx=0))  # warm-up
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for i, f in enumerate(files):
            pipe(dict(img_path=f, sample_idx=i))
        rates.append(len(files) / (time.perf_counter() - start))
    return statistics.median(rates)


def measure(data_dir, img_size, images=64, rounds=3) -> dict:
    """Images per second of one worker (this process, one thread) for each
    pipeline, over ``images`` JPEGs written to ``data_dir``."""
    from mmengine.registry import DefaultScope

    import gvp  # noqa: F401
    torch.set_num_threads(1)
    files = write_jpegs(osp.join(data_dir, 'jpeg'), images)
    cache = write_cache(osp.join(data_dir, 'cache'), images)
    rows = []
    with DefaultScope.overwrite_default_scope('gvp'):
        for name, (what, cfg) in pipelines(img_size, cache).items():
            rows.append(dict(pipeline=name, what=what,
                             img_per_s=rate(name, cfg, files, rounds)))
    return dict(rows=rows, images=len(files),
                jpeg_kb=statistics.mean(osp.getsize(f)
                                        for f in files) / 1024)


def print_data(data, demand):
    """The data table and, for each ``demand`` (name -> images per second
    one device's step consumes), the workers it needs."""
    print(f"\ndata loading, one worker (1 process, 1 thread), "
          f"{data['images']} JPEGs of 500x375 (~{data['jpeg_kb']:.0f} kB), "
          f"median of 3 passes")
    cols = list(demand)
    print(f"{'pipeline':<18}{'img/s':>8}" + ''.join(
        f'{"w/" + c:>18}' for c in cols) + '  what')
    for r in data['rows']:
        need = ''.join(
            f"{math.ceil(demand[c] / r['img_per_s']):>18d}" for c in cols)
        print(f"{r['pipeline']:<18}{r['img_per_s']:>8.0f}{need}  "
              f"{r['what']}")
    if cols:
        print('w/X: workers needed to feed one device at the image rate of '
              'step X (' + ', '.join(
                  f'{c}: {demand[c]:.0f} img/s' for c in cols) + ')')


def demand_of(step_json, given=None) -> dict:
    """Images per second the ``gvp`` / ``gvp-p2d-cached`` steps of a
    benchmark_pretrain result consume (and a ``given`` rate)."""
    demand = {}
    if step_json:
        with open(step_json) as f:
            res = json.load(f)
        batch = res['args']['batch_size']
        for r in res['rows']:
            if r['variant'] in ('gvp', 'gvp-p2d-cached'):
                demand[r['variant']] = batch / r['time_s']
    if given:
        demand['given'] = given
    return demand
