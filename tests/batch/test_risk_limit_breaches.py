"""The batch's limit checks, every limit and date at once, against a plain loop over
dates and limits (the shape they had before being vectorised) on random figures."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from sigmasight.analytics.sectors import BUCKETS
from sigmasight.batch.risk_limits import breaches

METRICS = ("volatility", "var_95", "beta", "sector_weight", "single_name_weight")


def _loop(inputs: Any, figures: dict[str, np.ndarray], k: int) -> list[tuple[Any, ...]]:
    t = inputs.targets
    P = inputs.portfolios.id.size
    out = []
    for p, metric, key, lo, hi in zip(
        t.limit_portfolio, t.limit_metric, t.limit_key, t.limit_lower, t.limit_upper, strict=True
    ):
        v = k * P + int(p)
        if metric == "sector_weight":
            values = {str(key): figures[metric][v, BUCKETS.index(str(key))]}
        elif metric == "single_name_weight":
            row = figures[metric][v]
            values = {inputs.symbols[s]: row[s] for s in np.flatnonzero(row)}
        else:
            values = {"": figures[metric][v]}
        for name, value in values.items():
            low = bool(np.isfinite(lo) and value < lo)
            high = bool(np.isfinite(hi) and value > hi)
            if np.isfinite(value) and (low or high):
                out.append((int(p), str(metric), name, float(value), float(lo), float(hi)))
    return out


@pytest.mark.parametrize("seed", range(8))
def test_vectorised_breaches_equal_the_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    P, S, K, L = 4, 7, 5, 12
    V = K * P
    metric = rng.choice(METRICS, L)
    key = np.array(
        [rng.choice(BUCKETS) if m == "sector_weight" else "" for m in metric], dtype=object
    )
    lower = np.where(rng.random(L) < 0.5, rng.normal(0.0, 0.3, L), np.nan)
    upper = np.where(rng.random(L) < 0.7, rng.normal(0.2, 0.3, L), np.nan)
    upper[np.isnan(lower) & np.isnan(upper)] = 0.1
    targets = SimpleNamespace(
        limit_portfolio=rng.integers(0, P, L),
        limit_metric=metric.astype(str),
        limit_key=key,
        limit_lower=lower,
        limit_upper=upper,
    )
    names = rng.normal(0.1, 0.2, (V, S)) * (rng.random((V, S)) < 0.6)
    names[rng.random((V, S)) < 0.05] = np.nan
    figures = {
        "volatility": np.where(rng.random(V) < 0.1, np.nan, rng.uniform(0, 0.5, V)),
        "var_95": rng.uniform(-0.01, 0.05, V),
        "beta": rng.normal(1.0, 0.5, V),
        "sector_weight": rng.normal(0.1, 0.2, (V, len(BUCKETS))),
        "single_name_weight": names,
    }
    inputs: Any = SimpleNamespace(
        targets=targets,
        portfolios=SimpleNamespace(id=np.arange(100, 100 + P)),
        symbols=[f"S{i}" for i in range(S)],
    )

    def plain(rows: list[Any]) -> list[list[tuple[Any, ...]]]:  # NaN bounds comparable
        return [[tuple(None if x != x else x for x in b) for b in day] for day in rows]

    found = breaches(inputs, figures, K)
    expected = [_loop(inputs, figures, k) for k in range(K)]
    assert plain(found) == plain(expected)
    assert sum(map(len, expected)) > 0
