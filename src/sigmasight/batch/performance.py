"""The performance family: ``portfolio_performance_history`` (one row per portfolio and
date) and ``portfolio_benchmark_metrics`` (per portfolio, benchmark, window and date).

The realized track record (docs/methodology.md, "Performance and benchmarks"): NAV as
the valuation computes it (starting equity + cumulative P&L + cumulative flows), the
starting equity and the contributions as inflows, the withdrawals as outflows, chained
by :func:`sigmasight.analytics.performance.time_weighted_returns` from each book's
inception. The run's price panel always reaches back to the first entry of its books
(``batch.load.load_start``), so every figure is computed from inception, and a daily
run and a backfill store the same rows.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from sigmasight.analytics import performance as pf
from sigmasight.analytics.returns import simple_returns
from sigmasight.analytics.sectors import BUCKETS, UNCLASSIFIED_BUCKET, bucket_codes
from sigmasight.batch.columns import Columns, extend, finite, ints
from sigmasight.batch.inputs import PRIVATE, BatchInputs, FloatArray, IntArray
from sigmasight.batch.valuation import (
    last_known_closes,
    lot_exits,
    lot_marks,
    lot_units,
    nav_history,
    row_of,
)
from sigmasight.storage.history_performance import (
    ANNUALIZED_PERIODS,
    BENCHMARK_WINDOWS,
    PERIOD_COLUMNS,
)

#: Bases (NAV before the session plus contributions) of a cent or less carry no
#: capital: what a full withdrawal leaves after rounding is not a base.
MIN_BASE = 0.01
#: The buckets of the P&L by sector: the sector buckets, then private holdings.
PNL_BUCKETS = (*BUCKETS, "Private holdings")
#: Sessions valued per pass of the P&L by sector (lots x sessions marks at once).
PNL_BLOCK = 64
#: Portfolio-benchmark pairs per pass of the benchmark metrics (bounds the memory of
#: the prefix sums, 17 terms of (T, pairs)).
PAIR_BLOCK = 256


def flows_by_row(
    inputs: BatchInputs, inception: IntArray, stop: int
) -> tuple[FloatArray, FloatArray]:
    """Inflows and outflows (stop, P) as positive amounts: the starting equity and the
    contributions, and the withdrawals, each on its session; flows dated before a
    book's inception arrive on the inception session (the NAV includes them there)."""
    P = inputs.portfolios.id.size
    inflow = np.zeros((stop, P))
    outflow = np.zeros((stop, P))
    live = np.flatnonzero(inception < stop)
    inflow[inception[live], live] += inputs.portfolios.equity[live]
    for flow in inputs.flows:  # a handful per portfolio: deposits and withdrawals
        row = int(np.searchsorted(inputs.sessions, np.datetime64(flow.day, "D"), "left"))
        row = max(row, int(inception[flow.portfolio]))
        if row >= stop:
            continue
        if flow.amount >= 0:
            inflow[row, flow.portfolio] += flow.amount
        else:
            outflow[row, flow.portfolio] -= flow.amount
    return inflow, outflow


def performance_rows(
    inputs: BatchInputs, vol63: FloatArray, rows: slice
) -> tuple[Columns, Columns]:
    """Rows of ``portfolio_performance_history`` and ``portfolio_benchmark_metrics``
    for every book and run date on or after its inception."""
    nav, inception = nav_history(inputs, vol63, rows.stop)
    inflow, outflow = flows_by_row(inputs, inception, rows.stop)
    live_nav = np.where(np.isfinite(nav), nav, 0.0)
    twr = pf.time_weighted_returns(live_nav, inflow, outflow, 0.0, min_base=MIN_BASE)
    ts = np.arange(rows.start, rows.stop)
    periods = pf.period_returns(twr.growth, inputs.sessions[: rows.stop], ts, inception)
    history = _history_columns(inputs, ts, inception, live_nav, inflow, outflow, twr, periods)
    history["sector_pnl"] = _sector_columns(sector_pnl(inputs, vol63, rows), ts, inception, rows)
    metrics = _benchmark_columns(inputs, twr.daily, ts, inception)
    return history, metrics


