"""Export a fine-tune or probe backbone with ``torch.export`` or to ONNX.

    python tools/deployment/export.py CONFIG|NAME CHECKPOINT OUT.pt2|OUT.onnx
        [--role finetune|probe] [--no-probe-mask] [--cfg-options k=v ...]

The program maps normalised images ``[B, C, H, W]`` (batch 1 … 1024) to
the role's outputs; it is checked against the eager backbone on a batch
(the ONNX file on onnxruntime) once it is written. Load a ``.pt2`` with
``torch.export.load(OUT).module()(images)``, an ``.onnx`` with
``onnxruntime.InferenceSession(OUT)``.
"""
import argparse

import torch
from mmengine.config import DictAction

from gvp.apis import FeatureExtractor
from gvp.apis.export import (export_backbone, export_onnx, exported_difference,
                             require_onnx)
from gvp.apis.model_index import config_file
from gvp.utils.dist import run_reporting_errors
from gvp.utils.errors import GVPError


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='config file or model-index name')
    p.add_argument('checkpoint', help='weights (any layout gvp reads)')
    p.add_argument('out', help='output file: .pt2 (torch.export) or .onnx')
    p.add_argument('--role', choices=['finetune', 'probe'],
                   default='finetune')
    p.add_argument('--no-probe-mask', action='store_true',
                   help='probe role with full attention (M_h dropped)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args()


def main():
    args = parse_args()
    onnx = args.out.endswith('.onnx')
    if onnx:
        require_onnx()  # before the model is built
    fe = FeatureExtractor(config_file(args.config), args.checkpoint,
                          mode=args.role, probe_mask=not args.no_probe_mask,
                          cfg_options=args.cfg_options)
    backbone, channels = fe.backbone, fe.backbone.in_channels
    if channels is None:
        raise GVPError(f'{args.config}: the backbone reads token ids (d2d), '
                       'not images; export a pixel-input model')
    size = backbone.patch_resolution[0] * \
        backbone.patch_embed.projection.kernel_size[0]
    program = export_backbone(backbone, size, channels)
    images = torch.randn(3, channels, size, size)
    if onnx:
        export_onnx(program, args.out)
    else:
        torch.export.save(program, args.out)
    diff = exported_difference(args.out if onnx else program, backbone,
                               images)
    print(f'exported {type(backbone).__name__} ({args.role} role) to '
          f'{args.out}: images [B, {channels}, {size}, {size}] -> '
          f'{[tuple(o.shape[1:]) for o in program.module()(images)]} per '
          f'image; max |exported - eager| = {diff:.3g}')


if __name__ == '__main__':
    run_reporting_errors(main)
