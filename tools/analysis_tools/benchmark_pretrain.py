"""Pretraining step cost: GVP against a plain ViT step, the unpruned
two-stream, GVP-p2d / d2d (with their frozen VQGAN tokenizer, online or from
the offline token cache), mmpretrain's MAE and, with ``--compile``, the plain
ViT and GVP under ``torch.compile`` — side by side, as ratios, in one run.

    python tools/analysis_tools/benchmark_pretrain.py [--size base|demo]
        [--batch-size 8] [--img-size 224] [--rounds 3] [--compile]
        [--device cpu|cuda] [--out res.json]

``--size base``: ViT-B/16 at 224 px, MAGE's VQGAN f16, mmpretrain's MAE;
``--size demo``: the Fashion-MNIST demo (ViT-Tiny/4 at 28 px, batch 64, the
small f4 tokenizer, the ablation's MAE).

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
import glob
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
MODELS_DIR = 'configs/_base_/models/'
DEMO_DIR = 'configs/gvp/'
#: model sizes: ``base`` (ViT-B/16, MAGE's VQGAN f16, mmpretrain's MAE) and
#: ``demo`` (the Fashion-MNIST ViT-Tiny/4 at 28 px, the small f4 tokenizer,
#: the ablation's MAE)
SIZES = {
    'base': dict(
        arch='b', patch_size=16, img_size=224, batch_size=8,
        p2p=MODELS_DIR + 'gvp-p2p_vit-base-p16.py',
        p2d=MODELS_DIR + 'gvp-p2d_vit-base-p16.py',
        d2d=MODELS_DIR + 'gvp-d2d_vit-base-p16.py',
        mae=None),  # mmpretrain's own mae_vit-base-p16
    'demo': dict(
        arch='tiny', patch_size=4, img_size=28, batch_size=64,
        p2p=DEMO_DIR + 'gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py',
        p2d=DEMO_DIR + 'gvp-p2d_vit-tiny-p4_1xb64-600i_fashion-mnist.py',
        d2d=DEMO_DIR + 'gvp-d2d_vit-tiny-p4_1xb64-600i_fashion-mnist.py',
        mae='configs/benchmarks/fashion-mnist_ablation/'
        'mae_vit-tiny-p4_1xb64-4e-10k_fashion-mnist.py'),
}
GVP_MODELS = {
    'gvp': 'p2p', 'gvp-unpruned': 'p2p', 'gvp-full-last': 'p2p',
    'gvp-p2d': 'p2d', 'gvp-d2d': 'd2d', 'gvp-p2d-cached': 'p2d',
    'gvp-d2d-cached': 'd2d',
}
VARIANTS = ('vit', 'gvp', 'gvp-full-last', 'gvp-unpruned', 'gvp-p2d',
            'gvp-d2d', 'gvp-p2d-cached', 'gvp-d2d-cached', 'vqgan', 'mae')
#: ``--compile`` adds these, each under ``torch.compile``
COMPILED = ('vit', 'gvp')
# glibc tunables: keep freed memory mapped, as a caching allocator would
CACHING_MALLOC = {
    'MALLOC_TRIM_THRESHOLD_': str(64 << 30),
    'MALLOC_MMAP_THRESHOLD_': str(32 << 20),
}
LABELS = {
    'vit': 'plain ViT (all tokens, pixel head)',
    'gvp': 'GVP-p2p, pruned (docs/design.md §3)',
    'gvp-full-last': 'GVP-p2p, pruned, without the last-block skip',
    'gvp-unpruned': 'GVP-p2p, two streams on all tokens',
    'gvp-p2d': 'GVP-p2d, pruned, + frozen VQGAN targets (online)',
    'gvp-d2d': 'GVP-d2d, pruned, VQGAN ids in and out (online)',
    'gvp-p2d-cached': 'GVP-p2d, ids from the offline token cache',
    'gvp-d2d-cached': 'GVP-d2d, ids from the offline token cache',
    'vqgan': 'frozen VQGAN encode alone (the p2d/d2d extra)',
    'mae': "mmpretrain MAE (75 % masked)",
}


class PlainViTStep(nn.Module):
    """mmpretrain's ViT over all tokens + a linear pixel head, MSE."""

    def __init__(self, img_size, arch='b', patch_size=16):
        super().__init__()
        from mmpretrain.models import VisionTransformer

        from gvp.models import GVPViTBase
        arch = GVPViTBase.arch_zoo[arch]  # mmpretrain's, plus 'tiny'
        self.p = patch_size
        self.backbone = VisionTransformer(
            arch=arch, img_size=img_size, patch_size=patch_size,
            out_type='raw')
        self.head = nn.Linear(arch['embed_dims'], patch_size**2 * 3)

    def forward(self, x, data_samples=None, mode='loss'):
        tokens = self.backbone(x)[0][:, 1:]
        b, p = x.shape[0], self.p
        target = x.reshape(b, 3, x.shape[2] // p, p, x.shape[3] // p, p)
        target = torch.einsum('nchpwq->nhwpqc', target).reshape(
            b, -1, p * p * 3)
        return dict(loss=F.mse_loss(self.head(tokens), target))


class TokenizerOnly(nn.Module):
    """The frozen tokenizer's encode, as the p2d/d2d steps run it; a scalar
    parameter gives the step something to update."""

    def __init__(self, cfg):
        super().__init__()
        from gvp.registry import MODELS
        with DefaultScope.overwrite_default_scope('gvp'):
            self.tokenizer = MODELS.build(dict(cfg, frozen=True))
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x, data_samples=None, mode='loss'):
        ids = self.tokenizer.encode_ids((x.float() * .2 + .5).clamp(0, 1))
        return dict(loss=self.scale * ids.float().mean())


