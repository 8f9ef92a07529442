"""The pretraining step of each run side by side: fixed batch, forward +
backward + AdamW, round-robin timing (the median of ``rounds``), peak
memory per variant, ratios against the plain ViT."""
import json
import os
import statistics
import subprocess
import sys
import time

import torch

from .models import build
from .variants import SIZES, find

# glibc tunables: keep freed memory mapped, as a caching allocator would
CACHING_MALLOC = {
    'MALLOC_TRIM_THRESHOLD_': str(64 << 30),
    'MALLOC_MMAP_THRESHOLD_': str(32 << 20),
}


class StepRunner:
    """One run: model, AdamW, a fixed input batch."""

    def __init__(self, run, args):
        torch.manual_seed(0)
        self.device = torch.device(args.device)
        self.model = build(run.variant, args.img_size, args.size).to(
            self.device).train()
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=1e-4)
        # torch.compile as mmengine's ``compile=True``: the whole forward
        # (graph breaks fall back to eager; the packed-row counts vary per
        # step and become dynamic after the first recompile)
        self.forward = torch.compile(self.model) if run.compiled \
            else self.model
        self.x = torch.randn(args.batch_size, 3, args.img_size,
                             args.img_size, device=self.device)
        self.amp = args.amp
        self.samples = None
        if run.variant.cached:
            # ids as LoadCachedView delivers them: made once, offline
            from mmpretrain.structures import DataSample
            with torch.no_grad():
                ids = self.model.tokenize(self.x)
            self.samples = [DataSample(token_ids=i) for i in ids]

    def step(self):
        with torch.autocast(self.device.type, dtype=torch.bfloat16,
                            enabled=self.amp):
            loss = self.forward(self.x, self.samples, mode='loss')['loss']
        loss.backward()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        if self.device.type == 'cuda':
            torch.cuda.synchronize()

    def timed_step(self):
        start = time.perf_counter()
        self.step()
        return time.perf_counter() - start


def status_mb(field):
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in MB. Not
    ``ru_maxrss``: Linux carries that across fork + exec, so a child would
    report its parent's peak; ``VmHWM`` belongs to the new address space."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f'{field} not in /proc/self/status')


def child_memory(name, args):
    """Run in a fresh process: peak RSS rise over the built model."""
    runner = StepRunner(find(name), args)
    base = status_mb('VmRSS')
    for _ in range(2):
        runner.step()
    peak = status_mb('VmHWM')
    return dict(step_mb=peak - base, total_mb=peak)


def measure_memory(run, args, tool):
    """Peak memory of two steps: CUDA's counters, or on CPU a fresh child
    process of ``tool`` (glibc defaults)."""
    if args.device == 'cuda':
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        runner = StepRunner(run, args)
        base = torch.cuda.memory_allocated() / 2**20
        runner.step()
        runner.step()
        peak = torch.cuda.max_memory_allocated() / 2**20
        return dict(step_mb=peak - base, total_mb=peak)
    cmd = [sys.executable, tool, '--child', run.name, '--batch-size',
           str(args.batch_size), '--img-size', str(args.img_size),
           '--device', args.device, '--threads', str(args.threads),
           '--size', args.size]
    env = {k: v for k, v in os.environ.items() if k not in CACHING_MALLOC}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def time_runs(runs, args):
    """``({name: [seconds per round]}, {name: warm-up seconds})``: warm-up
    steps (compiled runs 2 more: the static, then the dynamic compile),
    then ``rounds`` round-robin passes."""
    runners = {r.name: StepRunner(r, args) for r in runs}
    warmup = {}
    for run in runs:
        start = time.perf_counter()
        for _ in range(args.warmup + (2 if run.compiled else 0)):
            runners[run.name].step()
        warmup[run.name] = time.perf_counter() - start
    times = {name: [] for name in runners}
    for _ in range(args.rounds):
        for name, runner in runners.items():
            times[name].append(runner.timed_step())
    return times, warmup


def result_rows(runs, times, warmup, memory):
    """One row per run, ratios against the plain ViT (or the first)."""
    ref = 'vit' if 'vit' in times else runs[0].name
    t_ref = statistics.median(times[ref])
    rows = []
    for run in runs:
        t = statistics.median(times[run.name])
        what = run.label + (f' (warm-up incl. compiling '
                            f'{warmup[run.name]:.0f} s)' if run.compiled
                            else '')
        row = dict(variant=run.name, what=what, time_s=t,
                   time_ratio=t / t_ref, warmup_s=warmup[run.name])
        if run.name in memory:
            mem = memory[run.name]
            row.update(step_mb=mem['step_mb'], total_mb=mem['total_mb'],
                       mem_ratio=mem['step_mb'] / memory[ref]['step_mb'])
        rows.append(row)
    return rows, ref


def print_rows(rows, ref, args, with_memory):
    spec = SIZES[args.size]
    malloc = ('' if args.device != 'cpu' else ', glibc malloc defaults'
              if args.system_malloc else ', glibc malloc without trimming')
    arch = f"ViT-{spec['arch'].upper()[0]}{spec['arch'][1:]}/" \
        f"{spec['patch_size']}"
    print(f'\n{arch} ({args.size}), batch {args.batch_size}, '
          f'{args.img_size} px, device {args.device}, {args.threads} '
          f'threads{malloc}, median of {args.rounds} round-robin steps '
          f'(fwd + bwd + AdamW); ratios vs {ref}')
    head = f"{'variant':<16}{'s/step':>9}{'x time':>8}"
    if with_memory:
        head += f"{'step MB':>10}{'x mem':>7}{'peak MB':>10}"
    print(head + '  what')
    for r in rows:
        line = f"{r['variant']:<16}{r['time_s']:>9.3f}{r['time_ratio']:>8.2f}"
        if 'step_mb' in r:
            line += (f"{r['step_mb']:>10.0f}{r['mem_ratio']:>7.2f}"
                     f"{r['total_mb']:>10.0f}")
        elif with_memory:
            line += f"{'-':>10}{'-':>7}{'-':>10}"
        print(line + '  ' + r['what'])


def machine(args) -> dict:
    """What ran it: CPU (or GPU) model, cores, threads, torch, date."""
    import platform
    cpu = platform.processor()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f
                       if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    info = dict(cpu=cpu, cores=os.cpu_count(), threads=args.threads,
                torch=torch.__version__,
                date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
    if args.device == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(0)
    return info


def benchmark(runs, args, tool) -> dict:
    """Memory, timing, the table printed; the results as a dict."""
    memory = {} if args.no_memory else {
        r.name: measure_memory(r, args, tool) for r in runs
        if not r.compiled}
    times, warmup = time_runs(runs, args)
    rows, ref = result_rows(runs, times, warmup, memory)
    print_rows(rows, ref, args, bool(memory))
    return dict(args=vars(args), rows=rows, machine=machine(args))
