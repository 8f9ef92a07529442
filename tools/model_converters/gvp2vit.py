"""Convert a GVP pretraining checkpoint into plain ViT backbone weights.

    python tools/model_converters/gvp2vit.py PRETRAIN.pth OUT.pth

The output holds tensors only (``{'state_dict': {...}}``, keys as in
mmpretrain's ``VisionTransformer``), so every downstream library loads it
with ``init_cfg=dict(type='Pretrained', checkpoint='OUT.pth')``.
"""
import argparse
import os
import os.path as osp

import torch

from gvp.models.backbones.convert import gvp_to_vit


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('src', help='GVP pretraining checkpoint')
    parser.add_argument('dst', help='output backbone checkpoint')
    args = parser.parse_args()
    # our own runner checkpoint (message hub etc.): trusted, full unpickle
    checkpoint = torch.load(args.src, map_location='cpu', weights_only=False)
    state = gvp_to_vit(checkpoint)
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save({'state_dict': state}, args.dst)
    print(f'{len(state)} tensors written to {args.dst}')


if __name__ == '__main__':
    main()