def _model_cfg(path):
    return Config.fromfile(osp.join(ROOT, path)).model


def build(variant, img_size, size='base'):
    """The model of ``variant`` at ``size`` (:data:`SIZES`), ``img_size``
    px; ``'+compile'`` variants are built as their eager twin."""
    import gvp  # noqa: F401
    from gvp.registry import MODELS
    variant = variant.split('+')[0]
    spec = SIZES[size]
    if variant == 'vit':
        return PlainViTStep(img_size, spec['arch'], spec['patch_size'])
    if variant in GVP_MODELS:
        cfg = _model_cfg(spec[GVP_MODELS[variant]])
        cfg.backbone.img_size = img_size
        cfg.backbone.prune = variant != 'gvp-unpruned'
        cfg.backbone.prune_last_block = variant != 'gvp-full-last'
        if 'tokenizer' in cfg:
            cfg.tokenizer.checkpoint = None  # same cost, no file needed
        with DefaultScope.overwrite_default_scope('gvp'):
            model = MODELS.build(cfg)
        return model
    if variant == 'vqgan':
        cfg = _model_cfg(spec['p2d']).tokenizer
        cfg.checkpoint = None
        return TokenizerOnly(cfg)
    if variant == 'mae':
        import mmpretrain
        from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
        if spec['mae'] is None:
            cfg = Config.fromfile(
                osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'configs',
                         '_base_', 'models', 'mae_vit-base-p16.py')).model
        else:
            cfg = _model_cfg(spec['mae'])
        cfg.backbone.img_size = img_size
        cfg.neck.num_patches = (img_size // spec['patch_size'])**2
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            return MMPRETRAIN_MODELS.build(cfg)
    raise ValueError(f'unknown variant {variant!r}: one of {VARIANTS}')


class Runner:
    """One variant: model, AdamW, a fixed input batch."""

    def __init__(self, variant, args):
        torch.manual_seed(0)
        self.device = torch.device(args.device)
        self.model = build(variant, args.img_size, args.size).to(
            self.device).train()
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=1e-4)
        # torch.compile as mmengine's ``compile=True``: the whole forward
        # (graph breaks fall back to eager; the packed-row counts vary per
        # step and become dynamic after the first recompile)
        self.forward = torch.compile(self.model) if variant.endswith(
            '+compile') else self.model
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
           '--device', args.device, '--threads', str(args.threads),
           '--size', args.size]
    env = {k: v for k, v in os.environ.items() if k not in CACHING_MALLOC}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- data row
def _write_jpegs(folder, count, seed=0):
    """``count`` ImageNet-like JPEGs (500 x 375, quality 90, smooth colour
    fields with texture: ~60-120 kB, as ImageNet's), written once."""
    import numpy as np
    from PIL import Image
    rng = np.random.RandomState(seed)
    os.makedirs(folder, exist_ok=True)
    yy, xx = np.mgrid[0:375, 0:500] / 100.
    for i in range(count):
        path = osp.join(folder, f'{i:04d}.jpg')
        if osp.isfile(path):
            continue
        img = np.stack([
            np.sin(xx * rng.uniform(.5, 3) + yy * rng.uniform(.5, 3) +
                   rng.uniform(0, 6)) for _ in range(3)
        ], -1) * 80 + 128 + rng.randn(375, 500, 3) * 20
        Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(
            path, quality=90)
    return sorted(glob.glob(osp.join(folder, '*.jpg')))


