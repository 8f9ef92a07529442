"""The study's table: mean ± sd over seeds per row and protocol, costs,
the lr selection, written to docs/study_fashion-mnist.{json,md} (the
markdown between its markers)."""
import glob
import json
import os.path as osp
from typing import Dict, Optional, Tuple

import numpy as np

from .jobs import finetune_lr, selection
from .paths import ROOT, read_json, run_dir, write_json
from .rows import GRID, TOKENIZER_CKPT

PROTOCOLS = [
    ('lp_main', 'linear probe'), ('lp_nomask', 'LP, mask dropped'),
    ('knn_main', 'k-NN (k=20)'), ('low10_main', 'LP 10/class'),
    ('low100_main', 'LP 100/class'), ('finetune', 'fine-tune 1k labels'),
]
MARKERS = ('<!-- study-table:start -->', '<!-- study-table:end -->')
TABLE_JSON = 'docs/study_fashion-mnist.json'  # also the record of past runs


def logged_times(folder) -> Dict[int, float]:
    """``{iter: mmengine's mean time per iteration}`` of a run's training
    logs; the newest log wins where a resumed run logged an iteration
    twice."""
    per_iter = {}
    for path in sorted(glob.glob(osp.join(folder, '*', 'vis_data',
                                          'scalars.json'))):
        for line in open(path):
            rec = json.loads(line)
            if 'time' in rec and 'iter' in rec and 'loss' in rec:
                per_iter[rec['iter']] = rec['time']
    return per_iter


def pretrain_seconds(folder, upto: Optional[int] = None) -> Optional[float]:
    """A run's pretraining time (to iteration ``upto``) from its training
    logs: the logged windows' mean time per iteration times their
    iterations. Unlike the runner's wall clock (``cost.json``), it counts
    the iterations of a run killed and resumed, and not the start-up or the
    dataloader's fast-forward."""
    total, prev = 0., 0
    for it, t in sorted(logged_times(folder).items()):
        if upto is not None and it > upto:
            break
        total, prev = total + t * (it - prev), it
    return total or None


def run_values(r, folder, chosen) -> dict:
    """One run's results by protocol (the row's main mask), fingerprint and
    cost."""
    probe = read_json(osp.join(folder, 'probe.json')) or {}
    main = 'mask' if r.masked else 'nomask'
    ft = read_json(osp.join(folder, 'finetune.json'))
    vals = {
        'lp_main': probe.get(f'lp_{main}'),
        'lp_nomask': probe.get('lp_nomask') if r.masked else None,
        'knn_main': probe.get(f'knn_{main}'),
        'low10_main': probe.get(f'low10_{main}'),
        'low100_main': probe.get(f'low100_{main}'),
        # another protocol's (older) fine-tune does not count
        'finetune': ft if ft and ft.get('lr') == chosen else None,
    }
    vals = {k: v['top1'] for k, v in vals.items() if v}
    lp = probe.get(f'lp_{main}')
    if lp and 'val_top1' in lp:  # the probe's own 1k of its 5k
        vals['lp_val'] = max(lp['val_top1'].values())
    recon = read_json(osp.join(folder, 'recon.json'))
    if recon:
        vals['recon_group_ar_mse'] = recon['group_ar_mse']
        vals['recon_one_shot_mse'] = recon['one_shot_mse']
    sha = (read_json(osp.join(folder, 'pretrain.json')) or
           {}).get('model_sha256')
    if sha:
        vals['model_sha256'] = sha
    return vals


def stats(runs: Dict) -> Dict:
    """mean, sd (ddof 1), n and per-seed values of every result key."""
    out = {}
    keys = {k for v in runs.values() for k in v
            if k not in ('cost_s', 'model_sha256')}
    for k in sorted(keys):
        xs = [v[k] for v in runs.values() if k in v]
        out[k] = dict(mean=float(np.mean(xs)),
                      sd=float(np.std(xs, ddof=1)) if len(xs) > 1 else None,
                      n=len(xs), per_seed=[round(x, 4) for x in xs])
    return out


def collect(root, record: Optional[Dict] = None) -> Dict:
    """Every row's runs: what the work root holds, else (a run whose folder
    is gone: a new checkout) the run as ``record`` (the table's JSON as
    written before) has it."""
    table, chosen = {}, finetune_lr(root)
    kept = (record or {}).get('rows', {})
    for r in GRID:
        runs = {}
        for seed in r.seeds:
            folder = run_dir(root, r.name, seed)
            vals = run_values(r, folder, chosen)
            cost = read_json(osp.join(folder, 'cost.json'))
            if cost and r.config:
                cost['pretrain_logged'] = pretrain_seconds(folder)
            if vals or cost:
                runs[seed] = dict(vals, cost_s=cost)
            elif str(seed) in kept.get(r.name, {}).get('runs', {}):
                runs[seed] = kept[r.name]['runs'][str(seed)]
        table[r.name] = dict(label=r.label, group=r.group, runs=runs,
                             stats=stats(runs))
    return table


def cell(stat, digits=2):
    if stat is None:
        return '–'
    per = '/'.join(f'{x:.{digits}f}' for x in stat['per_seed'])
    if stat['n'] == 1:
        return f'{stat["mean"]:.{digits}f}'
    return f'{stat["mean"]:.{digits}f} ± {stat["sd"]:.{digits}f} ({per})'


