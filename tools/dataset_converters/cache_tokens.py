"""Tokenise a training set once: N augmented views per image, their ids and
crop boxes in a memory-mapped cache (gvp/datasets/token_cache.py).

    python tools/dataset_converters/cache_tokens.py CONFIG OUT_DIR \
        [--views 4] [--batch-size 64] [--seed 0] [--cfg-options k=v ...]
    torchrun --nproc_per_node N tools/dataset_converters/cache_tokens.py ...

CONFIG: a p2d / d2d config (its ``model.tokenizer`` and training pipeline;
``RandomResizedCrop`` / ``RandomFlip`` act as their replayable versions).
Each process (``RANK`` of ``WORLD_SIZE``, as torchrun sets them) writes
its own shard of the images (``index % WORLD_SIZE == RANK``); rows are
flushed as they are done, so an interrupted run resumes where it stopped
(run the same command again). View ``v`` of image ``i`` is drawn with the
seed ``seed * 1000003 + i * views + v``: rerunning gives the same views.
"""
import argparse
import json
import os
import os.path as osp
import time

import numpy as np
import torch
from mmengine.config import DictAction
from mmengine.registry import DefaultScope
from mmengine.utils import ProgressBar

from gvp.apis import get_model
from gvp.utils.views import preprocess_images

REPLAY = {'RandomResizedCrop': 'ReplayResizedCrop', 'RandomFlip': 'ReplayFlip'}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('out_dir')
    p.add_argument('--views', type=int, default=4)
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    return p.parse_args()


def replayable(pipeline):
    """The training pipeline with replayable crop / flip, no cache loader,
    without its final packing (the tool reads the view itself)."""
    steps = []
    for step in pipeline:
        step = dict(step)
        kind = str(step['type']).split('.')[-1]
        if kind == 'LoadCachedView':
            continue
        step['type'] = REPLAY.get(kind, step['type'])
        steps.append(step)
    if str(steps[-1]['type']).split('.')[-1] == 'PackInputs':
        steps = steps[:-1]
    return steps


def open_shard(out_dir, rank, world, indices, views, grid):
    """The shard's arrays, created on the first run, reopened after."""
    shard = osp.join(out_dir, f'shard-{rank}-of-{world}')
    os.makedirs(shard, exist_ok=True)
    path = {k: osp.join(shard, f'{k}.npy')
            for k in ('indices', 'ids', 'boxes', 'done')}
    if not osp.isfile(path['done']):
        np.save(path['indices'], np.asarray(indices, np.int64))
        np.lib.format.open_memmap(path['ids'], 'w+', np.uint16,
                                  (len(indices), views, *grid)).flush()
        np.lib.format.open_memmap(path['boxes'], 'w+', np.int32,
                                  (len(indices), views, 5)).flush()
        np.save(path['done'], np.zeros(len(indices), bool))
    stored = np.load(path['indices'])
    if not np.array_equal(stored, indices):
        raise SystemExit(f'error: {shard} was written for other images '
                         '(another dataset, world size or config): use a new '
                         'OUT_DIR')
    ids = np.load(path['ids'], mmap_mode='r+')
    boxes = np.load(path['boxes'], mmap_mode='r+')
    if ids.shape[1:] != (views, *grid):
        raise SystemExit(f'error: {shard} holds {ids.shape[1]} views of '
                         f'{ids.shape[2:]} ids; this run asks {views} of '
                         f'{tuple(grid)}: use a new OUT_DIR')
    return path, ids, boxes, np.load(path['done'])


def build_source(model):
    """``(dataset, pipeline)``: the config's training set and its pipeline
    made replayable (each view's crop box and flip recorded)."""
    from mmcv.transforms import Compose

    import gvp  # noqa: F401
    from gvp.registry import DATASETS, TRANSFORMS
    cfg = model.cfg
    data_cfg = dict(cfg.train_dataloader.dataset)
    steps = replayable(data_cfg.pop('pipeline'))
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'gvp')):
        dataset = DATASETS.build(dict(data_cfg, pipeline=[]))
        pipeline = Compose([TRANSFORMS.build(s) for s in steps])
    return dataset, pipeline


def views_of(rows, indices, dataset, pipeline, args):
    """The augmented views ``[V, C, H, W]`` of the images at ``rows`` and
    their ``(box, flip)`` records, each view seeded by image and view."""
    views, meta = [], []
    for row in rows:
        index = int(indices[row])
        for v in range(args.views):
            np.random.seed((args.seed * 1000003 + index * args.views + v)
                           % 2**32)
            out = pipeline(dataset.get_data_info(index))
            img = out['img']
            img = img[..., None] if img.ndim == 2 else img
            views.append(torch.from_numpy(np.ascontiguousarray(
                img.transpose(2, 0, 1))))
            meta.append((*out['view_box'], int(out['view_flip'])))
    return views, meta


def write_meta(args, grid, dataset, world, model):
    with open(osp.join(args.out_dir, 'meta.json'), 'w') as f:
        json.dump(dict(config=args.config, views=args.views,
                       grid=list(grid), images=len(dataset),
                       world_size=world, seed=args.seed,
                       num_codes=model.tokenizer.num_codes), f, indent=1)


def main():
    args = parse_args()
    rank = int(os.environ.get('RANK', 0))
    world = int(os.environ.get('WORLD_SIZE', 1))
    model = get_model(args.config, cfg_options=args.cfg_options)
    if model.tokenizer is None:
        raise SystemExit(f'error: {args.config} has no model.tokenizer: '
                         'nothing to cache')
    dataset, pipeline = build_source(model)
    grid = tuple(model.backbone.patch_resolution)
    indices = np.arange(rank, len(dataset), world)
    path, ids, boxes, done = open_shard(args.out_dir, rank, world, indices,
                                        args.views, grid)
    if rank == 0:
        write_meta(args, grid, dataset, world, model)
    todo = np.flatnonzero(~done)
    print(f'rank {rank}/{world}: {len(indices)} images, {len(todo)} to do, '
          f'{args.views} views each', flush=True)
    bar = ProgressBar(len(todo))  # images done, elapsed, ETA
    start, per_batch = time.time(), max(1, args.batch_size // args.views)
    for first in range(0, len(todo), per_batch):
        rows = todo[first:first + per_batch]
        views, meta = views_of(rows, indices, dataset, pipeline, args)
        inputs = preprocess_images(model.data_preprocessor, dict(
            inputs=[torch.stack(views)], data_samples=None))
        with torch.no_grad():
            tokens = model.tokenize(inputs)
        ids[rows] = tokens.view(len(rows), args.views,
                                *grid).numpy().astype(np.uint16)
        boxes[rows] = np.asarray(meta, np.int32).reshape(
            len(rows), args.views, 5)
        ids.flush()
        boxes.flush()
        done[rows] = True
        np.save(path['done'], done)  # after the rows: a resume never
        bar.update(len(rows))  # trusts a row that was not written
    report(rank, len(todo) * args.views, time.time() - start)


def report(rank, views, took):
    if views:
        print(f'\nrank {rank}: {views} views in {took:.1f} s, '
              f'{1000 * took / views:.1f} ms per view (pipeline + tokenizer)')


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
