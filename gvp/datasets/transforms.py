"""Image loading that survives a few unreadable files."""
from mmcv.transforms import LoadImageFromFile
from mmengine.logging import print_log

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
