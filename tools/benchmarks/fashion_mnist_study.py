"""The Fashion-MNIST study (docs/study_fashion-mnist.md): rows x seeds of
pretrainings, every evaluation protocol, and the table -- one command,
resumable, run side by side.

    python tools/benchmarks/fashion_mnist_study.py [--jobs 2] [--threads 1]
        [--rows ROW ...] [--stages run table] [--dry-run]

``run`` works through a queue of jobs, ``--jobs`` at a time, each with
``OMP_NUM_THREADS=--threads`` (2 x 1 beat 1 x 2 by ~20 % on this 2-core
machine: 2.2 s per GVP step each vs 1.3 s alone):

* ``pretrain ROW SEED``: ``tools/train.py CONFIG --auto-resume`` into
  ``work_dirs/study/ROW/seedS`` (checkpoints every 100 iterations: a
  killed job resumes, a finished one -- its last ``iter_N.pth`` and
  ``pretrain.json`` there -- is skipped);
* ``probe ROW SEED``: frozen features of the first 5k training and the
  10k test images (mask kept and dropped), then the linear probe, k-NN
  (k=20, DINO's weighted vote) and low-label probes (10 / 100 per class,
  5 draws) on them;
* ``ftval-LR ROW SEED``: the same fine-tune at learning rate LR, scored
  on a validation split (train[55000:60000]), for the runs of
  ``FINETUNE_SELECT``; the LR of the best mean is then the fine-tune's,
  for every row;
* ``finetune ROW SEED``: the shrunk fine-tune recipe on the first 1,000
  labels (configs/benchmarks/fine_tune/...-200i-1k-labels_...) at the
  chosen LR, scored on the test set;
* ``recon ROW SEED``: group-AR vs one-shot masked-pixel MSE on 2,000 test
  images (GVP mixed K=20 rows).

Each result is a JSON file in the run's folder; a job whose file exists is
skipped, so the command can be interrupted and rerun at any time (also in
a later session). Probes of finished runs go before new pretrainings.
Wall time of every job is added to the run's ``cost.json``. ``table``
writes docs/study_fashion-mnist.json and the table between the markers of
docs/study_fashion-mnist.md (mean +- sd over seeds, per-seed values).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, NamedTuple, Optional, Tuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:  # this checkout's gvp, also when not installed
    sys.path.insert(0, ROOT)
STUDY = 'configs/benchmarks/fashion-mnist_study'
SUFFIX = '_vit-tiny-p4_1xb64-600i_fashion-mnist.py'
FINETUNE = ('configs/benchmarks/fine_tune/'
            'vit-tiny-p4_gvp-pre_1xb64-coslr-200i-1k-labels_fashion-mnist.py')
FINETUNE_VAL = FINETUNE.replace('-1k-labels_', '-1k-labels-val5k_')
#: the fine-tune's learning rate is chosen once, for every row, on the
#: validation split (FINETUNE_VAL) from these, by the mean over these runs
#: (both pretraining methods of the comparison, seed 0)
FINETUNE_LRS = ('1e-3', '4e-3', '1.6e-2')
FINETUNE_SELECT = (('gvp-p2p-mixed-k20', 0), ('mae', 0))
TOKENIZER = 'configs/vqgan/vqgan-f4-256_ch32_1xb64-1500i_fashion-mnist.py'
TOKENIZER_CKPT = ('work_dirs/vqgan-f4-256_ch32_1xb64-1500i_fashion-mnist/'
                  'iter_1500.pth')
PROBE_CONFIG = f'{STUDY}/gvp-p2p-mixed-k20{SUFFIX}'  # the ViT-Tiny backbone
NUM_TRAIN = 5000
RECON_IMAGES = 2000
CS = (1e-3, 1e-2, 1e-1, 1.)


class Row(NamedTuple):
    name: str
    label: str
    config: Optional[str]  # None: no pretraining (baselines)
    seeds: tuple
    group: str  # 'compare', 'diagnostic', 'baseline'
    masked: bool = True  # probed with the plan's mask kept (GVP rows)
    recon: bool = False
    # the 1k-label fine-tune: off where it does not apply (raw pixels; d2d's
    # backbone reads ids) and for the diagnostics after K=5: part 5 asks
    # which of them moves the *probe*, and the fine-tunes would add ~45
    # slot-minutes to a grid already over its 6 hours
    finetune: bool = True
    needs: Optional[str] = None  # a file that must exist before pretraining


def _row(name, label, seeds=(0, ), group='compare', **kw):
    return Row(name, label, f'{STUDY}/{name}{SUFFIX}', tuple(seeds), group,
               **kw)


#: the grid, in the order it runs (the main comparison first)
GRID: List[Row] = [
    _row('gvp-p2p-mixed-k20', 'GVP mixed K=20, random order', (0, 1, 2),
         recon=True),
    _row('mae', "mmpretrain MAE", (0, 1, 2), masked=False),
    _row('gvp-p2p-fixed-k1', 'GVP fixed K=1 (one group)', (0, 1, 2)),
    _row('gvp-p2p-mixed-k20-raster', 'GVP mixed K=20, raster order',
         (0, 1, 2)),
    _row('gvp-p2p-single-stream-mixed-k20',
         'causal masks on a single stream (no query stream), mixed K=20'),
    _row('gvp-p2p-random-k20', 'GVP random length K=20'),
    # also part 5's first diagnostic: on its validation column
    _row('gvp-p2p-mixed-k5', 'GVP mixed K=5 (K scaled with T)',
         group='diagnostic'),
    _row('gvp-p2p-mixed-k40', 'GVP mixed K=40'),
    _row('gvp-p2d-mixed-k20', 'GVP-p2d mixed K=20 (small tokenizer)',
         needs=TOKENIZER_CKPT),
    _row('gvp-d2d-mixed-k20', 'GVP-d2d mixed K=20 (small tokenizer)',
         needs=TOKENIZER_CKPT, finetune=False),
    _row('gvp-p2p-mixed-k20-posquery',
         'diag.: query stream starts from E_pos alone (SAIM)',
         group='diagnostic', finetune=False),
    _row('gvp-p2p-mixed-k20-query4',
         'diag.: query stream through the last 4 blocks only',
         group='diagnostic', finetune=False),
    _row('gvp-p2p-mixed-k20-nonormpix', 'diag.: no per-patch norm-pix',
         group='diagnostic', finetune=False),
    _row('gvp-p2p-mixed-k20-lr3e-3', 'diag.: lr 3e-3 (2x)',
         group='diagnostic', finetune=False),
    Row('gvp-p2p-mixed-k20-1200i', 'diag.: length 1200 iterations (2x)',
        f'{STUDY}/gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-1200i_fashion-mnist.py',
        (0, ), 'diagnostic', finetune=False),
    Row('raw-pixels', 'raw pixels (784 values, no network)', None, (0, ),
        'baseline', masked=False, finetune=False),
    Row('random-init', 'random-init ViT-Tiny (no pretraining)', None,
        (0, 1, 2), 'baseline'),
]
ROWS = {r.name: r for r in GRID}


# ---------------------------------------------------------------- files
def run_dir(root, row, seed):
    return osp.join(root, row, f'seed{seed}')


def read_json(path):
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_json(path, data):
    from gvp.utils.atomic_io import atomic_write
    atomic_write(path, json.dumps(data, indent=1))  # complete or absent


def repo_config(config):
    """A config of this repository by its path from the root."""
    from mmengine import Config
    return Config.fromfile(osp.join(ROOT, config))


def max_iters(config):
    return repo_config(config).train_cfg.max_iters


def model_fingerprint(config) -> str:
    """The fingerprint of the model a config builds (structure and
    settings: :mod:`gvp.utils.fingerprint`): recorded with each
    pretraining, so that a later change to a base config or to the code
    that would change a row's model is caught (tests/test_study.py) instead
    of silently detaching the row's numbers from its config."""
    from gvp.utils.fingerprint import config_fingerprint
    return config_fingerprint(repo_config(config).model)