def _write_cache(folder, count, views=4, grid=(14, 14)):
    """A token cache of ``count`` images in the layout of
    tools/dataset_converters/cache_tokens.py (random ids and boxes)."""
    import numpy as np
    shard = osp.join(folder, 'shard-0-of-1')
    os.makedirs(shard, exist_ok=True)
    rng = np.random.RandomState(0)
    np.save(osp.join(shard, 'indices.npy'), np.arange(count))
    np.save(osp.join(shard, 'ids.npy'),
            rng.randint(0, 1024, (count, views, *grid)).astype(np.uint16))
    boxes = np.tile([0, 0, 300, 300, 0], (count, views, 1)).astype(np.int32)
    np.save(osp.join(shard, 'boxes.npy'), boxes)
    np.save(osp.join(shard, 'done.npy'), np.ones(count, bool))
    with open(osp.join(folder, 'meta.json'), 'w') as f:
        json.dump(dict(views=views, grid=list(grid)), f)
    return folder


def data_pipelines(img_size, cache):
    """name -> (what, pipeline): the ImageNet pretraining pipeline with each
    JPEG decoder that imports here, and the token-cache pipelines."""
    crop = dict(type='RandomResizedCrop', scale=img_size,
                crop_ratio_range=(0.2, 1.0), interpolation='bicubic')
    flip = dict(type='RandomFlip', prob=0.5)
    out = {}
    backends = ['cv2', 'pillow']
    try:
        import turbojpeg  # noqa: F401
        backends.append('turbojpeg')
    except ImportError:
        pass
    for backend in backends:
        out[f'jpeg-{backend}'] = (
            f'JPEG decode ({backend}) + RandomResizedCrop {img_size} + flip',
            [dict(type='LoadImageFromFile', imdecode_backend=backend),
             dict(crop, backend='pillow' if backend == 'pillow' else 'cv2'),
             flip, dict(type='PackInputs')])
    out['cached-p2d'] = (
        'token cache, p2d: JPEG decode (cv2) + one cached view: its ids, '
        'its crop and flip replayed',
        [dict(type='LoadImageFromFile'), dict(type='LoadCachedView',
                                              cache=cache),
         dict(crop, type='ReplayResizedCrop'),
         dict(flip, type='ReplayFlip'),
         dict(type='PackInputs', algorithm_keys=['token_ids'])])
    out['cached-ids'] = (
        'token cache, ids alone (what d2d reads; no image decoded)',
        [dict(type='LoadCachedView', cache=cache),
         dict(type='PackInputs', algorithm_keys=['token_ids'])])
    return out


def measure_data(args, images=64, rounds=3):
    """Images per second of one worker (this process, one thread) for each
    pipeline of :func:`data_pipelines`: the median of ``rounds`` passes
    over ``images`` JPEGs written to ``--data-dir``."""
    from mmengine.dataset import Compose
    from mmengine.registry import DefaultScope

    import gvp  # noqa: F401
    torch.set_num_threads(1)
    files = _write_jpegs(osp.join(args.data_dir, 'jpeg'), images)
    cache = _write_cache(osp.join(args.data_dir, 'cache'), images)
    size_kb = statistics.mean(osp.getsize(f) for f in files) / 1024
    rows = []
    with DefaultScope.overwrite_default_scope('gvp'):
        for name, (what, cfg) in data_pipelines(args.img_size,
                                                cache).items():
            pipe = Compose(cfg)
            if name == 'jpeg-turbojpeg':
                # mmcv makes its TurboJPEG handle only in use_backend
                import mmcv
                mmcv.use_backend('turbojpeg')
            pipe(dict(img_path=files[0], sample_idx=0))  # warm-up
            rates = []
            for _ in range(rounds):
                start = time.perf_counter()
                for i, f in enumerate(files):
                    pipe(dict(img_path=f, sample_idx=i))
                rates.append(len(files) / (time.perf_counter() - start))
            rows.append(dict(pipeline=name, what=what,
                             img_per_s=statistics.median(rates)))
    return dict(rows=rows, jpeg_kb=size_kb, images=len(files))


