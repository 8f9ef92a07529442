"""Convert Fashion-MNIST IDX files into mmpretrain's folder + ann-file layout.

Source: the IDX files (``.gz`` or plain), e.g. Debian's package
``dataset-fashion-mnist`` at ``/usr/share/datasets/fashion-mnist``.
Output (what ``CustomDataset`` / ``ImageNet``-style configs read)::

    OUT/train/<class>/<index>.png   OUT/val/<class>/<index>.png
    OUT/meta/train.txt  OUT/meta/val.txt   ("<class>/<index>.png <label>")
    OUT/meta/classes.txt

Example::

    python tools/dataset_converters/fashion_mnist.py \
        /usr/share/datasets/fashion-mnist data/fashion-mnist
"""
import argparse
import gzip
import os
import os.path as osp
import struct

import numpy as np
from PIL import Image

CLASSES = ('T-shirt_top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal',
           'Shirt', 'Sneaker', 'Bag', 'Ankle_boot')
SPLITS = {'train': 'train', 'val': 't10k'}
IDX_IMAGES, IDX_LABELS = 2051, 2049


def _open(src: str, stem: str):
    for name in (f'{stem}.gz', stem):
        path = osp.join(src, name)
        if osp.isfile(path):
            return path, (gzip.open if name.endswith('.gz') else open)(
                path, 'rb')
    raise FileNotFoundError(
        f'{stem}(.gz) not found in {src}: install the IDX files (Debian: '
        '`apt-get install dataset-fashion-mnist`, files under '
        '/usr/share/datasets/fashion-mnist) or pass their folder as SRC.')


def read_idx(src: str, stem: str, magic: int) -> np.ndarray:
    """Read one IDX file; a wrong or truncated file raises ``ValueError``."""
    path, f = _open(src, stem)
    with f:
        data = f.read()
    ndim = 3 if magic == IDX_IMAGES else 1
    header = 4 + 4 * ndim
    if len(data) < header or struct.unpack('>I', data[:4])[0] != magic:
        raise ValueError(f'{path} is not an IDX file of the expected kind '
                         f'(magic {magic}): re-download or reinstall it.')
    shape = struct.unpack('>' + 'I' * ndim, data[4:header])
    body = np.frombuffer(data, np.uint8, offset=header)
    if body.size != int(np.prod(shape)):
        raise ValueError(f'{path} is truncated: {body.size} bytes of '
                         f'{int(np.prod(shape))} expected.')
    return body.reshape(shape)


def convert(src: str, out: str, limit: int = 0) -> dict:
    """Write the layout; ``limit`` > 0 keeps the first N images per split."""
    os.makedirs(osp.join(out, 'meta'), exist_ok=True)
    with open(osp.join(out, 'meta', 'classes.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    counts = {}
    for split, prefix in SPLITS.items():
        images = read_idx(src, f'{prefix}-images-idx3-ubyte', IDX_IMAGES)
        labels = read_idx(src, f'{prefix}-labels-idx1-ubyte', IDX_LABELS)
        if len(images) != len(labels):
            raise ValueError(f'{split}: {len(images)} images but '
                             f'{len(labels)} labels in {src}')
        if limit > 0:
            images, labels = images[:limit], labels[:limit]
        for name in CLASSES:
            os.makedirs(osp.join(out, split, name), exist_ok=True)
        lines = []
        for i, (img, label) in enumerate(zip(images, labels)):
            rel = f'{CLASSES[label]}/{i:05d}.png'
            Image.fromarray(img).save(osp.join(out, split, rel))
            lines.append(f'{rel} {int(label)}')
        with open(osp.join(out, 'meta', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        counts[split] = len(lines)
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', nargs='?',
                        default='/usr/share/datasets/fashion-mnist',
                        help='folder with the IDX files')
    parser.add_argument('out', nargs='?', default='data/fashion-mnist')
    parser.add_argument('--limit', type=int, default=0,
                        help='keep only the first N images of each split')
    args = parser.parse_args()
    counts = convert(args.src, args.out, args.limit)
    print(f'Fashion-MNIST written to {args.out}: ' +
          ', '.join(f'{k} {v}' for k, v in counts.items()))


if __name__ == '__main__':
    main()