def final_checkpoint(root, row, seed):
    r = ROWS[row]
    return osp.join(run_dir(root, row, seed),
                    f'iter_{max_iters(r.config)}.pth')


# ---------------------------------------------------------------- jobs
class Job(NamedTuple):
    kind: str  # tokenizer, pretrain, probe, ftval-LR, finetune, recon
    row: str
    seed: int

    def result(self, root):
        if self.kind == 'tokenizer':
            return osp.join(ROOT, TOKENIZER_CKPT)
        return osp.join(run_dir(root, self.row, self.seed),
                        f'{self.kind}.json')

    def done(self, root):
        """Its result exists (a fine-tune's: at the selected lr)."""
        res = self.result(root)
        if self.kind != 'finetune' or not osp.isfile(res):
            return osp.isfile(res)
        return read_json(res).get('lr') == finetune_lr(root)

    def ready(self, root):
        """Can start now (what it reads exists)."""
        r = ROWS.get(self.row)
        if self.kind == 'tokenizer':
            return True
        if self.kind == 'pretrain':
            return r.needs is None or osp.isfile(osp.join(ROOT, r.needs))
        if self.kind == 'finetune' and finetune_lr(root) is None:
            return False  # waits for the learning rate's selection
        if r.config is None:
            return True
        return osp.isfile(
            osp.join(run_dir(root, self.row, self.seed), 'pretrain.json'))