def print_data(data, step_rows, args):
    """The data table and the workers per GPU each pipeline needs."""
    import math
    print(f"\ndata loading, one worker (1 process, 1 thread), "
          f"{data['images']} JPEGs of 500x375 (~{data['jpeg_kb']:.0f} kB), "
          f"median of 3 passes")
    demand = {}
    for r in step_rows:  # images per second one device's step consumes
        if not r['variant'].endswith('+compile'):
            demand[r['variant']] = args.batch_size / r['time_s']
    if args.gpu_img_per_s:
        demand['given'] = args.gpu_img_per_s
    cols = [k for k in ('gvp', 'gvp-p2d-cached', 'given') if k in demand]
    head = f"{'pipeline':<18}{'img/s':>8}" + ''.join(
        f'{"w/" + c:>18}' for c in cols)
    print(head + '  what')
    for r in data['rows']:
        need = ''.join(
            f"{math.ceil(demand[c] / r['img_per_s']):>18d}" for c in cols)
        print(f"{r['pipeline']:<18}{r['img_per_s']:>8.0f}{need}  "
              f"{r['what']}")
    if cols:
        print('w/X: workers needed to feed one device at the image rate of '
              'step X (' + ', '.join(
                  f'{c}: {demand[c]:.0f} img/s' for c in cols) + ')')


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', choices=list(SIZES), default='base',
                        help='model size: ViT-B/16 at 224 px (base) or the '
                        'Fashion-MNIST demo ViT-Tiny/4 at 28 px')
    parser.add_argument('--batch-size', type=int,
                        help='default: 8 (base), 64 (demo)')
    parser.add_argument('--img-size', type=int,
                        help='default: 224 (base), 28 (demo)')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--amp', action='store_true', help='bf16 autocast')
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=VARIANTS + ('vit-b', ))
    parser.add_argument('--compile', action='store_true',
                        help='also time ' + ', '.join(COMPILED) +
                        ' under torch.compile (rows "+compile")')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed steps per variant first (compiled '
                        'variants get 2 more: the static, then the dynamic '
                        'compile)')
    parser.add_argument('--data', action='store_true',
                        help='also the data-loading row: images per second '
                        'per worker (JPEG pipelines, token cache) and the '
                        'workers per device they need')
    parser.add_argument('--data-dir', default='work_dirs/benchmark_data',
                        help='where --data writes its JPEGs and cache')
    parser.add_argument('--gpu-img-per-s', type=float,
                        help='--data: also the workers needed at this '
                        'image rate per device (e.g. a measured GPU step)')
    parser.add_argument('--no-memory', action='store_true')
    parser.add_argument('--system-malloc', action='store_true',
                        help="CPU: time with glibc's default trimming")
    parser.add_argument('--out', help='write the results as json')
    parser.add_argument('--child', help=argparse.SUPPRESS)
    args = parser.parse_args()
    spec = SIZES[args.size]
    args.batch_size = args.batch_size or spec['batch_size']
    args.img_size = args.img_size or spec['img_size']
    # 'vit-b' (the name before sizes) is the plain ViT
    args.variants = list(dict.fromkeys(
        'vit' if v == 'vit-b' else v for v in args.variants))
    if args.compile:
        args.variants += [v + '+compile' for v in COMPILED
                          if v in args.variants]
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
        v: measure_memory(v, args) for v in args.variants
        if not v.endswith('+compile')}
    runners = {v: Runner(v, args) for v in args.variants}
    compile_s = {}
    for v, r in runners.items():
        start = time.perf_counter()
        for _ in range(args.warmup + (2 if v.endswith('+compile') else 0)):
            r.step()
        compile_s[v] = time.perf_counter() - start
    times = {v: [] for v in runners}
    for _ in range(args.rounds):
        for v, r in runners.items():
            times[v].append(r.timed_step())
    del runners

    ref = 'vit' if 'vit' in times else args.variants[0]
    t_ref = statistics.median(times[ref])
    rows = []
    for v in args.variants:
        t = statistics.median(times[v])
        what = LABELS[v.split('+')[0]]
        if v.endswith('+compile'):
            what += (f', torch.compile (warm-up incl. compiling '
                     f'{compile_s[v]:.0f} s)')
        row = dict(variant=v, what=what, time_s=t, time_ratio=t / t_ref,
                   warmup_s=compile_s[v])
        if memory and v in memory:
            row.update(step_mb=memory[v]['step_mb'],
                       total_mb=memory[v]['total_mb'],
                       mem_ratio=memory[v]['step_mb'] /
                       memory[ref]['step_mb'])
        rows.append(row)

    malloc = ('' if args.device != 'cpu' else ', glibc malloc defaults'
              if args.system_malloc else ', glibc malloc without trimming')
    arch = f"ViT-{spec['arch'].upper()[0]}{spec['arch'][1:]}/" \
        f"{spec['patch_size']}"
    print(f'\n{arch} ({args.size}), batch {args.batch_size}, '
          f'{args.img_size} px, device {args.device}, {args.threads} '
          f'threads{malloc}, median of {args.rounds} round-robin steps '
          f'(fwd + bwd + AdamW); ratios vs {ref}')
    head = f"{'variant':<16}{'s/step':>9}{'x time':>8}"
    if memory:
        head += f"{'step MB':>10}{'x mem':>7}{'peak MB':>10}"
    print(head + '  what')
    for r in rows:
        line = f"{r['variant']:<16}{r['time_s']:>9.3f}{r['time_ratio']:>8.2f}"
        if 'step_mb' in r:
            line += (f"{r['step_mb']:>10.0f}{r['mem_ratio']:>7.2f}"
                     f"{r['total_mb']:>10.0f}")
        elif memory:
            line += f"{'-':>10}{'-':>7}{'-':>10}"
        print(line + '  ' + r['what'])
    data = None
    if args.data:
        data = measure_data(args)
        print_data(data, rows, args)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(args=vars(args), rows=rows, data=data,
                           machine=machine(args)), f, indent=2)


if __name__ == '__main__':
    main()
