"""The study's protocols and runner (gvp.study, the package behind
tools/benchmarks/fashion_mnist_study.py).
"""
import json
import os.path as osp

import numpy as np
import pytest

from gvp.evaluation.protocols import (knn_classify, low_label_probe,
                                      per_class_draw)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _study():
    from gvp import study
    return study


def test_knn_is_dinos_weighted_vote():
    rng = np.random.RandomState(0)
    tx, ty = rng.randn(200, 8), rng.randint(0, 3, 200)
    ex, ey = rng.randn(50, 8), rng.randint(0, 3, 50)
    res = knn_classify(tx, ty, ex, ey, k=5, temperature=0.1, chunk=7)
    # brute force, written out
    u = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)  # noqa: E731
    sim = u(ex) @ u(tx).T
    pred = []
    for row in sim:
        nn = np.argsort(-row)[:5]
        votes = np.zeros(3)
        for i in nn:
            votes[ty[i]] += np.exp(row[i] / 0.1)
        pred.append(votes.argmax())
    assert res['top1'] == pytest.approx(100 * np.mean(np.array(pred) == ey))
    # separable clusters: k-NN is perfect, and a scale of the features
    # changes nothing (cosine)
    centres = np.eye(3) * 10
    tx = centres[ty] + rng.randn(200, 3)
    ex = centres[ey] + rng.randn(50, 3)
    assert knn_classify(tx, ty, ex, ey, k=20)['top1'] == 100.
    assert knn_classify(tx * 7, ty, ex, ey, k=20)['top1'] == 100.


def test_low_label_draws_are_balanced_distinct_and_repeatable():
    labels = np.repeat(np.arange(4), 30)
    a, b = per_class_draw(labels, 10, 0), per_class_draw(labels, 10, 1)
    assert np.bincount(labels[a]).tolist() == [10] * 4
    assert not np.array_equal(a, b)
    assert np.array_equal(a, per_class_draw(labels, 10, 0))
    rng = np.random.RandomState(0)
    x = np.eye(4)[labels] * 3 + rng.randn(120, 4)
    res = low_label_probe(x, labels, x, labels, 5, draws=range(3))
    assert len(res['per_draw']) == 3
    assert res['top1'] == pytest.approx(np.mean(res['per_draw']))
    assert res['top1'] > 90


def test_grid_rows_exist_with_their_seeds():
    study = _study()
    three = {r.name for r in study.GRID if len(r.seeds) >= 3}
    assert {'gvp-p2p-mixed-k20', 'gvp-p2p-fixed-k1',
            'gvp-p2p-mixed-k20-raster', 'mae'} <= three
    for r in study.GRID:
        if r.config:
            assert osp.isfile(osp.join(ROOT, r.config)), r.config
    # one recipe: every study row's config has the same schedule and lr
    # except the two diagnostics that change exactly that
    from mmengine import Config
    ref = Config.fromfile(osp.join(ROOT, study.GRID[0].config))
    for r in study.GRID:
        if r.config is None or r.name.endswith(('-lr3e-3', '-1200i')):
            continue
        cfg = Config.fromfile(osp.join(ROOT, r.config))
        assert cfg.train_cfg.max_iters == ref.train_cfg.max_iters, r.name
        assert cfg.optim_wrapper.optimizer.lr == \
            ref.optim_wrapper.optimizer.lr, r.name
        assert cfg.param_scheduler == ref.param_scheduler, r.name
        assert cfg.train_dataloader.dataset.pipeline == \
            ref.train_dataloader.dataset.pipeline, r.name


def test_queue_skips_finished_work_and_orders_dependencies(tmp_path, capsys):
    study = _study()
    root = str(tmp_path)
    rows = ['gvp-p2p-mixed-k20', 'gvp-p2d-mixed-k20', 'random-init']
    jobs = study.all_jobs(rows)
    kinds = [(j.kind, j.row) for j in jobs]
    # the tokenizer comes right before the first row that needs it
    assert kinds.index(('tokenizer', '-')) + 1 == kinds.index(
        ('pretrain', 'gvp-p2d-mixed-k20'))
    # the fine-tune only where the row asks for it
    assert ('finetune', 'gvp-p2d-mixed-k20') in kinds
    some = ['gvp-d2d-mixed-k20', 'gvp-p2p-mixed-k20-posquery', 'raw-pixels']
    assert not [k for k in study.all_jobs(some) if k.kind == 'finetune']
    assert [k.kind for k in study.all_jobs(['gvp-p2p-mixed-k20-posquery'])] \
        == ['pretrain', 'probe']
    probe = study.Probe('gvp-p2p-mixed-k20', 1)
    assert not probe.ready(root)  # its pretraining has not finished
    study.write_json(osp.join(root, 'gvp-p2p-mixed-k20/seed1/pretrain.json'),
                     {})
    assert not probe.ready(root)  # pretrain.json, but no final checkpoint
    last = study.paths.max_iters(study.ROWS['gvp-p2p-mixed-k20'].config)
    with open(osp.join(root, f'gvp-p2p-mixed-k20/seed1/iter_{last}.pth'),
              'wb'):
        pass
    assert probe.ready(root)
    assert study.Probe('random-init', 2).ready(root)  # no pretraining
    # a job whose result exists is not queued again
    study.write_json(probe.result(root), {})
    study.run_queue(study.all_jobs(['gvp-p2p-mixed-k20']), root, 2, 1,
                    dry_run=True)
    out = capsys.readouterr().out
    assert 'probe gvp-p2p-mixed-k20 0' in out
    assert 'probe gvp-p2p-mixed-k20 1' not in out
    assert 'pretrain gvp-p2p-mixed-k20 1' not in out