def selection_jobs() -> List['Job']:
    return [Job(f'ftval-{lr}', row, seed) for row, seed in FINETUNE_SELECT
            for lr in FINETUNE_LRS]


def finetune_lr(root) -> Optional[float]:
    """The fine-tune's learning rate: the best mean validation top-1 of
    the ``ftval`` runs, or None while one of them is missing."""
    sel = selection(root)
    if any(None in runs.values() for runs in sel.values()):
        return None
    return float(max(FINETUNE_LRS, key=lambda lr: sum(sel[lr].values())))


def all_jobs(rows) -> List[Job]:
    """Every job of ``rows``: the runs of the seeded comparison rows seed by
    seed (seed 0 of each, then seed 1, ...: a partial study has one seed of
    every main row first), then the one-seed rows in grid order."""
    runs = [(name, seed) for name in rows for seed in ROWS[name].seeds]
    many = {name for name in rows if len(ROWS[name].seeds) > 1}
    runs.sort(key=lambda r: (r[1] if r[0] in many else len(ROWS[r[0]].seeds)
                             + 99, rows.index(r[0])))
    jobs = []
    for name, seed in runs:
        r = ROWS[name]
        if r.needs == TOKENIZER_CKPT and Job('tokenizer', '-', 0) not in jobs:
            jobs.append(Job('tokenizer', '-', 0))
        if r.config is not None:
            jobs.append(Job('pretrain', name, seed))
        jobs.append(Job('probe', name, seed))
        if r.finetune:
            jobs.append(Job('finetune', name, seed))
        if r.recon:
            jobs.append(Job('recon', name, seed))
    if any(j.kind == 'finetune' for j in jobs):
        # the learning rate's selection, right after the runs it reads
        for job in selection_jobs():
            pre = Job('pretrain', job.row, job.seed)
            if pre not in jobs:
                jobs.insert(0, pre)
            at = max(i for i, j in enumerate(jobs)
                     if (j.row, j.seed) == (job.row, job.seed))
            jobs.insert(at + 1, job)
    return jobs


def command(job: Job, root) -> List[str]:
    py = sys.executable
    if job.kind == 'tokenizer':
        return [py, 'tools/train.py', TOKENIZER, '--auto-resume']
    if job.kind == 'pretrain':
        r = ROWS[job.row]
        return [
            py, 'tools/train.py', r.config, '--auto-resume', '--work-dir',
            run_dir(root, job.row, job.seed), '--cfg-options',
            f'randomness.seed={job.seed}', 'train_dataloader.num_workers=1'
        ]
    return [py, __file__, '--work-root', root, '--job', job.kind, job.row,
            str(job.seed)]


def add_cost(root, job, seconds):
    path = osp.join(run_dir(root, job.row, job.seed), 'cost.json')
    cost = read_json(path) or {}
    cost[job.kind] = cost.get(job.kind, 0.) + seconds
    write_json(path, cost)


