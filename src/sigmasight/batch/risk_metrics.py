"""The risk-metrics family: one ``portfolio_risk_metrics`` row per portfolio and date.

Two series, named apart (docs/methodology.md, "Risk metrics"):

- the **ex-ante** series: each date's holdings (delta-adjusted exposure over NAV) on
  the :data:`~sigmasight.analytics.risk_metrics.EX_ANTE_WINDOW` security returns up to
  that date (the series the volatility uses): VaR/CVaR, moments, diversification ratio,
  risk level;
- the **realized** series: the book's daily time-weighted NAV returns net of flows
  (P&L over the previous NAV; deposits and withdrawals arrive after the close) over the
  :data:`~sigmasight.analytics.risk_metrics.REALIZED_WINDOW` sessions up to the date:
  ratios and drawdowns.

Dates are computed in blocks of virtual portfolios, as the snapshots are.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from sigmasight.analytics import risk_metrics as rm
from sigmasight.analytics.exposures import exposure_matrix
from sigmasight.analytics.returns import trailing_windows
from sigmasight.analytics.volatility import realized_volatility
from sigmasight.batch.columns import Columns, extend, finite, ints
from sigmasight.batch.inputs import BatchInputs, FloatArray, IntArray
from sigmasight.batch.security import HAR_FIT_WINDOW, SecurityMetrics
from sigmasight.batch.snapshots import BLOCK_SERIES, _series, held_positions
from sigmasight.batch.valuation import Valuation, daily_returns
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR
from sigmasight.storage.history_risk import VAR_LAYOUT, VAR_LAYOUTS

#: The ex-ante series is the snapshots' series (same window), not a second definition.
assert rm.EX_ANTE_WINDOW == HAR_FIT_WINDOW
#: Worst drawdown episodes kept per row.
WORST_EPISODES = 5


def per_period_rate(annual: float) -> float:
    """The per-session rate compounding to ``annual`` over 252 sessions."""
    return float((1.0 + annual) ** (1.0 / TRADING_DAYS_PER_YEAR) - 1.0)


def realized_returns(inputs: BatchInputs, vol63: FloatArray, rows: slice) -> FloatArray:
    """Daily time-weighted NAV returns (T, P) of every book over the calendar, filled for
    the :data:`~sigmasight.analytics.risk_metrics.REALIZED_WINDOW` sessions before
    ``rows`` and ``rows`` itself (NaN elsewhere and before inception)."""
    lo = max(rows.start - rm.REALIZED_WINDOW + 1, 1)
    out = np.full((inputs.sessions.size, inputs.portfolios.id.size), np.nan)
    out[lo : rows.stop] = daily_returns(inputs, vol63, slice(lo, rows.stop))
    return out


def risk_metric_rows(
    inputs: BatchInputs,
    returns: FloatArray,
    metrics: SecurityMetrics,
    valuation: Valuation,
    risk_free_rate: float,
) -> Columns:
    """Rows of ``portfolio_risk_metrics`` for every book and run date on or after its
    inception, as columns ordered by date then portfolio."""
    realized = realized_returns(inputs, metrics.vol63, metrics.rows)
    rows: Columns = {}
    P = inputs.portfolios.id.size
    step = max(1, BLOCK_SERIES // max(P, 1))
    for lo in range(metrics.rows.start, metrics.rows.stop, step):
        ts = np.arange(lo, min(lo + step, metrics.rows.stop))
        block = _block(inputs, returns, metrics, valuation, realized, ts)
        extend(rows, _columns(inputs, block, ts, valuation, risk_free_rate))
    return rows


def _block(
    inputs: BatchInputs,
    returns: FloatArray,
    metrics: SecurityMetrics,
    valuation: Valuation,
    realized: FloatArray,
    ts: IntArray,
) -> dict[str, Any]:
    P, S, K = inputs.portfolios.id.size, len(inputs.symbols), ts.size
    V = K * P
    nav = valuation.nav[ts - valuation.offset].reshape(-1)
    held = held_positions(inputs, valuation, metrics.vol63, ts)
    matrix = exposure_matrix(held.positions, V, K * S).matrix
    ex_ante = _series(matrix, nav, returns, ts, P, S)
    ex = rm.ex_ante_risk(ex_ante, rm.EX_ANTE_MIN_OBS)
    m, table = ex.moments, ex.var
    vol = np.where(m.n_obs >= rm.EX_ANTE_MIN_OBS, m.std * np.sqrt(TRADING_DAYS_PER_YEAR), np.nan)
    sec = _held_security_volatility(inputs, matrix, returns, ts, S)
    scale = np.where(nav > 0, 1.0 / np.where(nav > 0, nav, 1.0), np.nan)
    weighted = (abs(matrix) @ np.where(np.isfinite(sec), sec, 0.0)) * scale
    r_window = trailing_windows(realized, ts, rm.REALIZED_WINDOW, first=1)
    market = trailing_windows(returns[:, [inputs.market_column]], ts, rm.REALIZED_WINDOW, first=1)
    return {
        "moments": m,
        "table": table,
        "volatility": vol,
        "diversification": rm.diversification_ratio(weighted, vol),
        "realized": r_window,
        "market": market[:, np.arange(V) // P],
    }


def _held_security_volatility(
    inputs: BatchInputs, matrix: Any, returns: FloatArray, ts: IntArray, S: int
) -> FloatArray:
    """Annualised volatility over the ex-ante window ending at each block date of every
    (date, security) pair held in the block (virtual security ``k * S + s``; NaN for the
    rest), from :func:`_security_volatility_at`."""
    out = np.full(ts.size * S, np.nan)
    pairs = np.unique(matrix.indices)
    dates = pairs // S
    for k in np.unique(dates).tolist():
        held = pairs[dates == k]
        out[held] = _security_volatility_at(inputs, returns, int(ts[k]))[held % S]
    return out


def _security_volatility_at(inputs: BatchInputs, returns: FloatArray, t: int) -> FloatArray:
    """(S,) annualised volatility of every security over the ex-ante window ending at
    row ``t``. Each window is taken on its own, so a figure does not depend on how long
    the run's price panel is (a daily run and a backfill store the same numbers). It
    depends on the prices alone, so it is computed once per run and date and shared by
    every partition (``inputs.derived``), not once per partition."""
    key = f"security_volatility_{t}"
    found = inputs.derived.get(key)
    if found is not None and found[0] is returns:
        vol: FloatArray = found[1]
        return vol
    W = rm.EX_ANTE_WINDOW
    rows = np.arange(t - W + 1, t + 1)
    window = np.asfortranarray(np.where(rows[:, None] >= 1, returns[np.maximum(rows, 0)], np.nan))
    vol = np.asarray(realized_volatility(window, W, rm.EX_ANTE_MIN_OBS).volatility)
    inputs.derived[key] = (returns, vol)
    return vol


def _var_json(table: list[rm.VaREstimate], live: IntArray) -> list[dict[str, Any]]:
    """Each live row's VaR table (``PortfolioRiskMetrics.var``): the layout number and
    one row of a (rows, entries) array of VaR and one of CVaR (NaN is stored as null)."""
    labels = tuple((e.method, e.confidence, e.horizon_days, e.scaling) for e in table)
    if labels != VAR_LAYOUTS[VAR_LAYOUT]:
        raise ValueError("the VaR table no longer matches its stored layout: add a layout")
    var = np.ascontiguousarray(np.column_stack([e.var[live] for e in table]))
    cvar = np.ascontiguousarray(np.column_stack([e.cvar[live] for e in table]))
    return [{"layout": VAR_LAYOUT, "var": var[i], "cvar": cvar[i]} for i in range(live.size)]


def _pick(table: list[rm.VaREstimate], confidence: float) -> FloatArray:
    return next(
        e.var
        for e in table
        if e.method == "historical" and e.scaling == "one_day" and e.confidence == confidence
    )


def _episodes_json(
    inputs: BatchInputs,
    ts: IntArray,
    P: int,
    live: IntArray,
    ep: rm.DrawdownEpisodes,
    enough: np.ndarray,
) -> tuple[list[dict[str, list[Any]]], dict[str, list[Any]]]:
    """The worst episodes (``ep``, of the live rows) and each maximum drawdown's dates."""
    W = rm.REALIZED_WINDOW
    keep = enough[ep.series]
    series = ep.series[keep]
    peak, trough, recovery = ep.peak[keep], ep.trough[keep], ep.recovery[keep]
    depth = ep.depth[keep]
    # calendar rows of the underwater curve's indices (-1: before the calendar)
    base = (ts[live // P] - W)[series]
    dates = _calendar_dates(inputs)
    iso = _calendar_iso(inputs)

    def rows_of(index: IntArray) -> list[int]:
        at = base + index
        listed: list[int] = np.where((index < 0) | (at < 0), -1, at).tolist()
        return listed

    peak_at, trough_at, recovery_at = rows_of(peak), rows_of(trough), rows_of(recovery)
    ends = np.where(recovery >= 0, recovery, W)
    decline = (trough - peak).tolist()
    recovering = np.where(recovery >= 0, recovery - trough, -1).tolist()
    recovered = (recovery >= 0).tolist()
    underwater = (ends - peak).tolist()
    depths = depth.astype(float).tolist()
    fields = (
        "peak",
        "trough",
        "recovery",
        "depth",
        "decline_sessions",
        "recovery_sessions",
        "underwater_sessions",
        "recovered",
    )
    episodes: list[dict[str, list[Any]]] = [{f: [] for f in fields} for _ in range(live.size)]
    worst: dict[str, list[Any]] = {
        name: [None] * live.size for name in ("peak", "trough", "recovery")
    }
    for j, s in enumerate(series.tolist()):
        pk, tr, rc = peak_at[j], trough_at[j], recovery_at[j]
        entry = episodes[s]
        if not entry["peak"]:
            worst["peak"][s] = dates[pk] if pk >= 0 else None
            worst["trough"][s] = dates[tr] if tr >= 0 else None
            worst["recovery"][s] = dates[rc] if rc >= 0 else None
        entry["peak"].append(iso[pk] if pk >= 0 else None)
        entry["trough"].append(iso[tr] if tr >= 0 else None)
        entry["recovery"].append(iso[rc] if rc >= 0 else None)
        entry["depth"].append(depths[j])
        entry["decline_sessions"].append(decline[j])
        entry["recovery_sessions"].append(recovering[j] if recovered[j] else None)
        entry["underwater_sessions"].append(underwater[j])
        entry["recovered"].append(recovered[j])
    return episodes, worst


def _calendar_dates(inputs: BatchInputs) -> list[date]:
    """The run's sessions as :class:`datetime.date` objects (converted once per run)."""
    cached = inputs.derived.get("risk_metrics.dates")
    if cached is None:
        cached = inputs.derived["risk_metrics.dates"] = inputs.sessions.astype(object).tolist()
    listed: list[date] = cached
    return listed


def _calendar_iso(inputs: BatchInputs) -> list[str]:
    """The run's sessions as ISO strings (converted once per run)."""
    cached = inputs.derived.get("risk_metrics.iso")
    if cached is None:
        cached = inputs.derived["risk_metrics.iso"] = [
            d.isoformat() for d in _calendar_dates(inputs)
        ]
    listed: list[str] = cached
    return listed


def _columns(
    inputs: BatchInputs,
    block: dict[str, Any],
    ts: IntArray,
    valuation: Valuation,
    risk_free_rate: float,
) -> Columns:
    P = inputs.portfolios.id.size
    live = np.flatnonzero((ts[:, None] >= valuation.inception[None, :]).reshape(-1))
    m: rm.Moments = block["moments"]
    table: list[rm.VaREstimate] = block["table"]
    realized: FloatArray = block["realized"][:, live]
    found = rm.realized_risk(
        realized, block["market"][:, live], per_period_rate(risk_free_rate), worst=WORST_EPISODES
    )
    ratios, current = found.ratios, found.current_drawdown
    enough = ratios.n_obs >= rm.REALIZED_MIN_OBS
    episodes, worst = _episodes_json(inputs, ts, P, live, found.episodes, enough)
    var99 = _pick(table, 0.99)
    level = rm.risk_level(block["volatility"], var99)[live]
    days = [d.astype(object) for d in inputs.sessions[ts]]
    n_ex = m.n_obs[live]
    notes = [
        [
            *([] if a >= rm.EX_ANTE_MIN_OBS else ["ex-ante: too little return history"]),
            *([] if b else ["realized: too little NAV history"]),
        ]
        for a, b in zip(n_ex.tolist(), enough.tolist(), strict=True)
    ]
    n = live.size
    return {
        "portfolio_id": np.tile(inputs.portfolios.id, ts.size)[live].tolist(),
        "calc_date": [days[k] for k in (live // P).tolist()],
        "ex_ante_window": [rm.EX_ANTE_WINDOW] * n,
        "ex_ante_observations": ints(n_ex),
        "ex_ante_mean": finite(m.mean[live]),
        "ex_ante_volatility": finite(block["volatility"][live]),
        "skewness": finite(m.skewness[live]),
        "excess_kurtosis": finite(m.excess_kurtosis[live]),
        "var_95_1d": finite(_pick(table, 0.95)[live]),
        "var_99_1d": finite(var99[live]),
        "var": _var_json(table, live),
        "diversification_ratio": finite(block["diversification"][live]),
        "risk_level": [rm.RISK_LEVELS[i] if i >= 0 else None for i in level.tolist()],
        "realized_window": [rm.REALIZED_WINDOW] * n,
        "realized_observations": ints(ratios.n_obs),
        "risk_free_rate": [risk_free_rate] * n,
        "annual_return": finite(ratios.annual_return),
        "realized_volatility": finite(ratios.volatility),
        "sharpe_daily": finite(ratios.sharpe_daily),
        "sharpe": finite(ratios.sharpe),
        "sortino": finite(ratios.sortino),
        "downside_deviation": finite(ratios.downside_deviation),
        "realized_beta": finite(ratios.beta),
        "treynor": finite(ratios.treynor),
        "calmar": finite(ratios.calmar),
        "omega": finite(ratios.omega),
        "max_drawdown": finite(np.where(enough, ratios.max_drawdown, np.nan)),
        "max_drawdown_peak": worst["peak"],
        "max_drawdown_trough": worst["trough"],
        "max_drawdown_recovery": worst["recovery"],
        "current_drawdown": finite(np.where(enough, current, np.nan)),
        "drawdowns": episodes,
        "notes": notes,
    }
