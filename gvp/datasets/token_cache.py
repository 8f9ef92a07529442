"""Offline tokenizer ids for p2d / d2d (docs/benchmark.md): views drawn
once, tokenised once, replayed for ever.

The frozen tokenizer costs about a ViT-B training step per image (FLOPs,
not a CPU artefact). ``tools/dataset_converters/cache_tokens.py`` draws
``N`` augmented views per image with the config's own training pipeline,
tokenises them and stores, per view, the ids and the view's crop box and
flip. While training, :class:`LoadCachedView` picks one stored view per
image at random; the replayable crop and flip then rebuild exactly that
view's pixels (p2d), and the ids travel to the model in the data sample
(``token_ids``), so the tokenizer is paid zero times per step.

Layout of a cache folder::

    meta.json                         views, grid, image count, config
    shard-<r>-of-<w>/indices.npy      [n] image indices of this shard
    shard-<r>-of-<w>/ids.npy          [n, V, h, w] uint16 ids
    shard-<r>-of-<w>/boxes.npy        [n, V, 5] int32: top, left, height,
                                      width, flip
    shard-<r>-of-<w>/done.npy         [n] bool: rows written (resume)
"""
import glob
import json
import os.path as osp
from typing import Dict, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform, RandomFlip
from mmpretrain.datasets.transforms import RandomResizedCrop

from gvp.registry import TRANSFORMS
from gvp.utils.errors import DataError


@TRANSFORMS.register_module()
class ReplayResizedCrop(RandomResizedCrop):
    """mmpretrain's ``RandomResizedCrop`` that records its crop box in
    ``results['view_box']`` (top, left, height, width) and, when the key is
    already there (a cached view), crops that box instead of drawing one.
    Without a cached view it is ``RandomResizedCrop`` exactly."""

    def transform(self, results: dict) -> dict:
        img = results['img']
        if 'view_box' in results:
            top, left, height, width = (int(v) for v in results['view_box'])
        else:
            top, left, height, width = self.rand_crop_params(img)
        box = np.array([left, top, left + width - 1, top + height - 1])
        img = mmcv.imcrop(img, bboxes=box)
        img = mmcv.imresize(img, tuple(self.scale[::-1]),
                            interpolation=self.interpolation,
                            backend=self.backend)
        results.update(img=img, img_shape=img.shape,
                       view_box=(top, left, height, width))
        return results


@TRANSFORMS.register_module()
class ReplayFlip(RandomFlip):
    """mmcv's ``RandomFlip`` that records ``results['view_flip']`` and
    replays it when the key is already there (a cached view)."""

    def _flip_on_direction(self, results: dict) -> None:
        if 'view_flip' in results:
            results['flip'] = bool(results['view_flip'])
            results['flip_direction'] = (self.direction if isinstance(
                self.direction, str) else self.direction[0]) \
                if results['flip'] else None
            if results['flip']:
                self._flip(results)
        else:
            super()._flip_on_direction(results)
        results['view_flip'] = bool(results['flip'])


class TokenCache:
    """Read a cache folder: ``(ids [V, h, w], boxes [V, 5])`` of an
    image index."""

    def __init__(self, folder: str):
        meta = osp.join(folder, 'meta.json')
        if not osp.isfile(meta):
            raise DataError(f'{folder} is not a token cache (no meta.json): '
                            'write it with tools/dataset_converters/'
                            'cache_tokens.py')
        with open(meta) as f:
            self.meta = json.load(f)
        self.folder = folder
        self._where: Dict[int, Tuple[int, int]] = {}
        self._shards = []
        for shard in sorted(glob.glob(osp.join(folder, 'shard-*'))):
            done = np.load(osp.join(shard, 'done.npy'))
            indices = np.load(osp.join(shard, 'indices.npy'))
            k = len(self._shards)
            self._shards.append(shard)
            for row in np.flatnonzero(done):
                self._where[int(indices[row])] = (k, int(row))
        self._arrays = {}

    def __len__(self) -> int:
        return len(self._where)

    def _open(self, k: int):
        if k not in self._arrays:  # memory-mapped, opened per process
            shard = self._shards[k]
            self._arrays[k] = (
                np.load(osp.join(shard, 'ids.npy'), mmap_mode='r'),
                np.load(osp.join(shard, 'boxes.npy'), mmap_mode='r'))
        return self._arrays[k]

    def __getitem__(self, index: int):
        if index not in self._where:
            raise DataError(
                f'image {index} is not in the token cache {self.folder} '
                f'({len(self)} images cached): finish it with '
                'tools/dataset_converters/cache_tokens.py (it resumes)')
        k, row = self._where[index]
        ids, boxes = self._open(k)
        return np.asarray(ids[row]), np.asarray(boxes[row])


@TRANSFORMS.register_module()
class LoadCachedView(BaseTransform):
    """Pick one cached view of the image (uniformly at random, a fresh draw
    every time the image is loaded: one view per image per epoch) and put
    its ids (``token_ids [h, w]``) and its crop box and flip
    (``view_box``, ``view_flip``) into the results, for
    :class:`ReplayResizedCrop` / :class:`ReplayFlip` to rebuild the view's
    pixels. Needs ``sample_idx`` (mmengine's datasets set it).

    Args:
        cache (str): the cache folder.
    """

    def __init__(self, cache: str):
        self.cache_dir = cache
        self._cache = None

    def transform(self, results: dict) -> dict:
        if self._cache is None:
            self._cache = TokenCache(self.cache_dir)
        ids, boxes = self._cache[int(results['sample_idx'])]
        v = np.random.randint(len(ids))
        results['token_ids'] = ids[v].astype(np.int64)
        results['view_box'] = tuple(int(b) for b in boxes[v][:4])
        results['view_flip'] = bool(boxes[v][4])
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(cache={self.cache_dir!r})'