def _write_mae_runs(study, root, tmp_path):
    """Three MAE seeds' probes, costs and training logs."""
    for seed, top1 in enumerate((80., 82., 84.)):
        folder = study.run_dir(root, 'mae', seed)
        study.write_json(osp.join(folder, 'probe.json'), {
            'lp_nomask': {'top1': top1, 'val_top1': {'0.1': 70., '1.0': 71.}},
            'knn_nomask': {'top1': top1 - 5}})
        study.write_json(osp.join(folder, 'cost.json'), {
            'pretrain': 60., 'probe': 200., 'finetune': 400.})
        # its training logs: killed after iteration 400, resumed from 300
        # (the resumed run's windows count, not the first run's 350/400)
        for stamp, its, t in (('20260101_000000', range(50, 401, 50), 9.),
                              ('20260101_010000', range(350, 601, 50), 1.)):
            log = tmp_path / 'study/mae' / f'seed{seed}' / stamp / 'vis_data'
            log.mkdir(parents=True)
            (log / 'scalars.json').write_text(''.join(
                json.dumps({'loss': 1., 'time': t if i > 300 or t == 1.
                            else 1., 'iter': i}) + '\n' for i in its))


def test_table_mean_sd_per_seed_and_doc_markers(tmp_path, monkeypatch):
    study = _study()
    root = str(tmp_path / 'study')
    _write_mae_runs(study, root, tmp_path)
    # a pretraining that has only started: its cost, no result yet
    study.write_json(osp.join(study.run_dir(root, 'gvp-p2p-mixed-k5', 0),
                              'cost.json'), {'pretrain': 10.})
    table = study.collect(root)
    s = table['mae']['stats']['lp_main']
    assert s['mean'] == pytest.approx(82.) and s['sd'] == pytest.approx(2.)
    assert s['per_seed'] == [80., 82., 84.]
    assert 'lp_nomask' not in table['mae']['stats']  # MAE: one probe
    # the probe's validation score: its best C's
    assert table['mae']['stats']['lp_val']['mean'] == 71.
    text = study.markdown(table)
    assert '82.00 ± 2.00 (80.00/82.00/84.00)' in text
    # pretraining from the logs (not the wall clock's 60 s), evaluations
    # from the wall clock; the grid's total adds both and the tokenizer
    assert '| 10 min/seed | 10 min/seed |' in text
    assert 'in the table: 1.0 slot-hours' in text
    assert 'in the table: 1.5 slot-hours' in study.markdown(table, 1800.)
    assert f'| {study.ROWS["mae"].label} | 3 |' in text
    assert f'| {study.ROWS["gvp-p2p-mixed-k5"].label} | 0 |' in text
    # written between the markers, the rest of the doc kept
    monkeypatch.setattr(study.table, 'ROOT', str(tmp_path))
    (tmp_path / 'docs').mkdir()
    doc = tmp_path / 'docs/study_fashion-mnist.md'
    doc.write_text('# head\n<!-- study-table:start -->\nold\n'
                   '<!-- study-table:end -->\n## verdicts\n')
    study.write_table(root)
    body = doc.read_text()
    assert body.startswith('# head\n') and body.endswith('## verdicts\n')
    assert 'old' not in body and '82.00 ± 2.00' in body
    saved = json.loads((tmp_path / 'docs/study_fashion-mnist.json')
                       .read_text())
    assert saved['rows']['mae']['stats']['knn_main']['mean'] == \
        pytest.approx(77.)
    assert saved['finetune_lr'] is None  # no selection run yet