def run_costs(run) -> Tuple[float, float]:
    """(pretraining, evaluation) seconds of one run: the pretraining from
    its training logs, the evaluations from the runner's wall clock."""
    cost = run.get('cost_s') or {}
    evals = sum(v for k, v in cost.items()
                if k not in ('pretrain', 'pretrain_logged'))
    return cost.get('pretrain_logged') or 0., evals


def per_seed(seconds) -> str:
    return f'{sum(seconds) / 60 / len(seconds):.0f} min/seed' \
        if any(seconds) else '–'


def main_table(table, extra_s=0.):
    """The protocol table's lines and the grid's compute ``[pre, eval]``."""
    lines = ['| row | seeds | ' + ' | '.join(n for _, n in PROTOCOLS) +
             ' | pretraining cost | evaluation cost |',
             '|' + '---|' * (len(PROTOCOLS) + 4)]
    total = [extra_s, 0.]
    for t in table.values():
        costs = [run_costs(v) for v in t['runs'].values()] or [(0., 0.)]
        pre, evals = zip(*costs)
        total = [total[0] + sum(pre), total[1] + sum(evals)]
        # seeds evaluated, not pretrainings only started
        seeds = sum('lp_main' in v for v in t['runs'].values())
        lines.append(f'| {t["label"]} | {seeds} | ' + ' | '.join(
            cell(t['stats'].get(k)) for k, _ in PROTOCOLS) +
            f' | {per_seed(pre)} | {per_seed(evals)} |')
    return lines, total


def markdown(table, extra_s=0.) -> str:
    """The tables of the doc; ``extra_s``: compute outside the rows (the
    tokenizer), counted in the grid's total."""
    lines, total = main_table(table, extra_s)
    lines += ['', f'Compute of the runs in the table: {sum(total) / 3600:.1f} '
              f'slot-hours — pretraining (and the tokenizer) '
              f'{total[0] / 3600:.1f}, evaluations {total[1] / 3600:.1f} '
              '(wall clock of every evaluation job, redone ones included).']
    lines += ['', '| diagnostic (one recipe, one seed) | LP validation top-1 '
              '(1k held out of the probe\'s 5k) | LP test top-1 |',
              '|---|---|---|']
    for name, t in table.items():
        s = t['stats']
        if (t['group'] == 'diagnostic' or name == GRID[0].name) and \
                'lp_val' in s:
            lines.append(f'| {t["label"]} | {cell(s["lp_val"])} | '
                         f'{cell(s.get("lp_main"))} |')
    lines += ['', '| row | group-AR masked MSE | one-shot masked MSE |',
              '|---|---|---|']
    lines += [f'| {t["label"]} | {cell(t["stats"]["recon_group_ar_mse"], 4)}'
              f' | {cell(t["stats"]["recon_one_shot_mse"], 4)} |'
              for t in table.values() if 'recon_group_ar_mse' in t['stats']]
    return '\n'.join(lines) + '\n'


def selection_markdown(sel, chosen) -> str:
    runs = sorted({k for v in sel.values() for k in v})
    lines = ['', '| fine-tune lr (validation split) | ' + ' | '.join(runs) +
             ' | mean |', '|' + '---|' * (len(runs) + 2)]
    for lr, res in sel.items():
        xs = [res.get(k) for k in runs]
        mean = sum(xs) / len(xs) if None not in xs else None
        lines.append(f'| {lr}{" (chosen)" if chosen == float(lr) else ""} | '
                     + ' | '.join('–' if x is None else f'{x:.2f}'
                                  for x in xs + [mean]) + ' |')
    return '\n'.join(lines) + '\n'


def splice(path: str, text: str, markers=MARKERS) -> None:
    """Put ``text`` between the markers of the doc at ``path`` (the rest
    of the doc kept; markers appended if missing)."""
    start, end = markers
    body = open(path).read() if osp.isfile(path) else f'{start}\n{end}\n'
    if start not in body:
        body += f'\n{start}\n{end}\n'
    before, rest = body.split(start, 1)
    after = rest.split(end, 1)[1]
    with open(path, 'w') as f:
        f.write(f'{before}{start}\n{text}{end}{after}')


def write_table(root, doc='docs/study_fashion-mnist.md'):
    """The table from the work root, runs it no longer holds as recorded
    in docs/study_fashion-mnist.json (nothing measured is lost)."""
    if not any(read_json(osp.join(run_dir(root, r.name, s), 'cost.json'))
               for r in GRID for s in r.seeds):
        print(f'no run of the grid under {root}: {TABLE_JSON} and {doc} '
              'kept as they are')
        return
    record = read_json(osp.join(ROOT, TABLE_JSON)) or {}
    table = collect(root, record)
    sel, chosen = selection(root), finetune_lr(root)
    if chosen is None:  # the selection's runs are gone: keep its record
        sel = record.get('finetune_lr_selection', sel)
        chosen = record.get('finetune_lr')
    write_json(osp.join(ROOT, TABLE_JSON),
               dict(rows=table, finetune_lr_selection=sel,
                    finetune_lr=chosen))
    tokenizer = pretrain_seconds(osp.dirname(osp.join(ROOT, TOKENIZER_CKPT)))
    text = markdown(table, tokenizer or 0.) + selection_markdown(sel, chosen)
    splice(osp.join(ROOT, doc), text)
    print(text)
