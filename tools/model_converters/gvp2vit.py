"""Convert a GVP pretraining checkpoint into plain ViT backbone weights.

    python tools/model_converters/gvp2vit.py PRETRAIN.pth OUT.pth

The output holds tensors only (``{'state_dict': {...}}``, keys as in
mmpretrain's ``VisionTransformer``), so every downstream library loads it
with ``init_cfg=dict(type='Pretrained', checkpoint='OUT.pth')``.
"""
import argparse
import io

import torch

from gvp.models.backbones.convert import gvp_to_vit
from gvp.utils.atomic_io import atomic_write
from gvp.utils.dist import run_reporting_errors
from gvp.utils.safe_load import load_checkpoint_file
from gvp.utils.tool_args import add_trust_arg, apply_trust_arg


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('src', help='GVP pretraining checkpoint')
    parser.add_argument('dst', help='output backbone checkpoint')
    add_trust_arg(parser)
    args = parser.parse_args()
    # the safe loader (weights_only + allowlist) unless --trust-checkpoint
    # names src
    apply_trust_arg(args)
    checkpoint = load_checkpoint_file(args.src)
    state = gvp_to_vit(checkpoint)
    buf = io.BytesIO()
    torch.save({'state_dict': state}, buf)
    atomic_write(args.dst, buf.getvalue(), verify_zip=True)
    print(f'{len(state)} tensors written to {args.dst}')


if __name__ == '__main__':
    run_reporting_errors(main)