def test_finetune_lr_is_chosen_once_on_validation(tmp_path, monkeypatch):
    study = _study()
    root = str(tmp_path)
    jobs = study.all_jobs(['random-init'])
    kinds = [(j.name, j.row, j.seed) for j in jobs]
    # a fine-tune anywhere brings the selection runs (and what they read)
    for row, seed in study.jobs.FINETUNE_SELECT:
        for lr in study.jobs.FINETUNE_LRS:
            at = kinds.index((f'ftval-{lr}', row, seed))
            assert kinds.index(('pretrain', row, seed)) < at
    ft = study.Finetune('random-init', 0)
    assert not ft.ready(root) and study.finetune_lr(root) is None
    monkeypatch.setattr(study.jobs, 'FINETUNE_LRS', ('1e-3', '4e-3'))
    scores = {('gvp-p2p-mixed-k20', '1e-3'): 70., ('mae', '1e-3'): 60.,
              ('gvp-p2p-mixed-k20', '4e-3'): 62., ('mae', '4e-3'): 66.}
    for job in study.selection_jobs():
        assert not ft.ready(root)  # waits for every selection run
        top1 = scores[job.row, job.lr]
        study.write_json(job.result(root), {'top1': top1})
    # the best mean (65 vs 64), not the best single run (70)
    assert study.finetune_lr(root) == pytest.approx(1e-3)
    assert ft.ready(root)
    # a fine-tune of another learning rate does not enter the table
    # (and is done again at the chosen one)
    folder = study.run_dir(root, 'random-init', 0)
    study.write_json(osp.join(folder, 'finetune.json'),
                     {'top1': 40., 'lr': 1.25e-4})
    assert 'finetune' not in study.collect(root)['random-init']['stats']
    assert not ft.done(root)
    study.write_json(osp.join(folder, 'finetune.json'),
                     {'top1': 50., 'lr': 1e-3})
    assert ft.done(root)
    assert study.collect(root)['random-init']['stats']['finetune'][
        'mean'] == 50.


def test_fine_tune_fit_allows_exactly_the_norm_swap():
    # the study's fine-tune takes every pretrained tensor but the final norm
    # (ln1 in the file, ln2 in the model); anything else is a misfit
    import torch

    from gvp.utils.state_dict import state_dict_mismatch
    own = {'w': torch.zeros(2, 3), 'ln2.weight': torch.zeros(3)}
    swap = dict(allow_missing=['ln2.weight'], allow_unexpected=['ln1.weight'])
    given = {'w': torch.ones(2, 3), 'ln1.weight': torch.ones(3)}
    assert state_dict_mismatch(own, given, **swap) == []
    assert len(state_dict_mismatch(own, given)) == 2  # missing + unexpected
    bad = dict(given, head=torch.ones(1))
    assert state_dict_mismatch(own, bad, **swap) == [
        'unexpected keys (1): head']
    shaped = dict(given, w=torch.ones(3, 2))
    assert 'mis-shaped' in state_dict_mismatch(own, shaped, **swap)[0]


def test_study_results_still_belong_to_their_configs():
    """Each row's numbers in docs/study_fashion-mnist.json were made by the
    model its config builds today: a change to a shared base config (the
    study inherits from the ablation and the demo configs) that would
    change a row's model fails here, not silently."""
    study = _study()
    with open(osp.join(ROOT, 'docs/study_fashion-mnist.json')) as f:
        rows = json.load(f)['rows']
    checked = 0
    for name, row in rows.items():
        shas = {run['model_sha256'] for run in row['runs'].values()
                if 'model_sha256' in run}
        if not shas:
            continue
        assert len(shas) == 1, f'{name}: seeds run with different models'
        now = study.model_fingerprint(study.ROWS[name].config)
        assert shas == {now}, (
            f'{name}: its config ({study.ROWS[name].config}) now builds '
            'another model than the one the study ran; restore the config '
            'or rerun the row (python tools/benchmarks/fashion_mnist_study.py'
            f' --rows {name} after moving work_dirs/study/{name} aside)')
        checked += 1
    assert checked >= 14
    # the fingerprint sees a change of the model, not of the recipe
    k20 = study.ROWS['gvp-p2p-mixed-k20'].config
    assert study.model_fingerprint(k20) == study.model_fingerprint(
        study.ROWS['gvp-p2p-mixed-k20-lr3e-3'].config)
    assert study.model_fingerprint(k20) != study.model_fingerprint(
        study.ROWS['gvp-p2p-mixed-k20-query4'].config)


def test_jobs_are_classes_with_their_inputs_and_round_trip_as_json(tmp_path):
    """A job kind is a class with typed parameters; its process gets it as
    JSON and rebuilds the same job; a curve point runs beside the
    pretraining as soon as its checkpoint exists (its own slot)."""
    study = _study()
    root = str(tmp_path)
    jobs = [study.FinetuneVal('mae', 0, '4e-3'),
            study.CurveProbe('mae-2400i', 0, 300), study.Probe('mae', 2)]
    for job in jobs:
        text = job.command(root)[job.command(root).index('--job') + 1]
        assert study.job_from_json(text) == job
    point = study.CurveProbe('mae-2400i', 0, 300)
    assert point.name == 'probe_it300' and not point.ready(root)
    ckpt = tmp_path / 'mae-2400i' / 'seed0' / 'iter_300.pth'
    ckpt.parent.mkdir(parents=True)
    ckpt.write_bytes(b'')
    assert point.ready(root)
    assert point.slot() != study.Pretrain('mae-2400i', 0).slot()
    _check_curve_seeds(study, root)


