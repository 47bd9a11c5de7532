"""The portfolio correlation summary's two paths (one shared covariance of the held
columns, or each book's own complete sessions) against a direct per-book numpy
computation, on books with and without gaps in their window."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sigmasight.batch import correlations
from sigmasight.batch.correlations import correlation_summary


def _reference(window: np.ndarray, market: np.ndarray, cols: list[int], w: np.ndarray) -> dict:
    X = window[:, cols]
    ok = np.isfinite(X).all(axis=1) & np.isfinite(market)
    X, m = X[ok], market[ok]
    cov = np.atleast_2d(np.cov(X, rowvar=False))
    corr = np.corrcoef(X, rowvar=False)
    a = np.abs(w)
    off = ~np.eye(len(cols), dtype=bool)
    outer = np.outer(a, a)
    lam, vec = np.linalg.eigh(cov)
    share = (vec.T @ w) ** 2 * np.clip(lam, 0, None)
    p = share / share.sum()
    p = p[p > 0]
    return {
        "observations": ok.sum(),
        "average_correlation": (outer * corr)[off].sum() / outer[off].sum(),
        "market_correlation": np.corrcoef(X @ w, m)[0, 1],
        "effective_bets": np.exp(-(p * np.log(p)).sum()),
    }


@pytest.mark.parametrize(
    "advantage",
    # 0: every book from its own sessions; huge: every complete book from the shared
    # product; the measured default picks by size
    [0, 1e12, correlations.SHARED_PRODUCT_ADVANTAGE],
)
@pytest.mark.parametrize("books", [3, 60])
def test_summary_paths_equal_numpy(
    books: int, advantage: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(correlations, "SHARED_PRODUCT_ADVANTAGE", advantage)
    rng = np.random.default_rng(books)
    W, S = 252, 40
    market = rng.normal(0, 0.01, W)
    window = 0.8 * market[:, None] + rng.normal(0, 0.01, (W, S))
    window[rng.integers(0, W, 5), 7] = np.nan  # column 7 has gaps
    market[3] = np.nan  # a session without a market return is no observation of any book
    rows, cols, vals = [], [], []
    holdings: list[tuple[list[int], np.ndarray]] = []
    for p in range(books):
        held = sorted(rng.choice(S, size=int(rng.integers(3, 9)), replace=False).tolist())
        if p == 0 and 7 not in held:
            held = sorted([*held, 7])  # one book with a gap
        exposure = rng.normal(0, 1000, len(held))
        holdings.append((held, exposure))
        rows += [p] * len(held)
        cols += held
        vals += exposure.tolist()
    matrix = sp.csr_array((vals, (rows, cols)), shape=(books, S))
    nav = np.full(books, 10_000.0)
    got = correlation_summary(window, market, matrix, nav)
    for p, (held, exposure) in enumerate(holdings):
        expected = _reference(window, market, held, exposure / nav[p])
        assert got["observations"][p] == expected["observations"]
        assert got["securities"][p] == len(held)
        for name in ("average_correlation", "market_correlation", "effective_bets"):
            assert got[name][p] == pytest.approx(expected[name], rel=1e-10, abs=1e-12), (p, name)
