"""The asset-metrics step: indicators, period returns and one-year risk of every symbol
for the run's sessions, as rows of ``asset_performance_metrics``."""

from __future__ import annotations

from typing import Any

import numpy as np

from sigmasight.analytics._typing import prefix_sum, window_diff
from sigmasight.analytics.asset_performance import (
    lagged,
    period_return,
    year_risk,
    year_start_rows,
)
from sigmasight.analytics.indicators import WARM_UP, IndicatorReason, indicators_at
from sigmasight.batch.columns import Columns, finite, ints
from sigmasight.batch.inputs import AssetPanels, BatchInputs, FloatArray
from sigmasight.batch.security import SecurityMetrics
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR
from sigmasight.domain.horizons import RETURN_HORIZONS, YEAR_TO_DATE
from sigmasight.storage.history_assets import RETURN_COLUMNS

ASSET_KEY = ("symbol", "calc_date")
YEAR = TRADING_DAYS_PER_YEAR
NEEDS_OHLCV_REASON = "needs OHLCV"


def indicator_reason(name: str, code: int) -> str:
    """The sentence stored (and served) for an indicator without a settled value."""
    if code == IndicatorReason.NEEDS_OHLCV:
        return NEEDS_OHLCV_REASON
    if code == IndicatorReason.WARM_UP:
        return f"warm-up: not settled before {WARM_UP[name]} sessions of history"
    if code == IndicatorReason.SHORT_HISTORY:
        return f"insufficient history: needs {WARM_UP[name]} sessions"
    if code == IndicatorReason.NO_MOVEMENT:
        return "undefined: the price did not move in the window"
    return "missing price in the window"


def asset_metric_rows(
    inputs: BatchInputs, returns: FloatArray, metrics: SecurityMetrics
) -> Columns:
    """Rows (as columns) for every symbol and run row: see docs/methodology.md."""
    rows = np.arange(metrics.rows.start, metrics.rows.stop)
    S = len(inputs.symbols)
    close = inputs.prices
    assets = inputs.assets or _closes_only(inputs, metrics.rows)
    panel = indicators_at(close, assets.high, assets.low, assets.volume, rows)
    figures: dict[str, FloatArray] = dict(panel.values)
    why: dict[str, np.ndarray] = {}
    for name, code in panel.reasons.items():
        why[name] = code
    for name, lag in RETURN_HORIZONS.items():
        own = lag in assets.anchors and assets.rows == metrics.rows
        start = assets.anchors[lag] if own else lagged(close, rows, lag)
        figures[RETURN_COLUMNS[name]] = period_return(close[rows], start, lag)
    base = year_start_rows(inputs.sessions, rows)
    ytd_start = np.where((base >= 0)[:, None], close[np.maximum(base, 0)], np.nan)
    figures[RETURN_COLUMNS[YEAR_TO_DATE]] = period_return(close[rows], ytd_start, 1)
    risk = year_risk(close, returns, rows)
    figures.update(
        volatility_1y=risk.volatility,
        sharpe_1y=risk.sharpe,
        max_drawdown_1y=risk.max_drawdown,
        beta=np.asarray(metrics.beta.beta)[rows],
    )
    days = [d.astype(object) for d in inputs.sessions[rows]]
    out: Columns = {
        "symbol": list(inputs.symbols) * rows.size,
        "calc_date": [d for d in days for _ in range(S)],
        "close": finite(close[rows].reshape(-1)),
        "has_ohlcv": (~np.isnan(assets.high[rows]) & ~np.isnan(assets.volume[rows]))
        .reshape(-1)
        .tolist(),
        # Valid closes of the trailing year: the same in a backfill and a daily run
        # (a count from the panel's first row would depend on where the run loaded from).
        "observations": ints(
            window_diff(prefix_sum((~np.isnan(close)).astype(np.float64)), YEAR)[rows].reshape(-1)
        ),
    }
    for name, values in figures.items():
        out[name] = finite(values.reshape(-1))
    out["reasons"] = _reasons(figures, why)
    return out


def _reasons(figures: dict[str, FloatArray], codes: dict[str, np.ndarray]) -> list[Any]:
    """Per row, ``{column: why}`` for its null figures (None when none is null)."""
    names = list(figures)
    missing = np.stack([np.isnan(figures[n]).reshape(-1) for n in names], axis=1)
    flat_codes = {n: c.reshape(-1) for n, c in codes.items()}
    out: list[Any] = []
    for i, row in enumerate(missing):
        if not row.any():
            out.append(None)
            continue
        entry = {}
        for j in np.flatnonzero(row):
            name = names[j]
            code = flat_codes.get(name)
            entry[name] = (
                indicator_reason(name, int(code[i]))
                if code is not None
                else "insufficient history or a missing price in the window"
            )
        out.append(entry)
    return out


def _closes_only(inputs: BatchInputs, rows: slice) -> AssetPanels:
    empty = np.full(inputs.prices.shape, np.nan)
    return AssetPanels(empty, empty, empty, {}, rows)
