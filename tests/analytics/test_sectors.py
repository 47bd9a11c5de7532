from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmasight.analytics._typing import Reason
from sigmasight.analytics.sectors import (
    BUCKETS,
    ETF_BUCKET,
    GICS_SECTORS,
    UNCLASSIFIED_BUCKET,
    normalise_sector,
    sector_exposure,
)

BENCH = dict.fromkeys(GICS_SECTORS, 1 / 11)


def _col(name: str) -> int:
    return BUCKETS.index(name)


def test_long_short_net_views_and_buckets() -> None:
    res = sector_exposure(
        portfolio=[0, 0, 0, 0, 0],
        sector=["Technology", "Healthcare", None, "Financial Services", "Technology"],
        is_etf=[False, False, False, False, True],
        exposure=[600.0, 200.0, 100.0, -300.0, 100.0],
        n_portfolios=1,
        benchmark_weights=BENCH,
    )
    it, hc, fin = _col("Information Technology"), _col("Health Care"), _col("Financials")
    assert res.long[0, it] == pytest.approx(0.6)
    assert res.long[0, _col(ETF_BUCKET)] == pytest.approx(0.1)
    assert res.long[0, _col(UNCLASSIFIED_BUCKET)] == pytest.approx(0.1)
    # Pitfall: shorts shown as 0 % (Wealthfolio PR #399); ours are negative.
    assert res.short[0, fin] == pytest.approx(-1.0)
    assert res.net[0, fin] == pytest.approx(-300 / 1300)
    assert res.active[0, hc] == pytest.approx(200 / 1300 - 1 / 11)
    assert res.active[0, _col(ETF_BUCKET)] == pytest.approx(100 / 1300)
    assert res.gross[0] == pytest.approx(1300)


def test_empty_portfolio_and_aliases() -> None:
    res = sector_exposure([0], ["Energy"], [False], [10.0], 2, BENCH)
    assert res.reason.tolist() == [Reason.OK, Reason.INSUFFICIENT_DATA]
    assert np.isnan(res.net[1]).all()
    assert (res.long[1] == 0).all()
    assert normalise_sector("consumer cyclical") == "Consumer Discretionary"
    assert normalise_sector("Crypto") == UNCLASSIFIED_BUCKET
    assert normalise_sector(None) == UNCLASSIFIED_BUCKET


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.sampled_from([*GICS_SECTORS, "Technology", "", "Unknown"]),
            st.booleans(),
            st.floats(-1e6, 1e6).filter(lambda v: abs(v) > 1e-3),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_weights_sum_as_documented(rows: list[tuple[int, str, bool, float]]) -> None:
    pf, sec, etf, exp = (np.array(c) for c in zip(*rows, strict=True))
    res = sector_exposure(pf, sec, etf, exp.astype(float), 3, BENCH)
    for p in range(3):
        e = exp[pf == p]
        L, S = e[e > 0].sum(), e[e < 0].sum()
        assert res.long[p].sum() == pytest.approx(1.0 if L > 0 else 0.0)
        assert res.short[p].sum() == pytest.approx(-1.0 if S < 0 else 0.0)
        if L - S > 0:
            assert res.net[p].sum() == pytest.approx((L + S) / (L - S), abs=1e-12)
            assert res.active[p].sum() == pytest.approx((L + S) / (L - S) - 1.0, abs=1e-12)
