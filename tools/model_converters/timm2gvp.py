"""Convert a timm, official MAE or Hugging Face ViT into gvp's layout.

    python tools/model_converters/timm2gvp.py SRC OUT.pth

SRC: a timm state dict (``.pth`` / ``.safetensors``), an official MAE file
(``{'model': ...}``: the decoder is dropped), a Hugging Face ``ViTModel``
folder or file. OUT holds tensors only (``{'state_dict': {...}}``, keys as
mmpretrain's ``VisionTransformer``), for any library's
``init_cfg=dict(type='Pretrained', checkpoint=OUT)``. gvp's own roles read
SRC directly as well.
"""
import argparse
import io

import torch

from gvp.models.backbones.convert import read_weights, vit_weights
from gvp.utils.atomic_io import atomic_write
from gvp.utils.dist import run_reporting_errors
from gvp.utils.tool_args import add_trust_arg, apply_trust_arg


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('src', help='timm / MAE / Hugging Face weights')
    parser.add_argument('dst', help='output backbone checkpoint')
    add_trust_arg(parser)
    args = parser.parse_args()
    apply_trust_arg(args)
    state = vit_weights(read_weights(args.src))
    buf = io.BytesIO()
    torch.save({'state_dict': state}, buf)
    atomic_write(args.dst, buf.getvalue(), verify_zip=True)
    print(f'{len(state)} tensors written to {args.dst}')


if __name__ == '__main__':
    run_reporting_errors(main)
