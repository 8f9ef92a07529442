"""The universal causal masks: eq. 19 exactly, and eqs. 11-12 literally."""
import random

import pytest
import torch

from gvp.models.masking import causal_masks, full_ranks, ranks_from_plan

T_, F_ = True, False


def literal_masks(S, T, z, n):
    """Eq. 11 in index-sequence order, then eq. 12's row/column permutation
    by ``z'`` — written from the paper, 1-based, with no rank shortcut.

    ``z``: 1-based permutation of ``1..T``; ``n``: ``[n_0, ..., n_K]``.
    True = 0 in the paper (may attend), False = -inf.
    """
    m = n[0] + 1

    def f(t):  # group of the t-th token of the order; 0 for t <= 0
        if t <= 0:
            return 0
        return sum(1 for nk in n if nk < t)

    def mh(i, j):
        if j <= S + m - 1:
            return True
        if j > S + m - 1 >= i:
            return False
        return f(i - S) >= f(j - S) > 0

    def mg(i, j):
        if j <= S + m - 1:
            return True
        if j > S + m - 1 >= i:
            return False
        return f(i - S) > f(j - S) > 0

    zp = {i: i for i in range(1, S + 1)}
    for i, zi in enumerate(z, start=1):
        zp[zi + S] = i + S
    L = S + T
    Mh = [[mh(zp[i], zp[j]) for j in range(1, L + 1)] for i in range(1, L + 1)]
    Mg = [[mg(zp[i], zp[j]) for j in range(1, L + 1)] for i in range(1, L + 1)]
    return torch.tensor(Mh), torch.tensor(Mg)


def rank_masks(S, z, n):
    order = torch.tensor([z]) - 1
    ranks = ranks_from_plan(order, torch.tensor([n]))
    mh, mg = causal_masks(full_ranks(ranks, S))
    return ranks[0], mh[0], mg[0]


def test_eq19_golden_case():
    # S=2, T=5, z=[2,3,4,5,1], G_0=[z_1], G_1=[z_2,z_3], G_2=[z_4,z_5]
    ranks, mh, mg = rank_masks(2, [2, 3, 4, 5, 1], [1, 3, 5])
    assert full_ranks(ranks[None], 2)[0].tolist() == [0, 0, 2, 0, 1, 1, 2]
    eq19_h = [[T_, T_, F_, T_, F_, F_, F_],
              [T_, T_, F_, T_, F_, F_, F_],
              [T_, T_, T_, T_, T_, T_, T_],
              [T_, T_, F_, T_, F_, F_, F_],
              [T_, T_, F_, T_, T_, T_, F_],
              [T_, T_, F_, T_, T_, T_, F_],
              [T_, T_, T_, T_, T_, T_, T_]]
    eq19_g = [[T_, T_, F_, T_, F_, F_, F_],
              [T_, T_, F_, T_, F_, F_, F_],
              [T_, T_, F_, T_, T_, T_, F_],
              [T_, T_, F_, T_, F_, F_, F_],
              [T_, T_, F_, T_, F_, F_, F_],
              [T_, T_, F_, T_, F_, F_, F_],
              [T_, T_, F_, T_, T_, T_, F_]]
    assert mh.tolist() == eq19_h
    assert mg.tolist() == eq19_g
    # and the literal construction agrees on the golden case too
    lh, lg = literal_masks(2, 5, [2, 3, 4, 5, 1], [1, 3, 5])
    assert torch.equal(lh, mh) and torch.equal(lg, mg)


def test_eq14_token_level_autoregression():
    # eqs. 9/14: S=2, T=5, raster order, one token per group, G_0 empty
    _, mh, mg = rank_masks(2, [1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5])
    lower = torch.ones(5, 5, dtype=torch.bool).tril()
    assert torch.equal(mh[2:, 2:], lower)
    assert torch.equal(mg[2:, 2:], lower.tril(-1))
    assert mh[:, :2].all() and mg[:, :2].all()
    assert not mh[:2, 2:].any() and not mg[:2, 2:].any()


def _random_plan(rng):
    S = rng.randint(1, 3)
    T = rng.randint(2, 12)
    K = rng.randint(1, T)
    z = list(range(1, T + 1))
    rng.shuffle(z)
    # n_0 in [0, T-K] then K strictly increasing values ending at T
    n0 = rng.randint(0, T - K)
    inner = sorted(rng.sample(range(n0 + 1, T), K - 1))
    return S, T, z, [n0] + inner + [T]


def test_matches_literal_eq11_eq12_on_random_plans():
    rng = random.Random(0)
    for _ in range(400):
        S, T, z, n = _random_plan(rng)
        _, mh, mg = rank_masks(S, z, n)
        lh, lg = literal_masks(S, T, z, n)
        assert torch.equal(mh, lh), (S, T, z, n)
        assert torch.equal(mg, lg), (S, T, z, n)


@pytest.mark.parametrize('S', [1, 3])
def test_every_row_sees_a_key(S):
    rng = random.Random(1)
    for _ in range(50):
        _, T, z, n = _random_plan(rng)
        _, mh, mg = rank_masks(S, z, n)
        assert mh.any(dim=1).all() and mg.any(dim=1).all()
