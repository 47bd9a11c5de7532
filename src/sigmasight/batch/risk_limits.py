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
import pandas as pd

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


Breach = tuple[int, str, str, float, float, float]


def breaches(inputs: BatchInputs, figures: dict[str, FloatArray], K: int) -> list[list[Breach]]:
    """(portfolio row, metric, key, value, lower, upper) of every breach on each block
    date k < K, in limit order (a single-name limit's names in column order), every
    limit and date at once."""
    t = inputs.targets
    assert t is not None
    P, L = inputs.portfolios.id.size, t.limit_metric.size
    sector = np.maximum(pd.Index(BUCKETS).get_indexer(pd.Index(t.limit_key, dtype=object)), 0)
    v = np.arange(K)[:, None] * P + t.limit_portfolio[None, :]  # (K, L) virtual portfolio
    value = np.full((K, L), np.nan)
    for metric in ("volatility", "var_95", "beta"):
        cols = t.limit_metric == metric
        value[:, cols] = figures[metric][v[:, cols]]
    cols = t.limit_metric == "sector_weight"
    value[:, cols] = figures["sector_weight"][v[:, cols], sector[cols]]
    # Scalar and sector limits: one value per (date, limit), name column -1.
    k, lim = np.nonzero(np.isfinite(value))
    name = np.full(k.size, -1)
    values = value[k, lim]
    # Single-name limits: every held name (non-zero weight) of the portfolio.
    names = np.flatnonzero(t.limit_metric == "single_name_weight")
    if names.size:
        grid = figures["single_name_weight"][v[:, names]]  # (K, L', S)
        nk, nl, ns = np.nonzero(grid)
        k, lim = np.r_[k, nk], np.r_[lim, names[nl]]
        name, values = np.r_[name, ns], np.r_[values, grid[nk, nl, ns]]
    lo, hi = t.limit_lower[lim], t.limit_upper[lim]
    out_of_bounds = (np.isfinite(lo) & (values < lo)) | (np.isfinite(hi) & (values > hi))
    hit = np.isfinite(values) & out_of_bounds
    k, lim, name, values, lo, hi = (x[hit] for x in (k, lim, name, values, lo, hi))
    order = np.lexsort((name, lim, k))
    found: list[list[Breach]] = [[] for _ in range(K)]
    symbols = np.array([*inputs.symbols, ""], dtype=object)
    for i in order:
        key = symbols[name[i]] if name[i] >= 0 else t.limit_key[lim[i]]
        found[int(k[i])].append(
            (
                int(t.limit_portfolio[lim[i]]),
                str(t.limit_metric[lim[i]]),
                str(key) if name[i] >= 0 or t.limit_metric[lim[i]] == "sector_weight" else "",
                float(values[i]),
                float(lo[i]),
                float(hi[i]),
            )
        )
    return found


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
        now = breaches(sub, _figures(sub, returns, metrics, valuation, ts), ts.size)
        prior, has_prior = previous_rows(ts)
        before = breaches(sub, _figures(sub, returns, metrics, valuation, prior), ts.size)
        for k, day in enumerate(sub.sessions[ts].astype(object)):
            found = now[k]
            earlier = before[k] if has_prior[k] else []
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
    found: list[Breach],
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
