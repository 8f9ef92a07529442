"""Tiny datasets in the real ADE20K and COCO formats, for the dense-transfer
tests and the overfitting run (docs/dense_transfer.md).

    python tools/misc/dense_fixtures.py OUT [--train 8] [--val 4]

writes ``OUT/ade/`` (``images/{training,validation}/*.jpg``,
``annotations/{training,validation}/*.png`` label maps; 0 = "other",
ignored with reduce_zero_label) and ``OUT/coco/`` (``{train,val}2017/*.jpg``
and ``annotations/instances_{train,val}2017.json`` with polygon masks).
Pictures are coloured squares and discs on a noisy background, so a small
model can fit them. ``OUT/gvp-tiny-p{8,16}.pth``: a randomly initialised
tiny GVP (4 blocks, 64 wide) through the converter, the fixture configs'
"pretrained" backbones.
"""
import argparse
import json
import math
import os
import os.path as osp

import numpy as np
from PIL import Image, ImageDraw

# ADE20K ids (1-based, 0 = other): wall, floor, ceiling
ADE_BACKGROUND, ADE_SQUARE, ADE_DISC = 1, 4, 6
COCO_CATEGORIES = [dict(id=1, name='square'), dict(id=2, name='disc')]
COLOURS = {'square': (220, 60, 40), 'disc': (40, 90, 220)}


def _shapes(rng, size, count):
    """``count`` non-overlapping-ish shapes: (kind, x0, y0, extent)."""
    out = []
    for i in range(count):
        ext = int(rng.integers(size // 5, size // 3))
        x0 = int(rng.integers(0, size - ext))
        y0 = int(rng.integers(0, size - ext))
        out.append(('square' if
                    (i + rng.integers(2)) % 2 else 'disc', x0, y0, ext))
    return out


def _polygon(kind, x0, y0, ext):
    if kind == 'square':
        return [(x0, y0), (x0 + ext, y0), (x0 + ext, y0 + ext), (x0, y0 + ext)]
    r, cx, cy = ext / 2, x0 + ext / 2, y0 + ext / 2
    return [(cx + r * math.cos(2 * math.pi * k / 16),
             cy + r * math.sin(2 * math.pi * k / 16)) for k in range(16)]


def _picture(rng, size, shapes):
    noise = rng.integers(90, 140, (size, size, 3), dtype=np.uint8)
    img = Image.fromarray(noise)
    draw = ImageDraw.Draw(img)
    for kind, *box in shapes:
        draw.polygon(_polygon(kind, *box), fill=COLOURS[kind])
    return img


def write_ade20k(out, num_train=8, num_val=4, size=64, seed=0):
    rng = np.random.default_rng(seed)
    for split, n in (('training', num_train), ('validation', num_val)):
        os.makedirs(osp.join(out, 'images', split), exist_ok=True)
        os.makedirs(osp.join(out, 'annotations', split), exist_ok=True)
        for i in range(n):
            shapes = _shapes(rng, size, 2)
            name = f'ADE_{split[:5]}_{i:08d}'
            _picture(rng, size, shapes).save(
                osp.join(out, 'images', split, name + '.jpg'), quality=95)
            label = Image.new('L', (size, size), ADE_BACKGROUND)
            draw = ImageDraw.Draw(label)
            draw.rectangle((0, 0, size - 1, 2), fill=0)  # some "other"
            for kind, *box in shapes:
                draw.polygon(
                    _polygon(kind, *box),
                    fill=ADE_SQUARE if kind == 'square' else ADE_DISC)
            label.save(osp.join(out, 'annotations', split, name + '.png'))
    return out


def write_coco(out, num_train=8, num_val=4, size=128, seed=1):
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(out, 'annotations'), exist_ok=True)
    ann_id = 1
    for split, n in (('train2017', num_train), ('val2017', num_val)):
        os.makedirs(osp.join(out, split), exist_ok=True)
        images, anns = [], []
        for i in range(n):
            shapes = _shapes(rng, size, int(rng.integers(1, 4)))
            file_name = f'{i:012d}.jpg'
            _picture(rng, size, shapes).save(
                osp.join(out, split, file_name), quality=95)
            images.append(
                dict(id=i + 1, file_name=file_name, width=size, height=size))
            for kind, x0, y0, ext in shapes:
                poly = _polygon(kind, x0, y0, ext)
                xs, ys = [p[0] for p in poly], [p[1] for p in poly]
                anns.append(
                    dict(
                        id=ann_id,
                        image_id=i + 1,
                        iscrowd=0,
                        category_id=1 if kind == 'square' else 2,
                        segmentation=[[round(v, 2) for p in poly for v in p]],
                        bbox=[
                            min(xs),
                            min(ys),
                            max(xs) - min(xs),
                            max(ys) - min(ys)
                        ],
                        area=float(ext * ext if kind == 'square' else math.pi *
                                   ext * ext / 4)))
                ann_id += 1
        with open(
                osp.join(out, 'annotations', f'instances_{split}.json'),
                'w') as f:
            json.dump(
                dict(
                    images=images,
                    annotations=anns,
                    categories=COCO_CATEGORIES), f)
    return out


def write_tiny_checkpoint(path, patch_size, img_size, seed=0):
    """A tiny GVP pretraining model -> converter output at ``path``."""
    import torch
    from mmengine.registry import init_default_scope

    import gvp  # noqa: F401
    from gvp.models.backbones.convert import gvp_to_vit
    from gvp.registry import MODELS
    init_default_scope('gvp')
    torch.manual_seed(seed)
    model = MODELS.build(
        dict(
            type='GVP',
            backbone=dict(
                type='GVPViT',
                arch=dict(
                    embed_dims=64,
                    num_layers=4,
                    num_heads=2,
                    feedforward_channels=128),
                img_size=img_size,
                patch_size=patch_size,
                mask_generator=dict(
                    type='MixedLengthMaskGenerator', num_groups=4)),
            head=dict(type='GVPHead'),
            target_generator=dict(type='PixelTarget')))
    model.init_weights()
    torch.save({'state_dict': gvp_to_vit(model.state_dict())}, path)
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out')
    p.add_argument('--train', type=int, default=8)
    p.add_argument('--val', type=int, default=4)
    args = p.parse_args()
    write_ade20k(osp.join(args.out, 'ade'), args.train, args.val)
    write_coco(osp.join(args.out, 'coco'), args.train, args.val)
    write_tiny_checkpoint(osp.join(args.out, 'gvp-tiny-p8.pth'), 8, 64)
    write_tiny_checkpoint(osp.join(args.out, 'gvp-tiny-p16.pth'), 16, 128)
    print(f'fixtures written to {args.out}/ (ade, coco, gvp-tiny-p*.pth)')


if __name__ == '__main__':
    main()