def run_queue(root, rows, jobs_at_once, threads, dry_run=False):
    queue = [j for j in all_jobs(rows) if not j.done(root)]
    print(f'{len(queue)} jobs to do ({jobs_at_once} at a time, '
          f'{threads} thread(s) each)', flush=True)
    if dry_run:
        for j in queue:
            print(' ', *j)
        return 0
    if any(j.kind == 'probe' for j in queue):
        study_inputs(root)  # once, before probe jobs run side by side
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), PYTHONPATH=ROOT)
    running: Dict[subprocess.Popen, tuple] = {}
    failed = []
    while queue or running:
        for proc in [p for p in running if p.poll() is not None]:
            job, start, log = running.pop(proc)
            log.close()
            if job.kind != 'tokenizer':
                add_cost(root, job, time.time() - start)
            if proc.returncode:
                failed.append(job)
                print(f'FAILED {" ".join(map(str, job))}: see {log.name}',
                      flush=True)
            elif job.kind == 'pretrain':
                write_json(job.result(root), dict(
                    seconds=time.time() - start,
                    model_sha256=model_fingerprint(ROWS[job.row].config)))
                print(f'done {" ".join(map(str, job))}', flush=True)
            else:
                print(f'done {" ".join(map(str, job))}', flush=True)
        blocked = {(j.row, j.seed) for j in failed}
        queue = [j for j in queue if (j.row, j.seed) not in blocked or
                 j.kind == 'tokenizer']
        if any(j.kind == 'tokenizer' for j in failed):
            queue = [j for j in queue if ROWS.get(j.row, GRID[0]).needs !=
                     TOKENIZER_CKPT]
        busy = {(j.row, j.seed) for j, _, _ in running.values()}
        busy |= {('-', 0)} if any(j.kind == 'tokenizer'
                                  for j, _, _ in running.values()) else set()
        ready = [j for j in queue if j.ready(root) and (j.row, j.seed)
                 not in busy]
        # evaluations of finished runs first: results early
        ready.sort(key=lambda j: j.kind in ('pretrain', 'tokenizer'))
        if ready and len(running) < jobs_at_once:
            job = ready[0]
            queue.remove(job)
            folder = osp.join(root, job.row, f'seed{job.seed}') \
                if job.kind != 'tokenizer' else osp.join(root, 'tokenizer')
            os.makedirs(folder, exist_ok=True)
            log = open(osp.join(folder, f'{job.kind}.log'), 'a')
            print(f'start {" ".join(map(str, job))} -> {log.name}',
                  flush=True)
            proc = subprocess.Popen(command(job, root), cwd=ROOT, env=env,
                                    stdout=log, stderr=subprocess.STDOUT)
            running[proc] = (job, time.time(), log)
            continue
        if not running and not ready:
            break  # what is left waits on a failed job
        time.sleep(5)
    for j in failed:
        print(f'failed: {" ".join(map(str, j))}')
    return 1 if failed else 0


# ---------------------------------------------------------------- one job
def dataset(data_root='data'):
    from gvp.evaluation.transfer_data import find_dataset
    train, test, layout = find_dataset(osp.join(ROOT, data_root),
                                       'fashion-mnist')
    if train is None:
        raise SystemExit(f'Fashion-MNIST not found: {layout} '
                         '(bash tools/install.sh --data)')
    return train[:NUM_TRAIN], test


def study_inputs(root):
    """The probe images (the first 5k training images, all 10k test images),
    decoded and through the evaluation view once for
    the whole study: ``(train_x, train_y, test_x, test_y)``, inputs
    normalised ``[N, 3, 28, 28]`` (every row shares the pipeline and the
    normalisation of :data:`PROBE_CONFIG`)."""
    import numpy as np
    cache = osp.join(root, 'probe_inputs.npz')
    if not osp.isfile(cache):
        from gvp.apis import FeatureExtractor
        extractor = FeatureExtractor(osp.join(ROOT, PROBE_CONFIG))
        arrays = {}
        for split, items in zip(('t', 'e'), dataset()):
            xs = [extractor.inputs([p for p, _ in items[i:i + 1000]])
                  for i in range(0, len(items), 1000)]
            arrays[split + 'x'] = np.concatenate([x.numpy() for x in xs])
            arrays[split + 'y'] = np.array([y for _, y in items])
        tmp = f'{cache}.{os.getpid()}.tmp.npz'
        np.savez(tmp, **arrays)
        os.replace(tmp, cache)
    z = np.load(cache)
    return z['tx'], z['ty'], z['ex'], z['ey']


