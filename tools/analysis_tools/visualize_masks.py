"""Draw M_h and M_g of a sampled group plan as a PNG (paper figure 1).

    python tools/analysis_tools/visualize_masks.py OUT.png \
        [--generator mixed|fixed|random] [--num-groups 20] [--grid 7 7]
        [--num-cond 1] [--order RandomOrder|RasterOrder|CentreOutOrder]
        [--seed 0] [--config CFG]

Blue: may attend (the paper's 0); white: masked (-inf). The top row shows the
masks at token positions, as the model uses them; the bottom row permutes
rows and columns into the order z (condition first), where the group-block
staircase of eqs. 11 and 17 is visible. With --config, the mask generator and
T are taken from a GVP config.
"""
import argparse

import matplotlib
import numpy as np
import torch

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

import gvp  # noqa: F401,E402
from gvp.models.masking import causal_masks, full_ranks  # noqa: E402
from gvp.registry import MODELS  # noqa: E402

GENERATORS = {
    'mixed': 'MixedLengthMaskGenerator',
    'fixed': 'FixedLengthMaskGenerator',
    'random': 'RandomLengthMaskGenerator'
}


def generator_from_args(args):
    if args.config:
        from mmengine.config import Config
        backbone = Config.fromfile(args.config).model.backbone
        size, patch = backbone.get('img_size', 224), backbone.patch_size
        return MODELS.build(backbone.mask_generator), (size // patch, ) * 2
    return MODELS.build(
        dict(
            type=GENERATORS[args.generator],
            num_groups=args.num_groups,
            order=dict(type=args.order))), tuple(args.grid)


def draw_plan(axes, plan, grid):
    """The plan on the patch grid: group of each token, place in z."""
    place = torch.empty_like(plan.order[0])
    place[plan.order[0]] = torch.arange(grid[0] * grid[1])
    for row, (name, m) in enumerate((('group k of each token', plan.ranks[0]),
                                     ('place in the order z', place))):
        axes[row, 2].imshow(
            m.view(*grid).numpy(), cmap='viridis', interpolation='nearest')
        axes[row, 2].set_title(f'{name} (patch grid)')
        for (i, j), v in np.ndenumerate(m.view(*grid).numpy()):
            axes[row, 2].text(j, i, str(v), ha='center', va='center',
                              fontsize=7, color='white')


def draw(out, generator, grid, num_cond, seed):
    generator.validate(grid)
    num_tokens = grid[0] * grid[1]
    plan = generator(1, grid, generator=torch.Generator().manual_seed(seed))
    ranks = full_ranks(plan.ranks, num_cond)[0]
    mh, mg = (m[0] for m in causal_masks(ranks[None]))
    perm = torch.cat([torch.arange(num_cond), plan.order[0] + num_cond])
    cmap = ListedColormap(['white', '#3b6fb6'])
    fig, axes = plt.subplots(2, 3, figsize=(15, 10))
    streams = (('M_h (content)', mh), ('M_g (query)', mg))
    for col, (name, m) in enumerate(streams):
        axes[0, col].imshow(
            m.numpy(), cmap=cmap, vmin=0, vmax=1, interpolation='nearest')
        axes[0, col].set_title(f'{name}, token positions')
        axes[1, col].imshow(
            m[perm][:, perm].numpy(),
            cmap=cmap,
            vmin=0,
            vmax=1,
            interpolation='nearest')
        axes[1, col].set_title(f'{name}, in order z')
    draw_plan(axes, plan, grid)
    n = plan.boundaries[0].tolist()
    fig.suptitle(f'{generator}, S={num_cond}, T={num_tokens}\n'
                 f'n = {n}',
                 fontsize=9)
    for ax in axes[:, :2].flat:
        ax.set_xlabel('key j')
        ax.set_ylabel('row i')
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return plan


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out', help='output PNG')
    parser.add_argument('--config', help='take generator and T from here')
    parser.add_argument('--generator', choices=GENERATORS, default='mixed')
    parser.add_argument('--num-groups', type=int, default=20)
    parser.add_argument(
        '--grid',
        type=int,
        nargs=2,
        default=(7, 7),
        metavar=('H', 'W'),
        help='the patch grid')
    parser.add_argument('--num-cond', type=int, default=1)
    parser.add_argument(
        '--order',
        default='RandomOrder',
        help='a registered order (gvp/models/masking/'
        'orders.py)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    generator, grid = generator_from_args(args)
    plan = draw(args.out, generator, grid, args.num_cond, args.seed)
    print(f'masks of plan n={plan.boundaries[0].tolist()} written to '
          f'{args.out}')


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