def _history_columns(
    inputs: BatchInputs,
    ts: IntArray,
    inception: IntArray,
    nav: FloatArray,
    inflow: FloatArray,
    outflow: FloatArray,
    twr: pf.TimeWeighted,
    periods: pf.PeriodReturns,
) -> Columns:
    k, p = np.nonzero(ts[:, None] >= inception[None, :])
    t = ts[k]
    days = inputs.sessions.astype(object)
    out: Columns = {
        "portfolio_id": ints(inputs.portfolios.id[p]),
        "calc_date": list(days[t]),
        "inception_date": list(days[np.minimum(inception[p], inputs.sessions.size - 1)]),
        "nav": finite(nav[t, p]),
        "inflow": finite(inflow[t, p]),
        "outflow": finite(outflow[t, p]),
        "twr_daily": finite(twr.daily[t, p]),
        "twr_cumulative": finite(twr.cumulative[t, p]),
    }
    for name, suffix in PERIOD_COLUMNS.items():
        out[f"return_{suffix}"] = finite(periods.total[name][k, p])
    for name in ANNUALIZED_PERIODS:
        out[f"annualized_{name}"] = finite(periods.annualized[name][k, p])
    out["sessions_inception"] = ints(periods.sessions["inception"][k, p])
    return out


def sector_pnl(inputs: BatchInputs, vol63: FloatArray, rows: slice) -> FloatArray:
    """Daily P&L (R, P, B) of each book's lots by bucket of :data:`PNL_BUCKETS` over
    ``rows``: each lot's cumulative P&L as the valuation telescopes it (held:
    ``units * (mark - cost)``, exited: ``units * (exit price - cost)``), differenced. The
    buckets of a session add up to the book's P&L."""
    import scipy.sparse as sp

    lots = inputs.lots
    P, M, NB = inputs.portfolios.id.size, lots.kind.size, len(PNL_BUCKETS)
    column_bucket = np.append(
        bucket_codes(np.array(inputs.sectors, dtype=object), inputs.is_etf),
        BUCKETS.index(UNCLASSIFIED_BUCKET),
    )
    bucket = np.where(lots.kind == PRIVATE, NB - 1, column_bucket[lots.column])
    group = sp.csr_array((np.ones(M), (np.arange(M), lots.portfolio * NB + bucket)), (M, P * NB))
    closes, _ = last_known_closes(inputs)
    entry = row_of(inputs, lots.entry_date)
    exit_row, exit_price = lot_exits(inputs, closes)
    units = lot_units(inputs)
    cost = units * lots.entry_price
    out = np.zeros((rows.stop - rows.start, P * NB))
    for lo in range(rows.start, rows.stop, PNL_BLOCK):
        hi = min(lo + PNL_BLOCK, rows.stop)
        span = np.arange(max(lo - 1, 0), hi)
        t = span[:, None]
        held, exited = (t >= entry) & (t < exit_row), t >= exit_row
        marks = lot_marks(inputs, vol63, span, closes)
        cum = np.where(held, units * marks - cost, np.where(exited, units * exit_price - cost, 0.0))
        grouped = np.asarray(np.where(np.isfinite(cum), cum, 0.0) @ group)
        previous = grouped[:-1] if lo > 0 else np.vstack([np.zeros((1, P * NB)), grouped[:-1]])
        out[lo - rows.start : hi - rows.start] = grouped[-(hi - lo) :] - previous[-(hi - lo) :]
    return out.reshape(-1, P, NB)


def _sector_columns(
    pnl: FloatArray, ts: IntArray, inception: IntArray, rows: slice
) -> list[dict[str, float]]:
    """The non-zero buckets of each stored (date, portfolio) row, in the history's
    row order (date, then portfolio)."""
    k, p = np.nonzero(ts[:, None] >= inception[None, :])
    picked = pnl[ts[k] - rows.start, p]
    # the kept entries of all rows at once, then one dict per row from its run of them
    row, bucket = np.nonzero((picked != 0) & np.isfinite(picked))
    values = picked[row, bucket].tolist()
    names = np.array(PNL_BUCKETS, dtype=object)[bucket].tolist()
    bounds = np.searchsorted(row, np.arange(picked.shape[0] + 1)).tolist()
    pairs = itertools.pairwise(bounds)
    return [dict(zip(names[lo:hi], values[lo:hi], strict=True)) for lo, hi in pairs]


