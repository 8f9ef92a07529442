"""One class per kind of job: its parameters, what it needs done first,
its result file, how it runs. A job is done when its result exists, so the
study can be stopped and rerun at any time; ``command`` runs it in its own
process (``--job`` with the job as JSON)."""
import dataclasses
import json
import os.path as osp
import sys
from typing import ClassVar, List, Optional

from .paths import (ROOT, max_iters, model_fingerprint, read_json, run_dir,
                    write_json)
from .rows import ROWS, TOKENIZER, TOKENIZER_CKPT

TOOL = osp.join(ROOT, 'tools', 'benchmarks', 'fashion_mnist_study.py')
#: the fine-tune's learning rate is chosen once, for every row, on the
#: validation split from these, by the mean over these runs (both
#: pretraining methods of the comparison, seed 0)
FINETUNE_LRS = ('1e-3', '4e-3', '1.6e-2')
FINETUNE_SELECT = (('gvp-p2p-mixed-k20', 0), ('mae', 0))


@dataclasses.dataclass(frozen=True)
class Job:
    """A job of one run (``row``, ``seed``); subclasses set ``kind``."""
    row: str = '-'
    seed: int = 0
    kind: ClassVar[str] = ''

    @property
    def name(self) -> str:
        """Its result's file name (without ``.json``)."""
        return self.kind

    def folder(self, root) -> str:
        return run_dir(root, self.row, self.seed)

    def result(self, root) -> str:
        return osp.join(self.folder(root), f'{self.name}.json')

    def done(self, root) -> bool:
        return osp.isfile(self.result(root))

    def needs(self) -> List['Job']:
        """Jobs whose results it reads."""
        return []

    def ready(self, root) -> bool:
        return all(job.done(root) for job in self.needs())

    def slot(self) -> tuple:
        """Jobs of one slot never run at the same time (one run folder)."""
        return (self.row, self.seed)

    def command(self, root) -> List[str]:
        return [sys.executable, TOOL, '--work-root', root, '--job',
                json.dumps(dict(dataclasses.asdict(self), kind=self.kind))]

    def run(self, root) -> None:
        """The work itself, in the job's own process."""
        raise NotImplementedError

    def finished(self, root, seconds: float) -> None:
        """After a successful run: its wall clock added to the run's cost."""
        path = osp.join(self.folder(root), 'cost.json')
        cost = read_json(path) or {}
        cost[self.kind] = cost.get(self.kind, 0.) + seconds
        write_json(path, cost)

    def __str__(self) -> str:
        values = [str(v) for v in dataclasses.astuple(self)]
        return ' '.join([self.name] + values)


class Tokenizer(Job):
    """The small Fashion-MNIST tokenizer the p2d / d2d rows read."""
    kind = 'tokenizer'

    def result(self, root):
        return osp.join(ROOT, TOKENIZER_CKPT)

    def folder(self, root):
        return osp.join(root, 'tokenizer')

    def command(self, root):
        return [sys.executable, 'tools/train.py', TOKENIZER, '--auto-resume']

    def finished(self, root, seconds):
        pass  # its cost is read from its training logs


class Pretrain(Job):
    """``tools/train.py --auto-resume`` into the run folder (a killed run
    resumes); done: ``pretrain.json`` with the model's fingerprint."""
    kind = 'pretrain'

    def needs(self):
        return [Tokenizer()] if ROWS[self.row].needs else []

    def command(self, root):
        stop = ROWS[self.row].stop(self.seed)
        return [sys.executable, 'tools/train.py', ROWS[self.row].config,
                '--auto-resume', '--work-dir', self.folder(root),
                '--cfg-options', f'randomness.seed={self.seed}',
                'train_dataloader.num_workers=1'] + (
                    [] if stop is None else [f'train_cfg.max_iters={stop}'])

    def done(self, root):
        # the checkpoint too: a raised stop (``Row.seed_points``) resumes
        # a run whose earlier stop wrote its pretrain.json
        stop = ROWS[self.row].stop(self.seed) or max_iters(
            ROWS[self.row].config)
        return super().done(root) and osp.isfile(
            osp.join(self.folder(root), f'iter_{stop}.pth'))

    def finished(self, root, seconds):
        super().finished(root, seconds)
        write_json(self.result(root), dict(
            seconds=seconds,
            model_sha256=model_fingerprint(ROWS[self.row].config)))


class _AfterPretraining(Job):
    """Reads the run's final checkpoint (nothing for baselines)."""

    def needs(self):
        return [Pretrain(self.row, self.seed)] \
            if ROWS[self.row].config else []

    def checkpoint(self, root) -> Optional[str]:
        config = ROWS[self.row].config
        return None if config is None else osp.join(
            self.folder(root), f'iter_{max_iters(config)}.pth')


class Probe(_AfterPretraining):
    """Frozen features (mask kept and dropped), linear probe, k-NN and
    low-label probes (:func:`~.evaluate.probe_run`)."""
    kind = 'probe'

    def run(self, root):
        from .evaluate import probe_run
        write_json(self.result(root),
                   probe_run(self.row, self.seed, root,
                             self.checkpoint(root)))


