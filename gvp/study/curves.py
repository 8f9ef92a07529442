"""The learning curves' table and picture: every probe of every curve row
at each probed iteration, against iterations and against the pretraining
compute spent to reach it (FLOPs of a training step, counted; and the
slot-seconds of the run's training logs),
written to docs/study_curves_fashion-mnist.{json,md,png}."""
import os.path as osp
from typing import Optional

from .paths import ROOT, read_json, repo_config, run_dir, write_json
from .rows import CURVES
from .table import pretrain_seconds, splice

PROBES = (('lp', 'linear probe'), ('knn', 'k-NN (k=20)'),
          ('low10', 'LP 10/class'), ('low100', 'LP 100/class'))
MARKERS = ('<!-- curves-table:start -->', '<!-- curves-table:end -->')
DOC = 'docs/study_curves_fashion-mnist'
GAP_MARKERS = ('<!-- curves-gap:start -->', '<!-- curves-gap:end -->')
#: the headline claim's pair: GVP (mask kept) against MAE
HEADLINE = ('gvp-p2p-mixed-k20-2400i', 'mae-2400i')
#: the same pair on the grid's own 600-iteration runs (lr decayed by 600)
HEADLINE_600I = ('gvp-p2p-mixed-k20-600i', 'mae-600i')
#: equal compute: MAE's point against the GVP points on either side of its
#: pretraining FLOPs (GVP's step costs 3.2x MAE's)
EQUAL_COMPUTE = ((2400, 600), (2400, 1200))


def step_flops(config: str, batch: int = 8) -> float:
    """Training FLOPs of one step of ``config`` per image: the loss's
    forward (torch's FlopCounterMode, plans drawn as in training) times 3
    (backward about twice the forward), on a batch of random images."""
    import torch
    from mmengine.registry import DefaultScope

    from gvp.benchmark.flops import count
    from gvp.registry import MODELS
    from .paths import repo_config
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('gvp'):
        model = MODELS.build(repo_config(config).model)
    x = torch.randn(batch, 3, 28, 28)
    return 3. * count(lambda: model.loss(x, [])) / batch


def curve_points(root, row, seed=0, flops=None) -> list:
    """``[{it, seconds, lp, knn, ..., C, lp_nomask_other}]`` of run
    ``seed`` of one curve row, the probes of its own mask (MAE: none; GVP:
    kept)."""
    r, folder = row, run_dir(root, row.name, seed)
    main = 'mask' if r.masked else 'nomask'
    flops = flops or step_flops(r.config)
    batch = repo_config(r.config).train_dataloader.batch_size
    points = []
    for it in r.points_of(seed):
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
    fig, axes = plt.subplots(2, 2, figsize=(10, 8.5))
    for (col, xkey, xlabel) in ((0, 'it', 'pretraining iterations'),
                                (1, 'pflops', 'pretraining PFLOPs')):
        for row, (key, title) in enumerate(PROBES[:2]):
            ax = axes[row][col]
            for c in curves.values():
                xs = [p[xkey] for p in c['points']]
                line, = ax.plot(xs, [p[key] for p in c['points']], 'o-',
                                label=c['label'])
                more = [p for s, pts in c.get('seeds', {}).items()
                        if s != '0' for p in pts]
                ax.plot([p[xkey] for p in more], [p[key] for p in more],
                        'x', color=line.get_color())
            ax.set(xlabel=xlabel, ylabel=f'{title} top-1 (%)',
                   title=f'{title}, Fashion-MNIST test\n'
                   '(line: seed 0; x: seeds 1, 2)')
            ax.grid(alpha=.3)
    # below the panels: inside one, the legend hides points
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc='lower center', ncol=2, fontsize=8)
    fig.tight_layout(rect=(0, .03 + .02 * ((len(labels) + 1) // 2), 1, 1))
    fig.savefig(path, dpi=110)


def read_curve(root, r, record: Optional[dict] = None) -> dict:
    """One curve row: its first seed's points along the run, and every
    seed's points where its further seeds are probed. A run that has no
    points in the work root (its folder gone: a new checkout) keeps those
    ``record`` (the curves' JSON as written before) has."""
    flops = step_flops(r.config)
    batch = repo_config(r.config).train_dataloader.batch_size
    kept = (record or {}).get(r.name, {})
    # kept points get their compute from today's count as well
    seeds = {s: curve_points(root, r, s, flops)
             or [dict(p, pflops=p['it'] * batch * flops / 1e15)
                 for p in kept.get('seeds', {}).get(str(s), [])]
             for s in r.seeds}
    return dict(label=r.label, points=seeds[r.seeds[0]],
                seeds={str(s): p for s, p in seeds.items() if p})


def write_curves(root) -> dict:
    """Table (JSON, markdown between the doc's markers) and picture of the
    curve rows that have results, and the headline's gap over seeds."""
    record = read_json(osp.join(ROOT, DOC + '.json'))
    curves = {r.name: read_curve(root, r, record) for r in CURVES}
    curves = {k: v for k, v in curves.items() if v['points']}
    if not curves:
        return curves
    write_json(osp.join(ROOT, DOC + '.json'), curves)
    splice(osp.join(ROOT, DOC + '.md'), markdown(curves), MARKERS)
    if HEADLINE[0] in curves and HEADLINE[1] in curves:
        splice(osp.join(ROOT, DOC + '.md'), headline(curves), GAP_MARKERS)
    plot(curves, osp.join(ROOT, DOC + '.png'))
    print(markdown(curves))
    return curves


def seed_values(curve, it, key='lp') -> list:
    """``key`` at iteration ``it`` of every seed of a curve that has it."""
    return [p[key] for pts in curve['seeds'].values() for p in pts
            if p['it'] == it]


def spread(values) -> str:
    """mean ± sd (n) over seeds; one seed: its value and (1)."""
    import numpy as np
    if len(values) < 2:
        return f'{values[0]:.2f} (1)' if values else '–'
    return (f'{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f} '
            f'({len(values)})')


def _gap_row(label, gvp, mae) -> str:
    import numpy as np
    gap = '–' if not gvp or not mae else \
        f'{np.mean(gvp) - np.mean(mae):+.2f}'
    return f'| {label} | {spread(gvp)} | {spread(mae)} | {gap} |'


def headline(curves) -> str:
    """The headline's gap (linear probe, each method's own mask) at every
    point, at equal iterations and at equal compute, over the seeds run."""
    gvp, mae = (curves[n] for n in HEADLINE)
    lines = ['| point | GVP mixed K=20, mask kept (seeds) | MAE (seeds) | '
             'gap of the means |', '|---|---|---|---|']
    for it in sorted({p['it'] for p in gvp['points'] + mae['points']}):
        lines.append(_gap_row(f'{it} iterations', seed_values(gvp, it),
                              seed_values(mae, it)))
    for it_mae, it_gvp in EQUAL_COMPUTE:
        lines.append(_gap_row(
            f'equal compute: GVP at {it_gvp} vs MAE at {it_mae}',
            seed_values(gvp, it_gvp), seed_values(mae, it_mae)))
    if all(n in curves for n in HEADLINE_600I):
        gvp, mae = (curves[n] for n in HEADLINE_600I)
        lines.append(_gap_row('600 iterations of the 600-iteration runs',
                              seed_values(gvp, 600), seed_values(mae, 600)))
    return '\n'.join(lines) + '\n'
