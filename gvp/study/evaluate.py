"""What the evaluation jobs compute: frozen features of a checkpoint, the
linear / k-NN / low-label probes on them, the 1k-label fine-tune, the
reconstruction error, and a method's own initialisation as a checkpoint."""
import os
import os.path as osp
import subprocess
import sys
from typing import Optional

import numpy as np

from .paths import ROOT, read_json, repo_config, run_dir
from .rows import PROBE_CONFIG, ROWS

FINETUNE = ('configs/benchmarks/fine_tune/'
            'vit-tiny-p4_gvp-pre_1xb64-coslr-200i-1k-labels_fashion-mnist.py')
FINETUNE_VAL = FINETUNE.replace('-1k-labels_', '-1k-labels-val5k_')
NUM_TRAIN = 5000
RECON_IMAGES = 2000
#: the grid rows' C grid (docs/study_fashion-mnist.md, kept for their rows)
CS = (1e-3, 1e-2, 1e-1, 1.)
#: the learning curves' C grid: wide enough that no choice sits on an edge
WIDE_CS = tuple(10.**e for e in range(-3, 5))


def dataset(data_root='data'):
    """``(train[:5000], test)`` lists of ``(path, label)``."""
    from gvp.evaluation.transfer_data import find_dataset
    train, test, layout = find_dataset(osp.join(ROOT, data_root),
                                       'fashion-mnist')
    if train is None:
        raise SystemExit(f'Fashion-MNIST not found: {layout} '
                         '(bash tools/install.sh --data)')
    return train[:NUM_TRAIN], test


def save_npz(path: str, **arrays) -> None:
    tmp = f'{path}.{os.getpid()}.tmp.npz'
    np.savez(tmp, **arrays)
    os.replace(tmp, path)  # complete or absent


def study_inputs(root):
    """The probe images, decoded and through the evaluation view once for
    the whole study: ``(train_x, train_y, test_x, test_y)``, inputs
    normalised ``[N, 3, 28, 28]`` (every row shares the pipeline and the
    normalisation of :data:`PROBE_CONFIG`)."""
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
        save_npz(cache, **arrays)
    z = np.load(cache)
    return z['tx'], z['ty'], z['ex'], z['ey']


def raw_pixels():
    """The grey values of the probe images, as the files hold them."""
    from PIL import Image

    def pixels(items):
        return np.stack([
            np.asarray(Image.open(p).convert('L'), np.float32).ravel() / 255.
            for p, _ in items])
    return tuple(pixels(items) for items in dataset())


def embedded(row, seed, checkpoint, mask, xs):
    """Features ``[N, D]`` of each of ``xs`` from the run's checkpoint
    (MAE and the baselines: the same ViT-Tiny as a GVP probe)."""
    import torch

    from gvp.apis import FeatureExtractor
    r = ROWS[row]
    config = r.config if r.masked and r.config else PROBE_CONFIG
    extractor = FeatureExtractor(
        osp.join(ROOT, config), pretrained=checkpoint, mode='probe',
        probe_mask=mask, seed=seed)
    return [np.concatenate([
        extractor.embed(torch.from_numpy(x[i:i + 500]))
        for i in range(0, len(x), 500)]) for x in xs]


def features(row, seed, root, mask, checkpoint, tag=''):
    """``(train_x, train_y, test_x, test_y)`` of a checkpoint (cached as
    ``features[_TAG]_{mask,nomask}.npz`` in the run's folder)."""
    cache = osp.join(run_dir(root, row, seed), f'features{tag}_'
                     f'{"mask" if mask else "nomask"}.npz')
    if osp.isfile(cache):
        z = np.load(cache)
        return z['tx'], z['ty'], z['ex'], z['ey']
    tx, ty, ex, ey = study_inputs(root)
    if row == 'raw-pixels':
        tx, ex = raw_pixels()
    else:
        tx, ex = embedded(row, seed, checkpoint, mask, (tx, ex))
    save_npz(cache, tx=tx, ty=ty, ex=ex, ey=ey)
    return tx, ty, ex, ey


