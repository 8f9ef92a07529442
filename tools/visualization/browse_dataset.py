"""Save what a config's training pipeline gives the model: the first N
items (every view), as one PNG.

    python tools/visualization/browse_dataset.py CONFIG [--num 16]
        [--out dataset.png] [--cfg-options k=v ...]
"""
import argparse

import numpy as np
from mmengine.config import DictAction
from mmengine.registry import DefaultScope
from PIL import Image

from gvp.apis import get_config
from gvp.utils import check_data_paths


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--num', type=int, default=16)
    p.add_argument('--per-row', type=int, default=8)
    p.add_argument('--out', default='dataset.png')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    args = p.parse_args()
    import gvp  # noqa: F401
    from gvp.registry import DATASETS
    cfg = get_config(args.config, args.cfg_options)
    check_data_paths(cfg)  # a missing folder: one line with the fix
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'gvp')):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    tiles = []
    for i in range(min(args.num, len(dataset))):
        inputs = dataset[i]['inputs']
        for view in inputs if isinstance(inputs, list) else [inputs]:
            img = view.numpy().transpose(1, 2, 0)  # CHW -> HWC
            tiles.append(np.clip(img, 0, 255).astype(np.uint8))
    h, w, c = tiles[0].shape
    cols = min(args.per_row, len(tiles))
    rows = -(-len(tiles) // cols)
    sheet = np.full((rows * (h + 2), cols * (w + 2), c), 255, np.uint8)
    for k, tile in enumerate(tiles):
        r, q = divmod(k, cols)
        sheet[r * (h + 2):r * (h + 2) + h, q * (w + 2):q * (w + 2) + w] = tile
    Image.fromarray(sheet.squeeze()).save(args.out)
    print(f'{len(tiles)} views of {min(args.num, len(dataset))} items of '
          f'{len(dataset)}: {args.out}')


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
