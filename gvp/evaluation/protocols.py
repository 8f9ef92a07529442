"""Evaluation protocols on frozen features (docs/study_fashion-mnist.md):
k-NN (DINO's weighted vote) and low-label linear probes. The full-label
linear probe is :func:`gvp.evaluation.linear_eval.fit_logistic`.

Features are ``[N, D]`` numpy arrays, labels ``[N]`` integers.
"""
from typing import Dict, Sequence

import numpy as np

from .linear_eval import fit_logistic


def knn_classify(train_x: np.ndarray, train_y: np.ndarray,
                 test_x: np.ndarray, test_y: np.ndarray, k: int = 20,
                 temperature: float = 0.07, num_classes: int = None,
                 chunk: int = 1024) -> Dict:
    """Weighted k-NN of DINO (Caron et al. 2021, after Wu et al. 2018):
    cosine similarity to the training features, the ``k`` nearest vote for
    their class with weight ``exp(sim / temperature)``; test top-1 (%)."""
    num_classes = num_classes or int(max(train_y.max(), test_y.max())) + 1
    unit = lambda x: x / np.maximum(  # noqa: E731
        np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    tx, ex = unit(train_x.astype(np.float32)), unit(test_x.astype(np.float32))
    correct = 0
    for start in range(0, len(ex), chunk):
        sim = ex[start:start + chunk] @ tx.T  # [n, N]
        idx = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(sim, idx, axis=1)
        votes = np.zeros((len(sim), num_classes))
        np.add.at(votes, (np.arange(len(sim))[:, None], train_y[idx]),
                  np.exp(top / temperature))
        truth = test_y[start:start + chunk]
        correct += int((votes.argmax(1) == truth).sum())
    return dict(top1=100. * correct / len(ex), k=k, temperature=temperature,
                train=len(train_y), test=len(test_y))


def per_class_draw(labels: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Sorted indices of ``n`` random items of each class (draw ``seed``)."""
    rng = np.random.RandomState(seed)
    return np.sort(np.concatenate([
        rng.permutation(np.flatnonzero(labels == c))[:n]
        for c in np.unique(labels)
    ]))


def low_label_probe(train_x: np.ndarray, train_y: np.ndarray,
                    test_x: np.ndarray, test_y: np.ndarray, per_class: int,
                    draws: Sequence[int] = range(5),
                    cs: Sequence[float] = (1e-3, 1e-2, 1e-1, 1.)) -> Dict:
    """The linear probe fitted on ``per_class`` labelled items of each class,
    for several random draws of them: per-draw and mean test top-1 (%)."""
    tops = []
    for draw in draws:
        keep = per_class_draw(train_y, per_class, draw)
        tops.append(
            fit_logistic(train_x[keep], train_y[keep], test_x, test_y, cs=cs,
                         seed=draw)['top1'])
    return dict(top1=float(np.mean(tops)), per_draw=tops,
                per_class=per_class, draws=list(draws))
