"""Images -> model inputs at test time, through a config's test pipeline.

The tools and :mod:`gvp.apis` take images as paths, PIL images or arrays,
not as dataset entries; like mmpretrain's inferencers they load the image
themselves and run the rest of the config's test pipeline (its ``Load*``
steps removed). A config without a test pipeline (a pretraining config)
gets the evaluation view :class:`ResizeCenterCrop` at the backbone's size.
"""
from typing import Optional, Sequence

import mmcv
import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from PIL import Image


def config_test_pipeline(cfg: Config) -> Optional[list]:
    """The config's ``test_pipeline`` (or its test / val data loader's
    pipeline); ``None`` when it has none."""
    if cfg.get('test_pipeline'):
        return list(cfg.test_pipeline)
    for key in ('test_dataloader', 'val_dataloader'):
        loader = cfg.get(key) or {}
        pipeline = (loader.get('dataset') or {}).get('pipeline')
        if pipeline:
            return list(pipeline)
    return None


def build_test_pipeline(cfg: Config,
                        size: int,
                        force_default: bool = False) -> Compose:
    """The config's test pipeline without its loading steps, or (none in the
    config, or ``force_default``) ``ResizeCenterCrop(size)`` +
    ``PackInputs``."""
    import gvp  # noqa: F401  (registers ResizeCenterCrop)
    from gvp.registry import TRANSFORMS
    steps = None if force_default else config_test_pipeline(cfg)
    if steps is None:
        steps = [
            dict(type='ResizeCenterCrop', scale=size),
            dict(type='PackInputs')
        ]
    steps = [
        s for s in steps
        if not str(s['type']).split('.')[-1].startswith('Load')
    ]
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'gvp')):
        return Compose([TRANSFORMS.build(s) for s in steps])


def load_image(item) -> np.ndarray:
    """A path, a PIL image or an ``H x W (x 3)`` RGB / grey uint8 array ->
    ``H x W x 3`` uint8 in BGR order (mmcv's, as ``LoadImageFromFile``
    gives training: the data preprocessor's ``to_rgb`` then applies)."""
    if isinstance(item, (str, bytes)) or hasattr(item, '__fspath__'):
        try:
            img = mmcv.imread(str(item), 'color', backend='pillow')
        except Exception as e:  # noqa: B902 (any decoder error)
            raise ValueError(f'cannot read image {item}: {e}; remove or '
                             're-extract the file') from e
        if img is None:
            raise ValueError(f'cannot read image {item}: no such file')
        return img
    if isinstance(item, Image.Image):
        item = np.asarray(item.convert('RGB'))
    item = np.asarray(item)
    if item.ndim == 2:
        item = np.repeat(item[..., None], 3, axis=2)
    return np.ascontiguousarray(item[..., ::-1])


def pack_images(images: Sequence, pipeline: Compose) -> dict:
    """Images -> a collated batch (``inputs``: list of ``C x H x W`` uint8
    tensors) for a data preprocessor."""
    packed = []
    for img in images:
        arr = load_image(img)
        packed.append(
            pipeline(
                dict(
                    img=arr, img_shape=arr.shape[:2],
                    ori_shape=arr.shape[:2])))
    return pseudo_collate(packed)


def stack_inputs(batch: dict) -> torch.Tensor:
    """``[B, C, H, W]`` uint8 of a :func:`pack_images` batch (images of
    one size)."""
    return torch.stack(list(batch['inputs']))
