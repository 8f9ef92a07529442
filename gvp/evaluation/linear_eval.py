"""Frozen features + multinomial logistic regression (paper table 2: the
protocol of Ericsson et al. 2021 — L-BFGS, L2 strength chosen on a
validation split of the training set, then refit on all of it).

Features come from :class:`gvp.apis.FeatureExtractor`."""
from typing import Dict, Sequence

import numpy as np

DEFAULT_CS = tuple(10.0**k for k in range(-4, 3))


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
