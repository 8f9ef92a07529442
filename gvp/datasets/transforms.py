"""Image loading that survives a few unreadable files; the evaluation
view."""
import numpy as np
from mmcv.transforms import BaseTransform, LoadImageFromFile
from mmengine.logging import print_log
from PIL import Image

from gvp.registry import TRANSFORMS
from gvp.utils.errors import DataError


@TRANSFORMS.register_module()
class LoadImageOrSkip(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` that names, skips and counts images that
    fail to read or decode, and stops the run when too many do.

    A skipped image makes the transform return ``None``; mmengine's
    ``BaseDataset`` then draws another index (training only). Counts are per
    process (each data-loader worker keeps its own).

    Args:
        max_bad_fraction (float): stop (``DataError``) once more than this
            fraction of the images this process has tried were bad...
        min_seen (int): ...and at least this many were tried (so one bad
            image among the first few does not stop a run).
        **kwargs: ``LoadImageFromFile`` arguments.
    """

    def __init__(self, max_bad_fraction: float = 0.01, min_seen: int = 100,
                 **kwargs):
        kwargs['ignore_empty'] = False
        super().__init__(**kwargs)
        self.max_bad_fraction = max_bad_fraction
        self.min_seen = min_seen
        self.seen = 0
        self.bad = 0
        self.last_bad = None

    def transform(self, results: dict):
        if results.get('img') is not None and 'img_path' not in results:
            # mmpretrain's inferencers read the image themselves and drop
            # only a transform named LoadImageFromFile: nothing to load
            return results
        self.seen += 1
        try:
            out = super().transform(results)
        except Exception as e:  # noqa: B902 (any decoder error)
            reason = str(e).strip().splitlines()[0] if str(e).strip() \
                else type(e).__name__
            self.bad += 1
            self.last_bad = results.get('img_path')
            print_log(
                f'skipping unreadable image {self.last_bad}: {reason} '
                f'({self.bad} bad of {self.seen} read by this process)',
                logger='current', level=30)
            out = None
        if self.seen >= self.min_seen and \
                self.bad > self.max_bad_fraction * self.seen:
            raise DataError(
                f'{self.bad} of {self.seen} images failed to load (more than '
                f'max_bad_fraction={self.max_bad_fraction}), the last one '
                f'{self.last_bad}: fix or remove the files from the ann '
                'file, or raise max_bad_fraction of LoadImageOrSkip in the '
                'pipeline.')
        return out


@TRANSFORMS.register_module()
class ResizeCenterCrop(BaseTransform):
    """The evaluation view: resize the short side to ``scale * crop_ratio``
    (224 -> 256), center crop ``scale``; an image whose short side is at
    most ``scale`` is resized to ``scale x scale`` instead (small transfer
    datasets, 28-px Fashion-MNIST: no crop of an image smaller than the
    model's input). Bicubic, with Pillow (as ``RandomResizedCrop`` of our
    training pipelines).

    Required keys: ``img`` (``H x W x C`` uint8). Modified: ``img``,
    ``img_shape``.
    """

    def __init__(self, scale: int, crop_ratio: float = 8 / 7):
        self.scale = int(scale)
        self.crop_ratio = crop_ratio

    def transform(self, results: dict) -> dict:
        img = results['img']
        squeeze = img.ndim == 3 and img.shape[2] == 1
        pil = Image.fromarray(img[..., 0] if squeeze else img)
        size = self.scale
        w, h = pil.size
        if min(w, h) > size:
            factor = round(size * self.crop_ratio) / min(w, h)
            pil = pil.resize((max(size, round(w * factor)),
                              max(size, round(h * factor))), Image.BICUBIC)
            w, h = pil.size
            left, top = (w - size) // 2, (h - size) // 2
            pil = pil.crop((left, top, left + size, top + size))
        elif (w, h) != (size, size):
            pil = pil.resize((size, size), Image.BICUBIC)
        out = np.array(pil)  # writable (torch.from_numpy downstream)
        results['img'] = out[..., None] if squeeze else out
        results['img_shape'] = out.shape[:2]
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(scale={self.scale}, '
                f'crop_ratio={self.crop_ratio:.4f})')