def benchmark_returns(inputs: BatchInputs, stop: int) -> FloatArray:
    """Daily returns (stop, B) of each benchmark spec of the run (NaN where a leg has no
    close; a monthly blend is NaN until the first month boundary of the panel, since its
    weights drift from the start of a month)."""
    closes = inputs.benchmark_prices
    specs = inputs.benchmarks
    out = np.full((stop, len(specs)), np.nan)
    if closes is None or not specs:
        return out
    legs = np.full((stop, closes.shape[1]), np.nan)  # row t: the return into session t
    legs[1:] = simple_returns(closes[:stop])
    column = {s: i for i, s in enumerate(inputs.benchmark_symbols)}
    months = inputs.sessions[:stop].astype("datetime64[M]")
    first_of_month = np.r_[False, months[1:] != months[:-1]]
    for j, spec in enumerate(specs):  # a few per portfolio; the blend drifts in time
        X = legs[:, [column[s] for s in spec.symbols]]
        w = np.asarray(spec.weights)
        if spec.rebalance == "monthly":
            blended = pf.blend_returns(X, w, first_of_month)
            start = int(np.argmax(first_of_month)) if first_of_month.any() else stop
            blended[:start] = np.nan
            out[:, j] = blended
        else:
            out[:, j] = pf.blend_returns(X, w, np.ones(stop, dtype=bool))
    return out


def _benchmark_columns(
    inputs: BatchInputs, daily: FloatArray, ts: IntArray, inception: IntArray
) -> Columns:
    specs = inputs.benchmarks
    out: Columns = {}
    if not specs:
        return out
    bench = benchmark_returns(inputs, int(ts[-1]) + 1)
    owner = np.array([s.portfolio for s in specs], dtype=np.int64)
    names = np.array([s.name for s in specs], dtype=object)
    R = daily[:, owner]
    for lo in range(0, owner.size, PAIR_BLOCK):
        pick = slice(lo, lo + PAIR_BLOCK)
        first = inception[owner[pick]][None, :]
        starts, complete = [], []
        for length in BENCHMARK_WINDOWS.values():  # every window in one pass of the sums
            start = np.broadcast_to(first if length is None else (ts - length + 1)[:, None],
                                    (ts.size, first.shape[1]))  # fmt: skip
            starts.append(start)
            complete.append((start >= first) & (ts[:, None] >= first))
        got = pf.windowed_benchmark_metrics(
            R[:, pick], bench[:, pick], np.concatenate(starts), np.tile(ts, len(starts))
        )
        for w, window in enumerate(BENCHMARK_WINDOWS):
            rows = slice(w * ts.size, (w + 1) * ts.size)
            part = pf.BenchmarkMetrics(*(getattr(got, f)[rows] for f in _FIELDS))
            extend(
                out,
                _metric_columns(inputs, part, complete[w], owner[pick], names[pick], ts, window),
            )
    return out


_FIELDS = tuple(pf.BenchmarkMetrics.__dataclass_fields__)


def _metric_columns(
    inputs: BatchInputs,
    got: pf.BenchmarkMetrics,
    complete: np.ndarray,
    owner: IntArray,
    names: np.ndarray,
    ts: IntArray,
    window: str,
) -> Columns:
    k, v = np.nonzero(complete)
    days = inputs.sessions.astype(object)
    out: Columns = {
        "portfolio_id": ints(inputs.portfolios.id[owner[v]]),
        "benchmark": list(names[v]),
        "window": [window] * k.size,
        "calc_date": list(days[ts[k]]),
        "observations": ints(got.observations[k, v]),
    }
    fields: Any = pf.BenchmarkMetrics.__dataclass_fields__
    for name in fields:
        if name != "observations":
            out[name] = finite(getattr(got, name)[k, v])
    return out
