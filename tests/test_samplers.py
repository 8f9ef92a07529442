"""Group segmentation samplers (section 3.2, appendix B)."""
import pytest
import torch

from gvp.models.masking import (FixedLengthMaskGenerator,
                                MixedLengthMaskGenerator,
                                RandomLengthMaskGenerator, fixed_boundaries)


@pytest.mark.parametrize('T,K', [(196, 1), (196, 5), (196, 20), (196, 196),
                                 (49, 40), (7, 3)])
def test_fixed_boundaries_exact(T, K):
    n = fixed_boundaries(2, T, K)
    expected = [((i + 1) * T) // (K + 1) for i in range(K + 1)]
    assert n[0].tolist() == expected and n[1].tolist() == expected
    assert n[0, -1] == T
    assert (n[0, 1:] > n[0, :-1]).all()


def _check_sorted_distinct_in_range(n, T):
    assert (n[:, -1] == T).all()
    inner = n[:, :-1]
    assert (inner[:, 1:] > inner[:, :-1]).all()  # sorted, distinct
    assert (inner >= 1).all() and (inner <= T - 1).all()


@pytest.mark.parametrize('K', [1, 5, 20, 40])
def test_random_length(K):
    gen = RandomLengthMaskGenerator(num_groups=K)
    plan = gen(500, (14, 14))
    assert plan.boundaries.shape == (500, K + 1)
    _check_sorted_distinct_in_range(plan.boundaries, 196)
    # uniform over [1, T-1]: every candidate value shows up across draws
    if K >= 20:
        assert plan.boundaries[:, :-1].unique().numel() == 195


@pytest.mark.parametrize('K', [1, 5, 20, 40])
def test_mixed_length(K):
    gen = MixedLengthMaskGenerator(num_groups=K)
    plan = gen(4000, (14, 14), generator=torch.Generator().manual_seed(0))
    n = plan.boundaries
    _check_sorted_distinct_in_range(n, 196)
    last = n[:, -2].float()
    # below n_{K-1}: the first K-1 boundaries lie in [1, n_{K-1} - 1]
    assert (n[:, :-2] < n[:, -2:-1]).all()
    ratio = last / 196
    assert abs(ratio.mean().item() - 0.5) < 0.01
    assert abs(ratio.std().item() - 0.1) < 0.01


def test_ranks_follow_boundaries_and_order():
    gen = MixedLengthMaskGenerator(num_groups=20)
    plan = gen(64, (14, 14))
    for b in range(4):
        order, n, ranks = plan.order[b], plan.boundaries[b], plan.ranks[b]
        assert sorted(order.tolist()) == list(range(196))
        for k in range(21):
            lo = 0 if k == 0 else n[k - 1].item()
            members = order[lo:n[k].item()]
            assert (ranks[members] == k).all()
        counts = torch.bincount(ranks, minlength=21)
        assert counts[1:].min() >= 1  # every predicted group non-empty


def test_raster_order_and_generator_repeatable():
    gen = FixedLengthMaskGenerator(num_groups=5,
                                   order=dict(type='RasterOrder'))
    plan = gen(3, (4, 5))
    assert plan.order.tolist() == [list(range(20))] * 3
    mixed = MixedLengthMaskGenerator()
    a = mixed(8, (14, 14), generator=torch.Generator().manual_seed(3)).ranks
    b = mixed(8, (14, 14), generator=torch.Generator().manual_seed(3)).ranks
    assert torch.equal(a, b)
    assert not torch.equal(a[0], a[1])  # per-sample plans differ


@pytest.mark.parametrize('cls,K,T', [(FixedLengthMaskGenerator, 17, 16),
                                     (RandomLengthMaskGenerator, 16, 16),
                                     (MixedLengthMaskGenerator, 16, 16)])
def test_too_many_groups_is_refused(cls, K, T):
    with pytest.raises(ValueError, match='too large for T=16'):
        cls(num_groups=K).validate((4, T // 4))
    cls(num_groups=K - 1).validate((4, T // 4))  # one fewer fits
    with pytest.raises(TypeError, match=r'patch grid \(h, w\)'):
        cls(num_groups=K - 1)(1, T)  # plans are 2-D


def test_centre_out_order_rings_in_random_order():
    """CentreOutOrder: tokens sorted by distance to the grid's centre;
    within a ring the order is random per sample."""
    gen = FixedLengthMaskGenerator(num_groups=3,
                                   order=dict(type='CentreOutOrder'))
    plan = gen(64, (7, 7), generator=torch.Generator().manual_seed(0))
    i, j = torch.meshgrid(torch.arange(7), torch.arange(7), indexing='ij')
    d2 = ((i - 3)**2 + (j - 3)**2).flatten()
    for order in plan.order:
        assert sorted(order.tolist()) == list(range(49))
        assert (d2[order][1:] >= d2[order][:-1]).all()  # outwards
        assert order[0] == 24  # the centre comes first
    assert len({tuple(o.tolist()) for o in plan.order}) > 1
    # a group never lies closer to the centre than an earlier one
    for ranks in plan.ranks:
        for k in range(3):
            assert d2[ranks == k].max() <= d2[ranks == k + 1].min()
    # even grids: the centre is between tokens, the first ring has four
    even = gen.order(2, (4, 6))
    assert sorted(even[0, :4].tolist()) == [8, 9, 14, 15]
