from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmasight.analytics import concentration as concentration_module
from sigmasight.analytics._typing import Reason
from sigmasight.analytics.concentration import concentration


def test_hhi_effective_n_and_top_weights() -> None:
    res = concentration(
        portfolio=[0, 0, 0, 0, 0, 1],
        symbol=["A", "B", "A", "C", "D", "A"],
        value=[30.0, 20.0, 20.0, -20.0, 10.0, 5.0],
        n_portfolios=3,
    )
    # Portfolio 0 after merging lots of A: |50|, |20|, |-20|, |10| over 100.
    assert res.hhi[0] == pytest.approx(10_000 * (0.25 + 0.04 + 0.04 + 0.01))
    assert res.effective_n[0] == pytest.approx(1 / 0.34)
    assert res.top3[0] == pytest.approx(0.9)
    assert res.top10[0] == pytest.approx(1.0)
    assert res.n_holdings.tolist() == [4, 1, 0]
    assert res.hhi[1] == 10_000
    assert res.top3[1] == 1.0
    assert np.isnan(res.hhi[2])
    assert res.reason[2] == Reason.INSUFFICIENT_DATA


def test_offsetting_lots_of_one_symbol_vanish() -> None:
    res = concentration([0, 0, 0], ["A", "A", "B"], [10.0, -10.0, 5.0], 1)
    assert res.n_holdings.tolist() == [1]
    assert res.hhi[0] == 10_000


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.floats(min_value=-1e6, max_value=1e6).filter(lambda v: abs(v) > 1e-3),
        min_size=1,
        max_size=30,
    )
)
def test_hhi_bounds_and_consistency(values: list[float]) -> None:
    n = len(values)
    res = concentration(
        np.zeros(n, dtype=np.int64), np.array([f"S{i}" for i in range(n)]), values, 1
    )
    hhi = res.hhi[0]
    assert 10_000 / n * (1 - 1e-12) <= hhi <= 10_000 * (1 + 1e-12)
    assert res.effective_n[0] == pytest.approx(10_000 / hhi)
    assert res.top3[0] <= res.top10[0] + 1e-12 <= 1 + 2e-12
    w = np.sort(np.abs(values))[::-1] / np.abs(values).sum()
    assert res.top3[0] == pytest.approx(w[:3].sum())


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300))
def test_top_weights_agree_dense_and_sorted_and_codes_equal_labels(seed: int, n: int) -> None:
    """Both ranking paths (a dense matrix, or one sort when books are huge) and integer
    symbol codes versus labels give the same figures."""
    rng = np.random.default_rng(seed)
    pf = rng.integers(0, 7, n)
    codes = rng.integers(0, 12, n)
    value = rng.normal(0, 1e4, n)
    dense = concentration(pf, codes, value, 8)
    labels = concentration(pf, np.array([f"S{c}" for c in codes], dtype=object), value, 8)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(concentration_module, "_DENSE_LIMIT", 0)
        ranked = concentration(pf, codes, value, 8)
    for other in (labels, ranked):
        for name in ("hhi", "effective_n", "top3", "top10"):
            np.testing.assert_allclose(
                getattr(other, name), getattr(dense, name), rtol=1e-13, equal_nan=True
            )
        np.testing.assert_array_equal(other.n_holdings, dense.n_holdings)
