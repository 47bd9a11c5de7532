"""Risk limits in the batch: each breach of a user-set limit on a date is an alert row,
and the first day of a breach starts a ``limit`` rebalancing event (when the portfolio
has targets valid on the date to rebalance to; its proposal is completed by the runner
as for the other events, see ``batch.rebalancing``).

Figures, on the conventions of the families that show them (computed here the same way,
for the portfolios that have limits only):

- ``volatility``: annualised ex-ante volatility (the date's holdings, delta-adjusted
  exposure / NAV, on the 504 sessions of returns up to the date; at least 100), as the
  risk-metrics family stores it;
- ``var_95``: 1-day historical VaR 95 % of the same series (positive = loss);
- ``beta``: the exposure-weighted beta of the snapshot (Σ exposure × security beta / NAV);
- ``sector_weight``: net delta-adjusted exposure of the sector bucket / NAV (an option on
  its underlying's sector);
- ``single_name_weight``: net delta-adjusted exposure per name / NAV (an option counts
  on its underlying); every name outside the bounds is an alert keyed by its symbol.
"""

from __future__ import annotations

import numpy as np

from sigmasight.analytics import risk_metrics as rm
from sigmasight.analytics.beta import exposure_weighted_beta
from sigmasight.analytics.exposures import exposure_matrix, position_exposure
from sigmasight.analytics.sectors import BUCKETS, UNCLASSIFIED_BUCKET, bucket_codes
from sigmasight.batch.columns import Columns, extend
from sigmasight.batch.inputs import BatchInputs, FloatArray, IntArray
from sigmasight.batch.rebalancing import event_row, previous_rows, with_previous_session
from sigmasight.batch.security import SecurityMetrics
from sigmasight.batch.snapshots import BLOCK_SERIES, _series, held_positions
from sigmasight.batch.valuation import Valuation
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR


def _figures(
    inputs: BatchInputs,
    returns: FloatArray,
    metrics: SecurityMetrics,
    valuation: Valuation,
    ts: IntArray,
) -> dict[str, FloatArray]:
    """Per virtual portfolio ``k * P + p``: volatility, var_95, beta (V,), sector weights
    (V, B) and name weights (V, S)."""
    P, S, K = inputs.portfolios.id.size, len(inputs.symbols), ts.size
    V = K * P
    nav = valuation.nav[ts - valuation.offset].reshape(-1)
    held = held_positions(inputs, valuation, metrics.vol63, ts)
    matrix = exposure_matrix(held.positions, V, K * S)
    security_beta = metrics.beta.beta[ts].reshape(-1)
    # Only the beta is used: R² (kept for the run's rows only) must not decide which
    # exposures count, or the session before the run would lose them.
    r_squared = np.where(np.isfinite(security_beta), 0.0, np.nan)
    beta = exposure_weighted_beta(matrix, security_beta, r_squared, nav).beta
    series = _series(matrix.matrix, nav, returns, ts, P, S)
    moments = rm.moments(series)
    enough = moments.n_obs >= rm.EX_ANTE_MIN_OBS
    volatility = np.where(enough, moments.std * np.sqrt(TRADING_DAYS_PER_YEAR), np.nan)
    var95 = rm.historical_var(series, 0.95, rm.EX_ANTE_MIN_OBS).var
    exposure = np.nan_to_num(position_exposure(held.positions))
    scale = np.where(nav > 0, 1.0 / np.where(nav > 0, nav, 1.0), np.nan)
    v = held.positions.portfolio
    bucket = np.append(
        bucket_codes(np.array(inputs.sectors, dtype=object), inputs.is_etf),
        BUCKETS.index(UNCLASSIFIED_BUCKET),
    )[held.column]
    B = len(BUCKETS)
    sectors = np.bincount(v * B + bucket, exposure, V * B).reshape(V, B) * scale[:, None]
    priced = held.column >= 0
    names = (
        np.bincount(v[priced] * S + held.column[priced], exposure[priced], V * S).reshape(V, S)
        * scale[:, None]
    )
    return {
        "volatility": volatility,
        "var_95": var95,
        "beta": beta,
        "sector_weight": sectors,
        "single_name_weight": names,
    }


def _breaches(
    inputs: BatchInputs, figures: dict[str, FloatArray], k: int
) -> list[tuple[int, str, str, float, float, float]]:
    """(portfolio row, metric, key, value, lower, upper) of every breach on block date k."""
    t = inputs.targets
    assert t is not None
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
            low, high = (np.isfinite(lo) and value < lo), (np.isfinite(hi) and value > hi)
            if np.isfinite(value) and (low or high):
                out.append((int(p), str(metric), name, float(value), float(lo), float(hi)))
    return out


def alert_rows(
    inputs: BatchInputs, returns: FloatArray, metrics: SecurityMetrics, rows: slice
) -> tuple[Columns, Columns]:
    """Rows of ``portfolio_risk_alerts`` and the ``limit`` events, for the run's rows."""
    alerts: Columns = {}
    events: Columns = {}
    t = inputs.targets
    if t is None or t.limit_portfolio.size == 0:
        return alerts, events
    limited = np.unique(t.limit_portfolio)
    sub = inputs.subset(limited)
    valuation = with_previous_session(sub, metrics.vol63, rows)
    t_sub = sub.targets
    assert t_sub is not None
    P = limited.size
    step = max(1, BLOCK_SERIES // P)
    for lo in range(rows.start, rows.stop, step):
        ts = np.arange(lo, min(lo + step, rows.stop))
        now = _figures(sub, returns, metrics, valuation, ts)
        prior, has_prior = previous_rows(ts)
        before = _figures(sub, returns, metrics, valuation, prior)
        for k, day in enumerate(sub.sessions[ts].astype(object)):
            found = _breaches(sub, now, k)
            earlier = _breaches(sub, before, k) if has_prior[k] else []
            previous = {(p, m, key) for p, m, key, *_ in earlier}
            _extend_alerts(alerts, sub, found, day)
            new = [b for b in found if b[:3] not in previous]
            valid = t_sub.valid_on(sub.sessions[ts[k : k + 1]])[0]
            for p in sorted({b[0] for b in new}):
                if not (valid & (t_sub.portfolio == p)).any():
                    continue  # no targets valid on the date: the alert alone
                row = event_row(sub, p, int(ts[k]), "limit")
                row["reason"] = "limit breached: " + ", ".join(
                    f"{m}{' ' + key if key else ''} at {value:.4f}"
                    for q, m, key, value, *_ in new
                    if q == p
                )
                extend(events, {name: [value] for name, value in row.items()})
    return alerts, events


def _extend_alerts(
    alerts: Columns,
    inputs: BatchInputs,
    found: list[tuple[int, str, str, float, float, float]],
    day: object,
) -> None:
    extend(
        alerts,
        {
            "portfolio_id": [int(inputs.portfolios.id[p]) for p, *_ in found],
            "calc_date": [day] * len(found),
            "metric": [m for _, m, *_ in found],
            "key": [key for _, _, key, *_ in found],
            "value": [value for *_, value, _, _ in found],
            "lower": [None if np.isnan(lo) else lo for *_, lo, _ in found],
            "upper": [None if np.isnan(hi) else hi for *_, hi in found],
        },
    )
