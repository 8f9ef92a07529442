"""The Fashion-MNIST study (docs/study_fashion-mnist.md) as a package: its
rows (:mod:`.rows`), one class per job kind with its inputs and result
(:mod:`.jobs`), what the evaluation jobs compute (:mod:`.evaluate`), a
generic dependency queue that runs them side by side (:mod:`.queue`) and
the table (:mod:`.table`). ``tools/benchmarks/fashion_mnist_study.py`` is
the command."""
from .curves import write_curves
from .jobs import (CurveProbe, Finetune, FinetuneVal, Job, Pretrain, Probe,
                   Recon, Tokenizer, all_jobs, finetune_lr, job_from_json,
                   selection, selection_jobs)
from .paths import ROOT, model_fingerprint, read_json, run_dir, write_json
from .queue import run_queue
from .rows import CURVES, GRID, ROWS, Row
from .table import collect, markdown, pretrain_seconds, write_table

__all__ = [
    'Job', 'Tokenizer', 'Pretrain', 'Probe', 'FinetuneVal', 'Finetune',
    'Recon', 'CurveProbe', 'all_jobs', 'finetune_lr', 'job_from_json',
    'selection', 'selection_jobs', 'ROOT', 'model_fingerprint', 'read_json',
    'run_dir', 'write_json', 'run_queue', 'GRID', 'ROWS', 'CURVES', 'Row',
    'collect', 'markdown', 'pretrain_seconds', 'write_table', 'write_curves'
]
