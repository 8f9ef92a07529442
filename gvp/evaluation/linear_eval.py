"""Frozen features + multinomial logistic regression (paper table 2: the
protocol of Ericsson et al. 2021 — L-BFGS, L2 strength chosen on a
validation split of the training set, then refit on all of it)."""
from typing import Dict, Sequence

import numpy as np
import torch
from mmengine.utils import ProgressBar
from PIL import Image

from .transfer_data import load_rgb

DEFAULT_CS = tuple(10.0**k for k in range(-4, 3))


def _to_tensor(img: Image.Image, size: int) -> torch.Tensor:
    """Resize the short side to ``size * 8 / 7`` (224 -> 256), center crop
    ``size`` (as ImageNet evaluation); images at most ``size`` are simply
    resized to it."""
    w, h = img.size
    if min(w, h) > size:
        short = int(round(size * 8 / 7))
        scale = short / min(w, h)
        img = img.resize((max(size, round(w * scale)),
                          max(size, round(h * scale))), Image.BICUBIC)
        w, h = img.size
        left, top = (w - size) // 2, (h - size) // 2
        img = img.crop((left, top, left + size, top + size))
    elif img.size != (size, size):
        img = img.resize((size, size), Image.BICUBIC)
    return torch.from_numpy(np.asarray(img, np.float32).copy()).permute(
        2, 0, 1)


@torch.no_grad()
def extract_features(backbone, items, size: int, mean: Sequence[float],
                     std: Sequence[float], batch_size: int = 256):
    """``backbone(x)[-1]`` for every item -> ``(feats [N, D], labels [N])``
    as numpy. ``mean`` / ``std`` on the 0..255 scale, RGB."""
    backbone.eval()
    device = next(backbone.parameters()).device
    m = torch.tensor(mean, device=device).view(1, -1, 1, 1)
    s = torch.tensor(std, device=device).view(1, -1, 1, 1)
    feats, labels = [], []
    bar = ProgressBar(len(items))  # images done, elapsed, ETA
    for start in range(0, len(items), batch_size):
        chunk = items[start:start + batch_size]
        x = torch.stack([_to_tensor(load_rgb(i), size) for i, _ in chunk])
        x = (x.to(device) - m) / s
        out = backbone(x)[-1]
        feats.append(out.flatten(1).float().cpu().numpy())
        labels += [label for _, label in chunk]
        bar.update(len(chunk))
    return np.concatenate(feats), np.asarray(labels)


def fit_logistic(train_x, train_y, test_x, test_y,
                 cs: Sequence[float] = DEFAULT_CS, val_fraction: float = 0.2,
                 seed: int = 0, max_iter: int = 1000) -> Dict:
    """Standardise on the training features, choose ``C`` on a stratified
    validation split, refit on all training data; test top-1 (%)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train_x)
    tx, ex = scaler.transform(train_x), scaler.transform(test_x)
    stratify = train_y if np.bincount(train_y).min() >= 2 else None
    fit_x, val_x, fit_y, val_y = train_test_split(
        tx, train_y, test_size=val_fraction, random_state=seed,
        stratify=stratify)
    val_acc = {}
    for c in cs:
        clf = LogisticRegression(C=c, max_iter=max_iter)
        val_acc[c] = clf.fit(fit_x, fit_y).score(val_x, val_y) * 100
    best = max(cs, key=lambda c: (val_acc[c], -c))
    clf = LogisticRegression(C=best, max_iter=max_iter).fit(tx, train_y)
    return dict(top1=clf.score(ex, test_y) * 100, C=best,
                val_top1={str(c): a for c, a in val_acc.items()},
                train=len(train_y), test=len(test_y))