def features(row, seed, root, mask):
    """``(train_x, train_y, test_x, test_y)`` of a run (cached as .npz)."""
    import numpy as np
    cache = osp.join(run_dir(root, row, seed),
                     f'features_{"mask" if mask else "nomask"}.npz')
    if osp.isfile(cache):
        z = np.load(cache)
        return z['tx'], z['ty'], z['ex'], z['ey']
    tx, ty, ex, ey = study_inputs(root)
    if row == 'raw-pixels':  # the grey values, as the images hold them
        train, test = dataset()
        from PIL import Image

        def pixels(items):
            return np.stack([
                np.asarray(Image.open(p).convert('L'), np.float32).ravel() /
                255. for p, _ in items
            ])
        tx, ex = pixels(train), pixels(test)
    else:
        import torch

        from gvp.apis import FeatureExtractor
        r = ROWS[row]
        ckpt = None if r.config is None else final_checkpoint(root, row, seed)
        # MAE and the baselines: the same ViT-Tiny as a GVP probe
        config = r.config if r.masked and r.config else PROBE_CONFIG
        extractor = FeatureExtractor(
            osp.join(ROOT, config), pretrained=ckpt, mode='probe',
            probe_mask=mask, seed=seed)
        tx, ex = (np.concatenate([
            extractor.embed(torch.from_numpy(x[i:i + 500]))
            for i in range(0, len(x), 500)
        ]) for x in (tx, ex))
    tmp = f'{cache}.{os.getpid()}.tmp.npz'
    np.savez(tmp, tx=tx, ty=ty, ex=ex, ey=ey)
    os.replace(tmp, cache)
    return tx, ty, ex, ey


def job_probe(row, seed, root):
    from gvp.evaluation.linear_eval import fit_logistic
    from gvp.evaluation.protocols import knn_classify, low_label_probe
    r = ROWS[row]
    out = {}
    for mask in ((True, False) if r.masked else (False, )):
        key = 'mask' if mask else 'nomask'
        tx, ty, ex, ey = features(row, seed, root, mask)
        out[f'lp_{key}'] = fit_logistic(tx, ty, ex, ey, cs=CS, seed=0)
        out[f'knn_{key}'] = knn_classify(tx, ty, ex, ey, k=20)
        if mask == r.masked:  # the row's main probe
            for n in (10, 100):
                out[f'low{n}_{key}'] = low_label_probe(
                    tx, ty, ex, ey, n, cs=CS)
        print(key, {k: round(v['top1'], 2) for k, v in out.items()},
              flush=True)
    write_json(osp.join(run_dir(root, row, seed), 'probe.json'), out)


def job_finetune(row, seed, root, kind='finetune'):
    """``finetune``: at the selected learning rate, on the test set;
    ``ftval-LR``: at LR, on the validation split."""
    import torch
    r = ROWS[row]
    folder = run_dir(root, row, seed)
    if kind == 'finetune':
        lr, config = finetune_lr(root), FINETUNE
        if lr is None:
            raise SystemExit('the fine-tune learning rate is not selected '
                             'yet: run the ftval jobs first')
    else:
        lr, config = float(kind[len('ftval-'):]), FINETUNE_VAL
    options = [f'randomness.seed={seed}', f'optim_wrapper.optimizer.lr={lr}']
    if r.config is None:  # from scratch
        options.append('model.backbone.init_cfg=None')
    else:
        from mmengine.registry import init_default_scope

        from gvp.models.backbones.convert import PRETRAIN_ONLY, backbone_state
        from gvp.registry import MODELS
        from gvp.utils.safe_load import load_checkpoint_file
        from gvp.utils.state_dict import state_dict_mismatch
        ckpt = final_checkpoint(root, row, seed)
        state = backbone_state(load_checkpoint_file(ckpt))
        state = {k: v for k, v in state.items() if k not in PRETRAIN_ONLY}
        path = osp.join(folder, 'backbone.pth')
        torch.save(state, path)
        # the fine-tune backbone must take every tensor but the final norm
        # (MAE's recipe: global pooling + a new norm, ln2, replaces ln1)
        init_default_scope('gvp')
        cfg = repo_config(FINETUNE).model.backbone
        cfg.pop('init_cfg')
        problems = state_dict_mismatch(
            MODELS.build(cfg).state_dict(), state,
            allow_missing=('ln2.weight', 'ln2.bias'),
            allow_unexpected=('ln1.weight', 'ln1.bias'))
        if problems:
            raise SystemExit(f'{ckpt} does not fit the fine-tune backbone: '
                             + '; '.join(problems))
        options.append(f'model.backbone.init_cfg.checkpoint={path}')
    work = osp.join(folder, kind)
    subprocess.run([
        sys.executable, 'tools/train.py', config, '--work-dir', work,
        '--fresh', '--cfg-options', *options
    ], cwd=ROOT, check=True)
    top1 = None
    for stamp in sorted(os.listdir(work)):
        scalars = osp.join(work, stamp, 'vis_data', 'scalars.json')
        if osp.isfile(scalars):
            for line in open(scalars):
                rec = json.loads(line)
                if 'accuracy/top1' in rec:
                    top1 = rec['accuracy/top1']
    if top1 is None:
        raise SystemExit(f'no accuracy/top1 in {work}/*/vis_data')
    write_json(osp.join(folder, f'{kind}.json'),
               dict(top1=top1, labels=1000, iters=200, lr=lr))


