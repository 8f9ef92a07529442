"""Classification datasets on disk for the transfer benchmark (paper
table 2) and the linear probes.

The nine transfer datasets are read by mmpretrain's dataset classes from
their official layouts (``<root>/<name>/`` as each class documents: CIFAR's
python batches, Caltech101's ``meta/`` + ``101_ObjectCategories/``, DTD's
``imdb/imdb.mat``, ...). A dataset without an mmpretrain class (e.g.
Fashion-MNIST) is read from ``<root>/<name>/``, the first that exists:

* mmpretrain ann files: ``meta/train.txt`` and ``meta/test.txt`` (or
  ``meta/val.txt``), lines ``<relative path> <label>``; images under
  ``<split>/`` when that folder exists, else under ``<name>/``;
* ImageFolder: ``train/<class>/*`` and ``test/<class>/*`` (or ``val/``).

Items are ``(path or HxWx3 uint8 RGB array, label)``.
"""
import os
import os.path as osp
from typing import List, Optional, Tuple

IMAGE_EXT = ('.jpg', '.jpeg', '.png', '.bmp', '.ppm', '.pgm', '.tif', '.tiff',
             '.webp')
Items = List[Tuple[object, int]]
DOCS = 'https://mmpretrain.readthedocs.io/en/latest/api/datasets.html'
# our name -> (mmpretrain class, (train split, test split)). The training
# split is trainval where the class has one (the probe picks its L2
# strength on its own validation split of it).
OFFICIAL = {
    'aircraft': ('FGVCAircraft', ('trainval', 'test')),
    'caltech101': ('Caltech101', ('train', 'test')),
    'cars': ('StanfordCars', ('train', 'test')),
    'cifar10': ('CIFAR10', ('train', 'test')),
    'cifar100': ('CIFAR100', ('train', 'test')),
    'dtd': ('DTD', ('trainval', 'test')),
    'flowers': ('Flowers102', ('trainval', 'test')),
    'food101': ('Food101', ('train', 'test')),
    'pets': ('OxfordIIITPet', ('trainval', 'test')),
}


def _test_split(base: str, candidates) -> Optional[str]:
    return next((c for c in candidates if osp.exists(osp.join(base, c))), None)


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


def _official(root: str, name: str):
    """``(train, test, layout)`` read by the mmpretrain class of ``name``."""
    import mmpretrain.datasets as mmpre_datasets
    cls_name, splits = OFFICIAL[name]
    cls = getattr(mmpre_datasets, cls_name)
    folder = osp.join(root, name)
    if not osp.isdir(folder):
        return None, None, f'no folder {folder}'
    kwargs = dict(download=False) if cls_name.startswith('CIFAR') else {}
    out = []
    for split in splits:
        try:
            data = cls(data_root=folder, split=split, pipeline=[], **kwargs)
        except Exception as e:  # noqa: B902 (each class fails its own way)
            reason = str(e).strip().splitlines()[0] if str(e).strip() \
                else type(e).__name__
            return None, None, (
                f'{folder} is not in the layout mmpretrain\'s {cls_name} '
                f'reads ({reason}); see {DOCS}#{cls_name.lower()}')
        out.append([(info.get('img_path',
                              info.get('img')), int(info['gt_label']))
                    for info in (data.get_data_info(i)
                                 for i in range(len(data)))])
    return out[0], out[1], f'{cls_name} ({"/".join(splits)})'


def find_dataset(root: str, name: str):
    """``(train_items, test_items, layout)``, or ``(None, None, why)``.

    The nine transfer datasets (:data:`OFFICIAL`) are read by mmpretrain's
    classes from their official layouts under ``<root>/<name>/``; any other
    name from mmpretrain ann files or ImageFolder class folders.
    """
    if name in OFFICIAL:
        return _official(root, name)
    base = osp.join(root, name)
    if not osp.isdir(base):
        return None, None, f'no folder {base}'
    test = _test_split(osp.join(base, 'meta'), ('test.txt', 'val.txt'))
    if osp.isfile(osp.join(base, 'meta', 'train.txt')) and test:
        return (_from_ann(base, 'train'), _from_ann(base, test[:-4]),
                'mmpretrain ann files')
    test = _test_split(base, ('test', 'val'))
    if osp.isdir(osp.join(base, 'train')) and test:
        classes = sorted(
            d for d in os.listdir(osp.join(base, 'train'))
            if osp.isdir(osp.join(base, 'train', d)))
        return (_from_folders(osp.join(base, 'train'), classes),
                _from_folders(osp.join(base, test), classes), 'ImageFolder')
    return None, None, (
        f'{base} has neither meta/train.txt + meta/test.txt nor train/ + '
        'test/ class folders')
