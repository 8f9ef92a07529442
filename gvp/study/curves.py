"""The learning curves' table and picture: every probe of every curve row
at each probed iteration, against iterations and against the pretraining
compute spent to reach it (FLOPs of a training step, counted; and the
slot-seconds of the run's training logs),
written to docs/study_curves_fashion-mnist.{json,md,png}."""
import os.path as osp

from .paths import ROOT, read_json, repo_config, run_dir, write_json
from .rows import CURVES
from .table import pretrain_seconds, splice

PROBES = (('lp', 'linear probe'), ('knn', 'k-NN (k=20)'),
          ('low10', 'LP 10/class'), ('low100', 'LP 100/class'))
MARKERS = ('<!-- curves-table:start -->', '<!-- curves-table:end -->')
DOC = 'docs/study_curves_fashion-mnist'


def step_flops(config: str, batch: int = 8) -> float:
    """Training FLOPs of one step of ``config`` per image: the loss's
    forward (torch's FlopCounterMode, plans drawn as in training) times 3
    (backward about twice the forward), on a batch of random images."""
    import torch
    from mmengine.registry import DefaultScope
    from torch.utils.flop_counter import FlopCounterMode

    from gvp.registry import MODELS
    from .paths import repo_config
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('gvp'):
        model = MODELS.build(repo_config(config).model)
    x = torch.randn(batch, 3, 28, 28)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.loss(x, [])
    return 3. * counter.get_total_flops() / batch


def curve_points(root, row) -> list:
    """``[{it, seconds, lp, knn, ..., C, lp_nomask_other}]`` of one curve
    row (seed 0), the probes of its own mask (MAE: none; GVP: kept)."""
    r, folder = row, run_dir(root, row.name, 0)
    main = 'mask' if r.masked else 'nomask'
    flops = step_flops(r.config)
    batch = repo_config(r.config).train_dataloader.batch_size
    points = []
    for it in r.points:
        res = read_json(osp.join(folder, f'probe_it{it}.json'))
        if res is None:
            continue
        point = dict(it=it, seconds=pretrain_seconds(folder, it) or 0.,
                     pflops=it * batch * flops / 1e15,
                     C=res[f'lp_{main}']['C'])
        point.update({k: res[f'{k}_{main}']['top1'] for k, _ in PROBES})
        if r.masked:  # the same features with the mask dropped
            point['lp_nomask'] = res['lp_nomask']['top1']
            point['C_nomask'] = res['lp_nomask']['C']
        points.append(point)
    return points


def markdown(curves) -> str:
    lines = ['| row | iteration | pretraining PFLOPs | slot-min | ' +
             ' | '.join(n for _, n in PROBES) +
             ' | LP chosen C | LP, mask dropped (C) |',
             '|' + '---|' * (len(PROBES) + 6)]
    for name, c in curves.items():
        for p in c['points']:
            drop = (f"{p['lp_nomask']:.2f} ({p['C_nomask']:g})"
                    if 'lp_nomask' in p else '–')
            lines.append(
                f"| {c['label']} | {p['it']} | {p['pflops']:.2f} | "
                f"{p['seconds'] / 60:.1f} | " +
                ' | '.join(f"{p[k]:.2f}" for k, _ in PROBES) +
                f" | {p['C']:g} | {drop} |")
    return '\n'.join(lines) + '\n'


def plot(curves, path) -> None:
    """Linear probe and k-NN against iterations and against compute."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for (col, xkey, xlabel) in ((0, 'it', 'pretraining iterations'),
                                (1, 'pflops', 'pretraining PFLOPs')):
        for row, (key, title) in enumerate(PROBES[:2]):
            ax = axes[row][col]
            for c in curves.values():
                xs = [p[xkey] for p in c['points']]
                ax.plot(xs, [p[key] for p in c['points']], 'o-',
                        label=c['label'])
            ax.set(xlabel=xlabel, ylabel=f'{title} top-1 (%)',
                   title=f'{title}, Fashion-MNIST test, seed 0')
            ax.grid(alpha=.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_curves(root) -> dict:
    """Table (JSON, markdown between the doc's markers) and picture of the
    curve rows that have results."""
    curves = {r.name: dict(label=r.label, points=curve_points(root, r))
              for r in CURVES}
    curves = {k: v for k, v in curves.items() if v['points']}
    if not curves:
        return curves
    write_json(osp.join(ROOT, DOC + '.json'), curves)
    splice(osp.join(ROOT, DOC + '.md'), markdown(curves), MARKERS)
    plot(curves, osp.join(ROOT, DOC + '.png'))
    print(markdown(curves))
    return curves