def job_recon(row, seed, root):
    r = ROWS[row]
    out = osp.join(run_dir(root, row, seed), 'recon')
    subprocess.run([
        sys.executable, 'tools/analysis_tools/reconstruct.py', r.config,
        final_checkpoint(root, row, seed), '--ann-file', 'meta/val.txt',
        '--data-prefix', 'val', '--num-images', str(RECON_IMAGES),
        '--out-dir', out
    ], cwd=ROOT, check=True)
    res = read_json(osp.join(out, 'reconstruction.json'))
    write_json(osp.join(run_dir(root, row, seed), 'recon.json'), res)


# ---------------------------------------------------------------- table
PROTOCOLS = [
    ('lp_main', 'linear probe'), ('lp_nomask', 'LP, mask dropped'),
    ('knn_main', 'k-NN (k=20)'), ('low10_main', 'LP 10/class'),
    ('low100_main', 'LP 100/class'), ('finetune', 'fine-tune 1k labels'),
]


def pretrain_seconds(folder) -> Optional[float]:
    """A run's pretraining time from its training logs: the sum over the
    logged windows of mmengine's mean ``time`` per iteration times the
    window's iterations; the newest log wins where a resumed run logged an
    iteration twice. Unlike the runner's wall clock (``cost.json``), it
    counts the iterations of a run killed and resumed, and not the start-up
    or the dataloader's fast-forward."""
    import glob
    per_iter = {}
    for path in sorted(glob.glob(osp.join(folder, '*', 'vis_data',
                                          'scalars.json'))):
        for line in open(path):
            rec = json.loads(line)
            if 'time' in rec and 'iter' in rec and 'loss' in rec:
                per_iter[rec['iter']] = rec['time']
    total, prev = 0., 0
    for it in sorted(per_iter):
        total, prev = total + per_iter[it] * (it - prev), it
    return total or None


