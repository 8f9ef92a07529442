"""A held-out split of a config's training dataset, without augmentation,
for the analysis tools (tokenizer report, reconstruction)."""
from typing import Optional

from .preflight import check_data_paths


def add_split_args(parser) -> None:
    parser.add_argument('--ann-file', default='meta/val.txt',
                        help='the split\'s annotation file (in data_root)')
    parser.add_argument('--data-prefix', default='val',
                        help='the split\'s image folder (in data_root)')
    parser.add_argument('--data-root', help='override the config\'s '
                        'data_root')
    parser.add_argument('--num-images', type=int, default=0,
                        help='use the first N images (0: all)')


def build_split(cfg, ann_file: str, data_prefix: str,
                data_root: Optional[str] = None, num_images: int = 0):
    """``cfg.train_dataloader.dataset`` with another ann file / prefix and a
    load-and-pack pipeline; missing paths fail with the fix named."""
    from gvp.registry import DATASETS
    ds = cfg.train_dataloader.dataset.copy()
    if data_root:
        ds.data_root = data_root
    ds.ann_file, ds.data_prefix = ann_file, data_prefix
    ds.pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
    if num_images:
        ds.indices = num_images
    check_data_paths(dict(train_dataloader=dict(dataset=ds)))
    return DATASETS.build(ds)
