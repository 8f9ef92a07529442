"""Convert a GVP checkpoint into timm's ViT layout (safetensors).

    python tools/model_converters/gvp2timm.py PRETRAIN.pth OUT.safetensors

Takes a GVP pretraining checkpoint, a ``gvp2vit.py`` output or a
fine-tuned classifier's. The file's metadata ``timm_kwargs`` holds the
sizes, so that

    kw = json.loads(safe_open(OUT, 'pt').metadata()['timm_kwargs'])
    vit = timm.models.vision_transformer.VisionTransformer(**kw)
    vit.load_state_dict(safetensors.torch.load_file(OUT))

gives our features (``vit.forward_features`` = the fine-tune role's tokens
after the final norm).
"""
import argparse
import json

from gvp.models.backbones.convert import save_safetensors, vit_weights
from gvp.models.backbones.layouts import geometry, ours_to_timm
from gvp.utils.dependencies import require
from gvp.utils.dist import run_reporting_errors
from gvp.utils.safe_load import load_checkpoint_file
from gvp.utils.tool_args import add_trust_arg, apply_trust_arg


def timm_kwargs(geo) -> dict:
    """timm ``VisionTransformer`` arguments of a ViT of these sizes."""
    return dict(img_size=geo['img_size'], patch_size=geo['patch_size'],
                in_chans=geo['in_chans'], embed_dim=geo['embed_dim'],
                depth=geo['depth'], num_heads=geo['num_heads'],
                mlp_ratio=geo['mlp_dim'] / geo['embed_dim'], qkv_bias=True,
                class_token=True, global_pool='token', num_classes=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('src', help='GVP checkpoint')
    parser.add_argument('dst', help='output .safetensors')
    parser.add_argument('--num-heads', type=int, default=0,
                        help='attention heads (default: mmpretrain\'s arch '
                        'of the same width and depth)')
    add_trust_arg(parser)
    args = parser.parse_args()
    apply_trust_arg(args)
    require('gvp2timm.py', 'safetensors')
    state = vit_weights(load_checkpoint_file(args.src))
    kwargs = timm_kwargs(geometry(state, args.num_heads))
    save_safetensors(args.dst, ours_to_timm(state),
                     dict(timm_kwargs=json.dumps(kwargs), format='pt'))
    print(f'{len(state)} tensors written to {args.dst} (timm '
          f'VisionTransformer(**{kwargs}))')


if __name__ == '__main__':
    run_reporting_errors(main)
