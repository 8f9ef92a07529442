"""Pretraining step cost: GVP against a plain ViT step, the unpruned
two-stream, GVP-p2d / d2d (with their frozen tokenizer, online or from the
offline token cache), mmpretrain's MAE and, with ``--compile``, the plain
ViT and GVP under ``torch.compile`` -- side by side, as ratios, in one run
(:mod:`gvp.benchmark.step`; the variants: :mod:`gvp.benchmark.variants`).

    python tools/analysis_tools/benchmark_pretrain.py [--size base|demo]
        [--batch-size 8] [--img-size 224] [--rounds 3] [--compile]
        [--device cpu|cuda] [--out res.json]

A step is forward + backward + AdamW of the whole model; the variants run
round-robin, ``--rounds`` times after a warm-up, and the median is kept.
Peak memory: CUDA's counters, or on CPU a fresh child process per variant.
On CPU the timing process re-execs itself with glibc's trimming off (as a
GPU's caching allocator keeps memory), the same for every variant;
``--system-malloc`` keeps glibc's defaults. The data pipelines have their
own tool: tools/analysis_tools/benchmark_data.py.
"""
import argparse
import json
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def parse_args():
    import torch

    from gvp.benchmark.variants import BY_NAME, SIZES
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--size', choices=list(SIZES), default='base',
                   help='ViT-B/16 at 224 px (base) or the Fashion-MNIST '
                   'demo ViT-Tiny/4 at 28 px')
    p.add_argument('--batch-size', type=int, help='8 (base), 64 (demo)')
    p.add_argument('--img-size', type=int, help='224 (base), 28 (demo)')
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--device', default='cpu')
    p.add_argument('--threads', type=int, default=torch.get_num_threads())
    p.add_argument('--amp', action='store_true', help='bf16 autocast')
    p.add_argument('--variants', nargs='+', default=list(BY_NAME),
                   choices=list(BY_NAME))
    p.add_argument('--compile', action='store_true',
                   help='also time the compilable variants (vit, gvp) '
                   'under torch.compile (rows "+compile")')
    p.add_argument('--warmup', type=int, default=1,
                   help='untimed steps per variant first (compiled ones '
                   'get 2 more: the static, then the dynamic compile)')
    p.add_argument('--no-memory', action='store_true')
    p.add_argument('--system-malloc', action='store_true',
                   help="CPU: time with glibc's default trimming")
    p.add_argument('--out', help='write the results as json')
    p.add_argument('--child', help=argparse.SUPPRESS)
    args = p.parse_args()
    args.batch_size = args.batch_size or SIZES[args.size]['batch_size']
    args.img_size = args.img_size or SIZES[args.size]['img_size']
    torch.set_num_threads(args.threads)
    return args


def main():
    from gvp.benchmark.step import CACHING_MALLOC, benchmark, child_memory
    from gvp.benchmark.variants import runs
    args = parse_args()
    if args.child:
        print(json.dumps(child_memory(args.child, args)))
        return
    if args.device == 'cpu' and not args.system_malloc and any(
            os.environ.get(k) != v for k, v in CACHING_MALLOC.items()):
        # glibc reads its tunables at start-up: re-exec with them set
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  {**os.environ, **CACHING_MALLOC})
    res = benchmark(runs(args.variants, args.compile), args, __file__)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(res, f, indent=2)


if __name__ == '__main__':
    from gvp.utils.dist import run_reporting_errors
    run_reporting_errors(main)