@dataclasses.dataclass(frozen=True)
class FinetuneVal(_AfterPretraining):
    """The fine-tune at ``lr`` scored on the validation split."""
    lr: str = '1e-3'
    kind: ClassVar[str] = 'ftval'

    @property
    def name(self):
        return f'ftval-{self.lr}'

    def run(self, root):
        from .evaluate import finetune_run
        write_json(self.result(root), finetune_run(
            self.row, self.seed, root, self.checkpoint(root), float(self.lr),
            validation=True, work=self.name))


class Finetune(_AfterPretraining):
    """The fine-tune at the selected lr, scored on the test set; done only
    at that lr."""
    kind = 'finetune'

    def needs(self):
        return super().needs() + selection_jobs()

    def done(self, root):
        res = read_json(self.result(root))
        return res is not None and res.get('lr') == finetune_lr(root)

    def run(self, root):
        from .evaluate import finetune_run
        write_json(self.result(root), finetune_run(
            self.row, self.seed, root, self.checkpoint(root),
            finetune_lr(root), validation=False, work=self.name))


class Recon(_AfterPretraining):
    """Group-AR vs one-shot masked-pixel MSE on 2,000 test images."""
    kind = 'recon'

    def run(self, root):
        from .evaluate import recon_run
        write_json(self.result(root), recon_run(
            self.row, self.folder(root), self.checkpoint(root)))


@dataclasses.dataclass(frozen=True)
class CurveProbe(Job):
    """The probes of a learning curve's checkpoint at ``it`` iterations
    (0: the method's own initialisation); runs beside the pretraining as
    soon as the checkpoint exists."""
    it: int = 0
    kind: ClassVar[str] = 'curve'

    @property
    def name(self):
        return f'probe_it{self.it}'

    def checkpoint(self, root) -> str:
        name = 'init.pth' if self.it == 0 else f'iter_{self.it}.pth'
        return osp.join(self.folder(root), name)

    def ready(self, root):
        return self.it == 0 or osp.isfile(self.checkpoint(root))

    def slot(self):
        return (self.row, self.seed, 'curve')

    def run(self, root):
        from .evaluate import probe_run, write_init
        if self.it == 0:
            write_init(ROWS[self.row].config, self.seed,
                       self.checkpoint(root))
        write_json(self.result(root), probe_run(
            self.row, self.seed, root, self.checkpoint(root), curve=True))


KINDS = {c.kind: c for c in (Tokenizer, Pretrain, Probe, FinetuneVal,
                             Finetune, Recon, CurveProbe)}


def job_from_json(text: str) -> Job:
    """The job ``Job.command`` passed to its process."""
    fields = json.loads(text)
    return KINDS[fields.pop('kind')](**fields)


def selection_jobs() -> List[FinetuneVal]:
    return [FinetuneVal(row, seed, lr) for row, seed in FINETUNE_SELECT
            for lr in FINETUNE_LRS]


def selection(root) -> dict:
    """Validation top-1 of each candidate learning rate, per run."""
    out = {}
    for job in selection_jobs():
        res = read_json(job.result(root))
        out.setdefault(job.lr, {})[f'{job.row} seed{job.seed}'] = \
            res and res['top1']
    return out


def finetune_lr(root) -> Optional[float]:
    """The best mean validation top-1's lr, None while a run is missing."""
    sel = selection(root)
    if any(None in runs.values() for runs in sel.values()):
        return None
    return float(max(FINETUNE_LRS, key=lambda lr: sum(sel[lr].values())))


def run_jobs(name: str, seed: int) -> List[Job]:
    """The jobs of one run of row ``name``."""
    r = ROWS[name]
    pretrain = [Pretrain(name, seed)] if r.config else []
    if r.points:  # a curve: its points are probed beside the pretraining
        jobs = [CurveProbe(name, seed, it) for it in r.points_of(seed)] \
            + pretrain
    else:
        jobs = pretrain + [Probe(name, seed)]
    jobs += [Finetune(name, seed)] if r.finetune else []
    return jobs + ([Recon(name, seed)] if r.recon else [])


def all_jobs(rows, seeds=None) -> List[Job]:
    """Every job of ``rows`` (of their ``seeds`` only, if given) and what
    they need, dependencies first: the seeded rows seed by seed (a partial
    study has one seed of every main row first), then the one-seed rows in
    the order given."""
    runs = [(name, seed) for name in rows for seed in ROWS[name].seeds
            if seeds is None or seed in seeds]
    many = {name for name in rows if len(ROWS[name].seeds) > 1}
    runs.sort(key=lambda r: (r[1] if r[0] in many else 99, rows.index(r[0])))
    jobs: List[Job] = []
    for name, seed in runs:
        for job in run_jobs(name, seed):
            _add(jobs, job)
    return jobs


def _add(jobs: List[Job], job: Job) -> None:
    """``job`` after what it needs (each job once)."""
    for need in job.needs():
        _add(jobs, need)
    if job not in jobs:
        jobs.append(job)