def probe_run(row, seed, root, checkpoint, curve=False) -> dict:
    """LP, k-NN (k=20, DINO's weighted vote) with the mask kept and dropped
    (GVP rows), low-label LPs (10 / 100 per class, 5 draws) with the row's
    own mask; curves on the wide C grid, with the chosen C in each result."""
    from gvp.evaluation.linear_eval import fit_logistic
    from gvp.evaluation.protocols import knn_classify, low_label_probe
    r, cs = ROWS[row], WIDE_CS if curve else CS
    tag = f'_{osp.splitext(osp.basename(checkpoint))[0]}' if curve else ''
    out = {}
    for mask in ((True, False) if r.masked else (False, )):
        key = 'mask' if mask else 'nomask'
        tx, ty, ex, ey = features(row, seed, root, mask, checkpoint, tag)
        out[f'lp_{key}'] = fit_logistic(tx, ty, ex, ey, cs=cs, seed=0)
        out[f'knn_{key}'] = knn_classify(tx, ty, ex, ey, k=20)
        if mask == r.masked:  # the row's main probe
            for n in (10, 100):
                out[f'low{n}_{key}'] = low_label_probe(
                    tx, ty, ex, ey, n, cs=cs)
        print(key, {k: round(v['top1'], 2) for k, v in out.items()},
              flush=True)
    return out


def write_init(config: str, seed: int, path: str) -> None:
    """The pretraining model of ``config`` as initialised by its own
    ``init_weights`` under ``seed``, saved as a checkpoint at ``path``."""
    import io

    import torch
    from mmengine.registry import DefaultScope

    from gvp.registry import MODELS
    from gvp.utils.atomic_io import atomic_write
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('gvp'):
        model = MODELS.build(repo_config(config).model)
    model.init_weights()
    buf = io.BytesIO()
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(iter=0, seed=seed)), buf)
    atomic_write(path, buf.getvalue(), verify_zip=True)


def backbone_file(folder, checkpoint) -> str:
    """The run's backbone tensors as the fine-tune's ``Pretrained`` file;
    refused unless the fine-tune backbone takes every tensor but the final
    norm (MAE's recipe: global pooling + a new norm, ln2, replaces ln1)."""
    import torch
    from mmengine.registry import init_default_scope

    from gvp.models.backbones.convert import PRETRAIN_ONLY, backbone_state
    from gvp.registry import MODELS
    from gvp.utils.safe_load import load_checkpoint_file
    from gvp.utils.state_dict import state_dict_mismatch
    state = {k: v for k, v in backbone_state(
        load_checkpoint_file(checkpoint)).items() if k not in PRETRAIN_ONLY}
    init_default_scope('gvp')
    cfg = repo_config(FINETUNE).model.backbone
    cfg.pop('init_cfg')
    problems = state_dict_mismatch(
        MODELS.build(cfg).state_dict(), state,
        allow_missing=('ln2.weight', 'ln2.bias'),
        allow_unexpected=('ln1.weight', 'ln1.bias'))
    if problems:
        raise SystemExit(f'{checkpoint} does not fit the fine-tune backbone: '
                         + '; '.join(problems))
    path = osp.join(folder, 'backbone.pth')
    torch.save(state, path)
    return path


def finetune_run(row, seed, root, checkpoint: Optional[str], lr: float,
                 validation: bool, work: str) -> dict:
    """The shrunk fine-tune recipe on the first 1,000 labels at ``lr``,
    scored on the validation split (train[55000:60000]) or the test set."""
    folder = run_dir(root, row, seed)
    options = [f'randomness.seed={seed}', f'optim_wrapper.optimizer.lr={lr}']
    if checkpoint is None:  # from scratch
        options.append('model.backbone.init_cfg=None')
    else:
        options.append('model.backbone.init_cfg.checkpoint=' +
                       backbone_file(folder, checkpoint))
    out = osp.join(folder, work)
    subprocess.run([
        sys.executable, 'tools/train.py',
        FINETUNE_VAL if validation else FINETUNE, '--work-dir', out,
        '--fresh', '--cfg-options', *options], cwd=ROOT, check=True)
    return dict(top1=last_top1(out), labels=1000, iters=200, lr=lr)


def last_top1(work: str) -> float:
    """The last ``accuracy/top1`` a training run logged."""
    import json
    top1 = None
    for stamp in sorted(os.listdir(work)):
        scalars = osp.join(work, stamp, 'vis_data', 'scalars.json')
        if osp.isfile(scalars):
            for line in open(scalars):
                top1 = json.loads(line).get('accuracy/top1', top1)
    if top1 is None:
        raise SystemExit(f'no accuracy/top1 in {work}/*/vis_data')
    return top1


def recon_run(row, folder, checkpoint) -> dict:
    """Group-AR vs one-shot masked-pixel MSE (tools/analysis_tools/
    reconstruct.py) on the first 2,000 test images."""
    out = osp.join(folder, 'recon')
    subprocess.run([
        sys.executable, 'tools/analysis_tools/reconstruct.py',
        ROWS[row].config, checkpoint, '--ann-file', 'meta/val.txt',
        '--data-prefix', 'val', '--num-images', str(RECON_IMAGES),
        '--out-dir', out], cwd=ROOT, check=True)
    return read_json(osp.join(out, 'reconstruction.json'))