def _check_curve_seeds(study, root):
    """Seed 0 is probed along the whole curve, seeds 1 and 2 only where
    the verdict is read; GVP's further seeds stop early on the same
    schedule, MAE's (whose last point is the end) run to the end."""
    gvp = 'gvp-p2p-mixed-k20-2400i'
    points = {}
    for job in study.all_jobs(['mae-2400i', gvp]):
        if isinstance(job, study.CurveProbe):
            points.setdefault((job.row, job.seed), []).append(job.it)
    assert {job.seed for job in study.all_jobs([gvp], seeds=[2])} == {2}
    assert points[('mae-2400i', 0)] == list(study.rows.CURVE_POINTS)
    assert points[('mae-2400i', 2)] == [600, 1200, 2400]
    assert points[(gvp, 1)] == [600, 1200]
    assert study.Pretrain(gvp, 1).command(root)[-1] == \
        'train_cfg.max_iters=1200'
    # a run stopped at 600 is resumed when the stop is raised to 1200
    folder = study.run_dir(root, gvp, 1)
    study.write_json(osp.join(folder, 'pretrain.json'), {})
    open(osp.join(folder, 'iter_600.pth'), 'wb').close()
    assert not study.Pretrain(gvp, 1).done(root)
    open(osp.join(folder, 'iter_1200.pth'), 'wb').close()
    assert study.Pretrain(gvp, 1).done(root)
    # a like-for-like row: one point of the same schedule, its run stopped
    fixed = 'gvp-p2p-fixed-k20-2400i'
    assert [(j.kind, getattr(j, 'it', None)) for j in study.all_jobs(
        [fixed])] == [('curve', 600), ('pretrain', None)]
    assert study.Pretrain(fixed, 0).command(root)[-1] == \
        'train_cfg.max_iters=600'
    assert study.paths.max_iters(study.ROWS[fixed].config) == 2400
    assert 'max_iters' not in study.Pretrain(gvp, 0).command(root)[-1]
    # the grid's 600-iteration runs again, probed at their end on the
    # curves' (wide) protocol, three seeds, the grid row's own config
    for name in ('gvp-p2p-mixed-k20', 'mae'):
        again = study.ROWS[f'{name}-600i']
        assert again.config == study.ROWS[name].config
        assert [(j.kind, j.seed, getattr(j, 'it', None)) for j in
                study.all_jobs([again.name]) if j.kind == 'curve'] == \
            [('curve', s, 600) for s in (0, 1, 2)]


def test_curve_headline_reads_every_seed_at_equal_iterations_and_compute():
    """The headline's gap is the difference of the means over the seeds
    that have the point; equal compute pairs MAE's end with GVP's 600 and
    1200; a one-seed point says (1), not a spread."""
    from gvp.study import curves

    def run(pairs):
        return [dict(it=it, lp=v) for it, v in pairs]
    gvp = dict(points=run([(600, 80.), (1200, 81.)]),
               seeds={'0': run([(600, 80.), (1200, 81.)]),
                      '1': run([(600, 82.)])})
    mae = dict(points=run([(600, 75.), (2400, 78.)]),
               seeds={'0': run([(600, 75.), (2400, 78.)]),
                      '1': run([(2400, 79.)])})
    text = curves.headline({curves.HEADLINE[0]: gvp,
                            curves.HEADLINE[1]: mae})
    lines = {line.split(' | ')[0]: line for line in text.splitlines()}
    assert lines['| 600 iterations'].endswith(
        '81.00 ± 1.41 (2) | 75.00 (1) | +6.00 |')
    assert lines['| 2400 iterations'].endswith('– | 78.50 ± 0.71 (2) | – |')
    assert lines['| equal compute: GVP at 1200 vs MAE at 2400'].endswith(
        '81.00 (1) | 78.50 ± 0.71 (2) | +2.50 |')
    assert '600-iteration runs' not in text
    # the grid's own 600-iteration runs, a row of their own when probed
    short = dict(points=run([(600, 79.)]),
                 seeds={'0': run([(600, 79.)]), '2': run([(600, 81.)])})
    text = curves.headline({curves.HEADLINE[0]: gvp, curves.HEADLINE[1]: mae,
                            curves.HEADLINE_600I[0]: short,
                            curves.HEADLINE_600I[1]: mae})
    assert text.splitlines()[-1] == ('| 600 iterations of the 600-iteration '
                                     'runs | 80.00 ± 1.41 (2) | 75.00 (1) '
                                     '| +5.00 |')
