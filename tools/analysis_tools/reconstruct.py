"""Reconstruct masked images with a pretrained GVP: figure-2 grid and the
one-shot vs group-autoregressive error on a held-out split (table 8).

    python tools/analysis_tools/reconstruct.py CONFIG CHECKPOINT \
        [--ann-file meta/val.txt] [--data-prefix val] [--num-images N]
        [--mask-ratio 0.75] [--num-groups 8] [--grid-images 8] [--seed 0]
        [--lpips-backbone PATH] [--mae-config CFG --mae-checkpoint CKPT]
        [--out-dir DIR]

CONFIG is the pretraining config (p2p or d2d). The plan is the model's
``model.generation`` (``mask_ratio=0.75, num_groups=8`` by default;
``--mask-ratio`` / ``--num-groups`` override it); the optional top-level
``lpips = dict(net='alex', backbone_checkpoint=PATH)`` gives the LPIPS
backbone. Without LPIPS backbone weights only the masked-pixel MSE is
reported (a line says what is missing). With ``--mae-config`` and
``--mae-checkpoint`` mmpretrain's MAE reconstructs the same masked images
(the same visible tokens; a column "MAE" and ``mae_mse``). Writes
``reconstruction.png`` (columns: original | visible | one-shot | group-AR
[| MAE]) and ``reconstruction.json``.
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.dataset import default_collate

from gvp.apis import get_model, reconstruct
from gvp.evaluation import build_lpips, evaluate_reconstruction, mae_column
from gvp.utils.eval_split import add_split_args, build_split
from gvp.utils.views import preprocess_images
from gvp.visualization.pictures import column_titles


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    add_split_args(p)
    p.add_argument('--mask-ratio', type=float)
    p.add_argument('--num-groups', type=int)
    p.add_argument(
        '--temperature',
        type=float,
        default=0.,
        help='d2d: sample ids at this temperature (0: argmax)')
    p.add_argument('--grid-images', type=int, default=8)
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument(
        '--lpips-backbone',
        help='torchvision weights of the '
        'LPIPS backbone (overrides the config)')
    p.add_argument(
        '--mae-config',
        help='an mmpretrain MAE pretraining config: MAE reconstructs the '
        'same masked images (needs --mae-checkpoint)')
    p.add_argument('--mae-checkpoint', help='its checkpoint')
    p.add_argument('--out-dir', help='default: the checkpoint\'s folder')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    args = p.parse_args()
    if bool(args.mae_config) != bool(args.mae_checkpoint):
        p.error('--mae-config and --mae-checkpoint go together: give both '
                '(an MAE pretraining config and its checkpoint) or neither')
    return args


def lpips_from(cfg, args):
    spec = dict(cfg.get('lpips') or {})
    if args.lpips_backbone:
        spec['backbone_checkpoint'] = args.lpips_backbone
    try:
        return build_lpips(**spec)
    except (ValueError, FileNotFoundError, ImportError) as e:
        print(f'LPIPS skipped: {e}')
        return None


def mae_others(args, model):
    """``others`` of the reconstruction: MAE on the same plans, if asked."""
    if not args.mae_config:
        return None
    mae = get_model(args.mae_config, pretrained=args.mae_checkpoint)
    return dict(mae=mae_column(mae, model))


def main():
    args = parse_args()
    options = dict(args.cfg_options or {})
    if args.mask_ratio:
        options['model.generation.mask_ratio'] = args.mask_ratio
    if args.num_groups:
        options['model.generation.num_groups'] = args.num_groups
    model = get_model(
        args.config,
        pretrained=args.checkpoint,
        cfg_options=options,
        strict=True)
    cfg = model.cfg
    others = mae_others(args, model)
    dataset = build_split(cfg, args.ann_file, args.data_prefix, args.data_root,
                          args.num_images)
    out_dir = args.out_dir or osp.dirname(osp.abspath(args.checkpoint))
    os.makedirs(out_dir, exist_ok=True)

    # the figure: the first images of the split, one seeded plan
    batch = default_collate(
        [dataset[i] for i in range(min(args.grid_images, len(dataset)))])
    inputs = preprocess_images(model.data_preprocessor, batch)
    drawn = reconstruct(model, inputs, seed=args.seed, others=others)
    picture = drawn['figure']
    from PIL import Image

    # already enlarged to >= 112 px a tile, under its titles
    Image.fromarray(picture).save(osp.join(out_dir, 'reconstruction.png'))

    result = evaluate_reconstruction(model, dataset, args.batch_size,
                                     lpips_from(cfg, args), args.seed,
                                     args.temperature, others)
    result.update(checkpoint=args.checkpoint, split=args.ann_file,
                  mae_checkpoint=args.mae_checkpoint)
    with open(osp.join(out_dir, 'reconstruction.json'), 'w') as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))
    titles = column_titles(k for k in drawn if k not in ('ranks', 'figure'))
    print(f'grid: {osp.join(out_dir, "reconstruction.png")} (columns: '
          f'{" | ".join(titles)})')


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
