"""Pretraining step cost: GVP against a plain ViT-B step, the unpruned
two-stream, GVP-p2d / d2d (with their frozen VQGAN tokenizer) and
mmpretrain's MAE — side by side, as ratios, in one run.

    python tools/analysis_tools/benchmark_pretrain.py [--batch-size 8]
        [--img-size 224] [--rounds 3] [--device cpu|cuda] [--out res.json]

A step is forward + backward + AdamW update of the whole model (backbone and
head/decoder). p2d and d2d steps include tokenizing the batch (MAGE's VQGAN
architecture, random weights: the cost does not depend on them) once; the
``vqgan`` row is that encode alone, so p2d ~= gvp + vqgan shows the
tokenizer is paid once per step. All variants use ``--img-size`` (the paper
runs d2d at 256 px). Times: the variants run round-robin, ``--rounds`` times
after a warm-up step each, and the median is reported, so machine noise hits
all alike. Peak memory: on CUDA ``max_memory_allocated`` per variant; on CPU
each variant runs in a fresh child process and reports the rise of its peak
resident memory over the built model (activations, gradients, optimizer state),
plus the total peak.

CPU allocator: by default glibc's malloc returns freed heap memory to the OS
after every large free, and the next op faults it back in page by page. That
cost grows with each op's working set, so it penalises whichever variant has
the larger per-op tensors, and it does not exist on a GPU, where PyTorch's
caching allocator keeps memory. On CPU the timing process therefore re-execs
itself with glibc's trimming off (``MALLOC_TRIM_THRESHOLD_``,
``MALLOC_MMAP_THRESHOLD_``), the same for every variant; ``--system-malloc``
keeps glibc's defaults. Memory children always run with the defaults.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import nn

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODELS_DIR = osp.join(ROOT, 'configs/_base_/models')
GVP_MODELS = {
    'gvp': 'gvp-p2p_vit-base-p16.py',
    'gvp-unpruned': 'gvp-p2p_vit-base-p16.py',
    'gvp-full-last': 'gvp-p2p_vit-base-p16.py',
    'gvp-p2d': 'gvp-p2d_vit-base-p16.py',
    'gvp-d2d': 'gvp-d2d_vit-base-p16.py',
    'gvp-p2d-cached': 'gvp-p2d_vit-base-p16.py',
    'gvp-d2d-cached': 'gvp-d2d_vit-base-p16.py',
}
VARIANTS = ('vit-b', 'gvp', 'gvp-full-last', 'gvp-unpruned', 'gvp-p2d',
            'gvp-d2d', 'gvp-p2d-cached', 'gvp-d2d-cached', 'vqgan', 'mae')
# glibc tunables: keep freed memory mapped, as a caching allocator would
CACHING_MALLOC = {
    'MALLOC_TRIM_THRESHOLD_': str(64 << 30),
    'MALLOC_MMAP_THRESHOLD_': str(32 << 20),
}
LABELS = {
    'vit-b': 'plain ViT-B/16 (all tokens, pixel head)',
    'gvp': 'GVP-p2p, pruned (docs/design.md §3)',
    'gvp-full-last': 'GVP-p2p, pruned, without the last-block skip',
    'gvp-unpruned': 'GVP-p2p, two streams on all tokens',
    'gvp-p2d': 'GVP-p2d, pruned, + frozen VQGAN f16 targets',
    'gvp-d2d': 'GVP-d2d, pruned, VQGAN ids in and out',
    'gvp-p2d-cached': 'GVP-p2d, ids from the offline token cache',
    'gvp-d2d-cached': 'GVP-d2d, ids from the offline token cache',
    'vqgan': 'frozen VQGAN f16 encode alone (the p2d/d2d extra)',
    'mae': "mmpretrain MAE ViT-B/16 (75 % masked, 8-block decoder)",
}


class PlainViTStep(nn.Module):
    """mmpretrain ViT-B over all tokens + a linear pixel head, MSE."""

    def __init__(self, img_size):
        super().__init__()
        from mmpretrain.models import VisionTransformer
        self.backbone = VisionTransformer(
            arch='b', img_size=img_size, patch_size=16, out_type='raw')
        self.head = nn.Linear(768, 16 * 16 * 3)

    def forward(self, x, data_samples=None, mode='loss'):
        tokens = self.backbone(x)[0][:, 1:]
        b = x.shape[0]
        target = x.reshape(b, 3, x.shape[2] // 16, 16, x.shape[3] // 16, 16)
        target = torch.einsum('nchpwq->nhwpqc', target).reshape(b, -1, 768)
        return dict(loss=F.mse_loss(self.head(tokens), target))


class TokenizerOnly(nn.Module):
    """The frozen tokenizer's encode, as the p2d/d2d steps run it; a scalar
    parameter gives the step something to update."""

    def __init__(self):
        super().__init__()
        from gvp.registry import MODELS
        with DefaultScope.overwrite_default_scope('gvp'):
            self.tokenizer = MODELS.build(
                dict(type='VQGANTokenizer', frozen=True))
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x, data_samples=None, mode='loss'):
        ids = self.tokenizer.encode_ids((x.float() * .2 + .5).clamp(0, 1))
        return dict(loss=self.scale * ids.float().mean())


def build(variant, img_size):
    import gvp  # noqa: F401
    from gvp.registry import MODELS
    if variant == 'vit-b':
        return PlainViTStep(img_size)
    if variant in GVP_MODELS:
        cfg = Config.fromfile(osp.join(MODELS_DIR,
                                       GVP_MODELS[variant])).model
        cfg.backbone.img_size = img_size
        cfg.backbone.prune = variant != 'gvp-unpruned'
        cfg.backbone.prune_last_block = variant != 'gvp-full-last'
        if 'tokenizer' in cfg:
            cfg.tokenizer.checkpoint = None  # same cost, no file needed
        with DefaultScope.overwrite_default_scope('gvp'):
            model = MODELS.build(cfg)
        return model
    if variant == 'vqgan':
        return TokenizerOnly()
    if variant == 'mae':
        import mmpretrain
        from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
        cfg = Config.fromfile(
            osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'configs',
                     '_base_', 'models', 'mae_vit-base-p16.py')).model
        cfg.backbone.img_size = img_size
        cfg.neck.num_patches = (img_size // 16)**2
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            return MMPRETRAIN_MODELS.build(cfg)
    raise ValueError(f'unknown variant {variant!r}: one of {VARIANTS}')


class Runner:
    """One variant: model, AdamW, a fixed input batch."""

    def __init__(self, variant, args):
        torch.manual_seed(0)
        self.device = torch.device(args.device)
        self.model = build(variant, args.img_size).to(self.device).train()
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=1e-4)
        self.x = torch.randn(args.batch_size, 3, args.img_size,
                             args.img_size, device=self.device)
        self.amp = args.amp
        self.samples = None
        if variant.endswith('-cached'):
            # ids as LoadCachedView delivers them: made once, offline
            from mmpretrain.structures import DataSample
            with torch.no_grad():
                ids = self.model.tokenize(self.x)
            self.samples = [DataSample(token_ids=i) for i in ids]

    def step(self):
        with torch.autocast(self.device.type, dtype=torch.bfloat16,
                            enabled=self.amp):
            loss = self.model(self.x, self.samples, mode='loss')['loss']
        loss.backward()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        if self.device.type == 'cuda':
            torch.cuda.synchronize()

    def timed_step(self):
        start = time.perf_counter()
        self.step()
        return time.perf_counter() - start


def _status_mb(field):
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in MB. Not
    ``ru_maxrss``: Linux carries that across fork + exec, so a child would
    report its parent's peak; ``VmHWM`` belongs to the new address space."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f'{field} not in /proc/self/status')


def child_memory(variant, args):
    """Run in a fresh process: peak RSS rise over the built model."""
    runner = Runner(variant, args)
    base = _status_mb('VmRSS')
    for _ in range(2):
        runner.step()
    peak = _status_mb('VmHWM')
    return dict(step_mb=peak - base, total_mb=peak)


def measure_memory(variant, args):
    if args.device == 'cuda':
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        runner = Runner(variant, args)
        base = torch.cuda.memory_allocated() / 2**20
        runner.step()
        runner.step()
        peak = torch.cuda.max_memory_allocated() / 2**20
        del runner
        return dict(step_mb=peak - base, total_mb=peak)
    cmd = [sys.executable, __file__, '--child', variant, '--batch-size',
           str(args.batch_size), '--img-size', str(args.img_size),
           '--device', args.device, '--threads', str(args.threads)]
    env = {k: v for k, v in os.environ.items() if k not in CACHING_MALLOC}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--img-size', type=int, default=224)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--amp', action='store_true', help='bf16 autocast')
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=VARIANTS)
    parser.add_argument('--no-memory', action='store_true')
    parser.add_argument('--system-malloc', action='store_true',
                        help="CPU: time with glibc's default trimming")
    parser.add_argument('--out', help='write the results as json')
    parser.add_argument('--child', help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    if args.child:
        print(json.dumps(child_memory(args.child, args)))
        return
    if args.device == 'cpu' and not args.system_malloc and any(
            os.environ.get(k) != v for k, v in CACHING_MALLOC.items()):
        # glibc reads its tunables at start-up: re-exec with them set
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  {**os.environ, **CACHING_MALLOC})

    memory = {} if args.no_memory else {
        v: measure_memory(v, args) for v in args.variants}
    runners = {v: Runner(v, args) for v in args.variants}
    for r in runners.values():
        r.step()  # warm-up
    times = {v: [] for v in runners}
    for _ in range(args.rounds):
        for v, r in runners.items():
            times[v].append(r.timed_step())
    del runners

    ref = 'vit-b' if 'vit-b' in times else args.variants[0]
    t_ref = statistics.median(times[ref])
    rows = []
    for v in args.variants:
        t = statistics.median(times[v])
        row = dict(variant=v, what=LABELS[v], time_s=t, time_ratio=t / t_ref)
        if memory:
            row.update(step_mb=memory[v]['step_mb'],
                       total_mb=memory[v]['total_mb'],
                       mem_ratio=memory[v]['step_mb'] /
                       memory[ref]['step_mb'])
        rows.append(row)

    malloc = ('' if args.device != 'cpu' else ', glibc malloc defaults'
              if args.system_malloc else ', glibc malloc without trimming')
    print(f'\nbatch {args.batch_size}, {args.img_size} px, device '
          f'{args.device}, {args.threads} threads{malloc}, median of '
          f'{args.rounds} round-robin steps (fwd + bwd + AdamW); ratios vs '
          f'{ref}')
    head = f"{'variant':<14}{'s/step':>9}{'x time':>8}"
    if memory:
        head += f"{'step MB':>10}{'x mem':>7}{'peak MB':>10}"
    print(head + '  what')
    for r in rows:
        line = f"{r['variant']:<14}{r['time_s']:>9.3f}{r['time_ratio']:>8.2f}"
        if memory:
            line += (f"{r['step_mb']:>10.0f}{r['mem_ratio']:>7.2f}"
                     f"{r['total_mb']:>10.0f}")
        print(line + '  ' + r['what'])
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(args=vars(args), rows=rows), f, indent=2)


if __name__ == '__main__':
    main()
