"""Find a classification dataset on disk in one of the usual layouts.

Under ``<root>/<name>/``, the first that exists:

* mmpretrain ann files: ``meta/train.txt`` and ``meta/test.txt`` (or
  ``meta/val.txt``), lines ``<relative path> <label>``; images under
  ``<split>/`` when that folder exists, else under ``<name>/``;
* ImageFolder: ``train/<class>/*`` and ``test/<class>/*`` (or ``val/``);
* CIFAR python batches: ``cifar-10-batches-py/`` or ``cifar-100-python/``.

Items are ``(path or HxWx3 uint8 array, label)``.
"""
import os
import os.path as osp
import pickle
from typing import List, Optional, Tuple

import numpy as np
from PIL import Image

IMAGE_EXT = ('.jpg', '.jpeg', '.png', '.bmp', '.ppm', '.pgm', '.tif',
             '.tiff', '.webp')
Items = List[Tuple[object, int]]


def _test_split(base: str, candidates) -> Optional[str]:
    return next((c for c in candidates if osp.exists(osp.join(base, c))),
                None)


def _from_ann(folder: str, split: str) -> Items:
    prefix = osp.join(folder, split)
    prefix = prefix if osp.isdir(prefix) else folder
    items = []
    with open(osp.join(folder, 'meta', f'{split}.txt')) as f:
        for line in f:
            if line.strip():
                path, label = line.rsplit(maxsplit=1)
                items.append((osp.join(prefix, path), int(label)))
    return items


def _from_folders(split_dir: str, classes: List[str]) -> Items:
    items = []
    for label, cls in enumerate(classes):
        for dirpath, _, files in sorted(os.walk(osp.join(split_dir, cls))):
            items += [(osp.join(dirpath, f), label) for f in sorted(files)
                      if f.lower().endswith(IMAGE_EXT)]
    return items


def _from_cifar(folder: str, train: bool) -> Items:
    if osp.basename(folder) == 'cifar-10-batches-py':
        files = ([f'data_batch_{i}' for i in range(1, 6)]
                 if train else ['test_batch'])
        key = 'labels'
    else:
        files, key = (['train'] if train else ['test']), 'fine_labels'
    items = []
    for name in files:
        path = osp.join(folder, name)
        if not osp.isfile(path):
            continue
        with open(path, 'rb') as f:
            entry = pickle.load(f, encoding='latin1')
        data = np.asarray(entry['data'], np.uint8).reshape(-1, 3, 32, 32)
        data = data.transpose(0, 2, 3, 1)
        items += list(zip(data, (int(v) for v in entry[key])))
    return items


def find_dataset(root: str, name: str):
    """``(train_items, test_items, layout)``, or ``(None, None, why)``."""
    base = osp.join(root, name)
    if not osp.isdir(base):
        return None, None, f'no folder {base}'
    test = _test_split(osp.join(base, 'meta'), ('test.txt', 'val.txt'))
    if osp.isfile(osp.join(base, 'meta', 'train.txt')) and test:
        return (_from_ann(base, 'train'), _from_ann(base, test[:-4]),
                'mmpretrain ann files')
    test = _test_split(base, ('test', 'val'))
    if osp.isdir(osp.join(base, 'train')) and test:
        classes = sorted(d for d in os.listdir(osp.join(base, 'train'))
                         if osp.isdir(osp.join(base, 'train', d)))
        return (_from_folders(osp.join(base, 'train'), classes),
                _from_folders(osp.join(base, test), classes), 'ImageFolder')
    for sub in ('cifar-10-batches-py', 'cifar-100-python'):
        if osp.isdir(osp.join(base, sub)):
            folder = osp.join(base, sub)
            return (_from_cifar(folder, True), _from_cifar(folder, False),
                    'CIFAR python batches')
    return None, None, (
        f'{base} has none of meta/train.txt + meta/test.txt, train/ + '
        'test/ class folders, or CIFAR python batches')


def load_rgb(item) -> Image.Image:
    """A path or an ``HxWx3`` array -> RGB PIL image (grayscale repeated)."""
    if isinstance(item, np.ndarray):
        return Image.fromarray(item).convert('RGB')
    try:
        with Image.open(item) as img:
            return img.convert('RGB')
    except (OSError, ValueError) as e:
        raise ValueError(f'cannot read image {item}: {e}; remove or '
                         're-extract the file') from e
