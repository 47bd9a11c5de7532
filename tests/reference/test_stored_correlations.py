"""Stored correlations of the demo backfill against pandas and numpy on the raw stored
closes and positions (``tests/reference``), never the package's own analytics."""

from __future__ import annotations

import math
from datetime import date
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from sigmasight.storage.history import AssetCorrelation, PortfolioCorrelationSummary
from tests.reference.books import BookReference
from tests.reference.conftest import stored_rows
from tests.reference.raw import MARKET, Raw

DATES = (date(2022, 1, 3), date(2022, 7, 1), date(2022, 12, 28))
BOOKS = (1, 2, 3)
WINDOWS = {"1m": 21, "3m": 63, "6m": 126, "1y": 252, "20d": 20, "60d": 60}
TOL = 1e-9


def _min_obs(window: int) -> int:
    """The documented minimum: three quarters of the window (rounded up), at least 4."""
    return max(4, math.ceil(0.75 * window))


def _columns(books: BookReference, portfolio: int, day: date) -> set[str]:
    return {lot.column for lot in books.held(portfolio, day) if lot.column is not None}


@pytest.mark.parametrize("day", DATES)
def test_pairs_and_correlations_equal_pandas(
    demo_engine: Engine, raw: Raw, books: BookReference, day: date
) -> None:
    stored = stored_rows(demo_engine, AssetCorrelation, calc_date=day)
    expected = set()
    for book in BOOKS:
        expected |= {tuple(sorted(p)) for p in combinations(_columns(books, book, day), 2)}
    got = set(zip(stored.symbol_a, stored.symbol_b, strict=True))
    assert got == expected
    assert len(stored) == len(expected)  # each pair once
    returns = raw.returns.loc[:day]
    for row in stored.itertuples():
        for suffix, window in WINDOWS.items():
            part = returns[[row.symbol_a, row.symbol_b]].iloc[-window:]
            both = part.dropna()
            assert getattr(row, f"obs_{suffix}") == len(both)
            ref = part.corr(min_periods=_min_obs(window)).iloc[0, 1]
            value = getattr(row, f"corr_{suffix}")
            if np.isnan(ref):
                assert value is None or np.isnan(value)
            else:
                assert value == pytest.approx(ref, rel=TOL, abs=TOL), (row, suffix)


def _summary(raw: Raw, books: BookReference, portfolio: int, day: date) -> dict[str, float]:
    lots = books.held(portfolio, day)
    exposure = books.security_exposures(lots)
    exposure = exposure[exposure != 0]
    w = (exposure / books.nav(portfolio, day)).to_numpy()
    window = raw.returns.loc[:day, [*exposure.index, MARKET]].iloc[-252:].dropna()
    X, m = window[list(exposure.index)].to_numpy(), window[MARKET].to_numpy()
    cov = np.atleast_2d(np.cov(X, rowvar=False))
    corr = pd.DataFrame(X).corr().to_numpy()
    a = np.abs(w)
    num = sum(a[i] * a[j] * corr[i, j] for i in range(len(a)) for j in range(len(a)) if i != j)
    den = sum(a[i] * a[j] for i in range(len(a)) for j in range(len(a)) if i != j)
    lam, vec = np.linalg.eigh(cov)
    share = (vec.T @ w) ** 2 * np.clip(lam, 0, None)
    p = share / share.sum()
    p = p[p > 0]
    return {
        "observations": len(window),
        "securities": len(exposure),
        "average_correlation": num / den if den > 0 else float("nan"),
        "market_correlation": float(np.corrcoef(X @ w, m)[0, 1]),
        "effective_bets": float(np.exp(-(p * np.log(p)).sum())),
    }


@pytest.mark.parametrize("day", DATES)
@pytest.mark.parametrize("portfolio", BOOKS)
def test_summaries_equal_numpy(
    demo_engine: Engine, raw: Raw, books: BookReference, day: date, portfolio: int
) -> None:
    found = stored_rows(
        demo_engine, PortfolioCorrelationSummary, portfolio_id=portfolio, calc_date=day
    )
    assert len(found) == 1
    row = found.iloc[0]
    expected = _summary(raw, books, portfolio, day)
    assert row.window == 252
    assert row.effective_bets_method == "pca_entropy"
    assert row.observations == expected["observations"]
    assert row.securities == expected["securities"]
    for name in ("average_correlation", "market_correlation", "effective_bets"):
        assert row[name] == pytest.approx(expected[name], rel=1e-8), name
    assert 1.0 <= row.effective_bets <= row.securities
