"""Convert a GVP checkpoint into a Hugging Face ``ViTModel`` folder.

    python tools/model_converters/gvp2hf.py PRETRAIN.pth OUT_DIR

Takes what ``gvp2timm.py`` takes; writes ``OUT_DIR/config.json`` and
``OUT_DIR/model.safetensors`` (qkv split into query / key / value), so
that ``transformers.ViTModel.from_pretrained(OUT_DIR,
add_pooling_layer=False)(pixel_values).last_hidden_state`` gives the
fine-tune role's tokens after the final norm.
"""
import argparse
import json
import os
import os.path as osp

from gvp.models.backbones.convert import save_safetensors, vit_weights
from gvp.models.backbones.layouts import geometry, hf_config, ours_to_hf
from gvp.utils.atomic_io import atomic_write
from gvp.utils.dependencies import require
from gvp.utils.dist import run_reporting_errors
from gvp.utils.safe_load import load_checkpoint_file
from gvp.utils.tool_args import add_trust_arg, apply_trust_arg


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('src', help='GVP checkpoint')
    parser.add_argument('dst', help='output folder')
    parser.add_argument('--num-heads', type=int, default=0,
                        help='attention heads (default: mmpretrain\'s arch '
                        'of the same width and depth)')
    add_trust_arg(parser)
    args = parser.parse_args()
    apply_trust_arg(args)
    require('gvp2hf.py', 'safetensors')
    state = vit_weights(load_checkpoint_file(args.src))
    config = hf_config(geometry(state, args.num_heads))
    os.makedirs(args.dst, exist_ok=True)
    save_safetensors(osp.join(args.dst, 'model.safetensors'),
                     ours_to_hf(state), dict(format='pt'))
    atomic_write(osp.join(args.dst, 'config.json'),
                 json.dumps(config, indent=1))
    print(f'{len(state)} tensors written to {args.dst} (ViTModel, '
          f'hidden_size={config["hidden_size"]})')


if __name__ == '__main__':
    run_reporting_errors(main)