def collect(root) -> Dict:
    import numpy as np
    table, chosen = {}, finetune_lr(root)
    for r in GRID:
        runs = {}
        for seed in r.seeds:
            folder = run_dir(root, r.name, seed)
            probe = read_json(osp.join(folder, 'probe.json')) or {}
            main = 'mask' if r.masked else 'nomask'
            vals = {
                'lp_main': probe.get(f'lp_{main}'),
                'lp_nomask': probe.get('lp_nomask') if r.masked else None,
                'knn_main': probe.get(f'knn_{main}'),
                'low10_main': probe.get(f'low10_{main}'),
                'low100_main': probe.get(f'low100_{main}'),
                'finetune': read_json(osp.join(folder, 'finetune.json')),
            }
            if vals['finetune'] and \
                    vals['finetune'].get('lr') != chosen:
                vals['finetune'] = None  # another protocol's (older) run
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
            cost = read_json(osp.join(folder, 'cost.json'))
            if cost and r.config:
                cost['pretrain_logged'] = pretrain_seconds(folder)
            if vals or cost:
                runs[seed] = dict(vals, cost_s=cost)
        stats = {}
        keys = {k for v in runs.values() for k in v
                if k not in ('cost_s', 'model_sha256')}
        for k in keys:
            xs = [v[k] for v in runs.values() if k in v]
            stats[k] = dict(mean=float(np.mean(xs)),
                            sd=float(np.std(xs, ddof=1)) if len(xs) > 1
                            else None, n=len(xs),
                            per_seed=[round(x, 4) for x in xs])
        table[r.name] = dict(label=r.label, group=r.group, runs=runs,
                             stats=stats)
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
    its training logs, the evaluations (probe, fine-tunes, the learning
    rate's selection, reconstruction) from the runner's wall clock."""
    cost = run.get('cost_s') or {}
    evals = sum(v for k, v in cost.items()
                if k not in ('pretrain', 'pretrain_logged'))
    return cost.get('pretrain_logged') or 0., evals


def per_seed(seconds) -> str:
    return f'{sum(seconds) / 60 / len(seconds):.0f} min/seed' \
        if any(seconds) else '–'


def markdown(table, extra_s=0.) -> str:
    """The tables of the doc; ``extra_s``: compute outside the rows (the
    tokenizer), counted in the grid's total."""
    head = '| row | seeds | ' + ' | '.join(n for _, n in PROTOCOLS) + \
        ' | pretraining cost | evaluation cost |'
    lines = [head, '|' + '---|' * (len(PROTOCOLS) + 4)]
    total = [extra_s, 0.]
    for name, t in table.items():
        s = t['stats']
        costs = [run_costs(v) for v in t['runs'].values()] or [(0., 0.)]
        pre, evals = zip(*costs)
        total = [total[0] + sum(pre), total[1] + sum(evals)]
        # seeds evaluated, not pretrainings only started
        seeds = sum('lp_main' in v for v in t['runs'].values())
        lines.append(f'| {t["label"]} | {seeds} | ' + ' | '.join(
            cell(s.get(k)) for k, _ in PROTOCOLS) +
            f' | {per_seed(pre)} | {per_seed(evals)} |')
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
    for name, t in table.items():
        s = t['stats']
        if 'recon_group_ar_mse' in s:
            lines.append(f'| {t["label"]} | '
                         f'{cell(s["recon_group_ar_mse"], 4)} | '
                         f'{cell(s["recon_one_shot_mse"], 4)} |')
    return '\n'.join(lines) + '\n'


def selection(root) -> Dict:
    """Validation top-1 of each candidate fine-tune learning rate."""
    out = {}
    for job in selection_jobs():
        res = read_json(job.result(root))
        lr = job.kind[len('ftval-'):]
        out.setdefault(lr, {})[f'{job.row} seed{job.seed}'] = \
            res and res['top1']
    return out


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


def write_table(root, doc='docs/study_fashion-mnist.md'):
    table = collect(root)
    sel, chosen = selection(root), finetune_lr(root)
    write_json(osp.join(ROOT, 'docs/study_fashion-mnist.json'),
               dict(rows=table, finetune_lr_selection=sel,
                    finetune_lr=chosen))
    tokenizer = pretrain_seconds(osp.dirname(osp.join(ROOT, TOKENIZER_CKPT)))
    text = markdown(table, tokenizer or 0.) + selection_markdown(sel, chosen)
    path = osp.join(ROOT, doc)
    start, end = '<!-- study-table:start -->', '<!-- study-table:end -->'
    body = open(path).read() if osp.isfile(path) else f'{start}\n{end}\n'
    if start not in body:
        body += f'\n{start}\n{end}\n'
    before, rest = body.split(start, 1)
    after = rest.split(end, 1)[1]
    with open(path, 'w') as f:
        f.write(f'{before}{start}\n{text}{end}{after}')
    print(text)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-root', default='work_dirs/study')
    p.add_argument('--rows', nargs='+', choices=list(ROWS),
                   default=list(ROWS))
    p.add_argument('--jobs', type=int, default=2)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--stages', nargs='+', default=['run', 'table'],
                   choices=['run', 'table'])
    p.add_argument('--dry-run', action='store_true')
    p.add_argument('--job', nargs=3, metavar=('KIND', 'ROW', 'SEED'),
                   help=argparse.SUPPRESS)
    args = p.parse_args()
    root = osp.join(ROOT, args.work_root)
    from mmengine.logging import MMLogger

    # the per-parameter init report of mmengine is noise here
    MMLogger.get_instance('study', log_level='WARNING')
    if args.job:
        kind, row, seed = args.job
        if kind == 'finetune' or kind.startswith('ftval-'):
            job_finetune(row, int(seed), root, kind)
        else:
            dict(probe=job_probe, recon=job_recon)[kind](row, int(seed), root)
        return 0
    rc = 0
    if 'run' in args.stages:
        rc = run_queue(root, args.rows, args.jobs, args.threads, args.dry_run)
    if 'table' in args.stages and not args.dry_run:
        write_table(root)
    return rc


if __name__ == '__main__':
    sys.exit(main())
