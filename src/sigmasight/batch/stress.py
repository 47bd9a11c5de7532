"""The stress-test family in the batch (docs/methodology.md, "Stress tests and option
Greeks").

Security part, once per run (cached in ``inputs.derived`` for the partitions): for each
run row, the library scenarios available on that date and every symbol's return under
each, from data up to that date only: a historical episode that has ended by then, each
symbol's own episode return or its market beta of the date times the market's episode
return; a hypothetical shock propagated through the covariance of the registry's active
factors over the :data:`~sigmasight.domain.stress.COVARIANCE_WINDOW` sessions ending on
the date, applied through the symbols' OLS factor loadings of the date (market beta
alone for a symbol without a factor fit). Portfolio part: each book's P&L under each
scenario from the positions held at the close, options repriced.

A position with a modified duration (a bond holding; ``positions.modified_duration``,
optional convexity) moves in the hypothetical scenarios by its duration response to the
scenario's rate change (``analytics.stress.duration_returns``, method ``duration``)
instead of its security's factor move; in a replay it keeps its security's own return.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sigmasight.analytics import stress as st
from sigmasight.batch.columns import Columns, extend, finite, ints
from sigmasight.batch.factors import factor_returns, security_factors
from sigmasight.batch.inputs import OPTION, PRIVATE, BatchInputs, FloatArray, IntArray
from sigmasight.batch.security import SecurityMetrics
from sigmasight.batch.stress_panels import episodes
from sigmasight.batch.valuation import DAYS_PER_YEAR_CALENDAR, Valuation
from sigmasight.domain.conventions import OPTION_CONTRACT_MULTIPLIER
from sigmasight.domain.factors import FACTORS
from sigmasight.domain.stress import (
    COVARIANCE_MIN_OBS,
    COVARIANCE_WINDOW,
    SCENARIOS,
    Scenario,
    ScenarioKind,
)

_CACHE = "stress_moves"
METHOD_NAMES = {
    st.Method.REPLAY: "replay",
    st.Method.PROXY: "proxy",
    st.Method.REPRICED: "repriced",
    st.Method.MISSING: "missing",
    st.Method.EXCLUDED: "excluded",
    st.Method.DURATION: "duration",
}
_METHOD_LABELS = np.array([METHOD_NAMES[m] for m in sorted(METHOD_NAMES)], dtype=object)
HYPOTHETICAL = tuple(s for s in SCENARIOS if s.kind is ScenarioKind.HYPOTHETICAL)


@dataclass(frozen=True)
class DayMoves:
    """The scenarios of one run row and every symbol's return under them."""

    scenarios: tuple[Scenario, ...]
    returns: FloatArray  # (K, S)
    method: IntArray  # (K, S)
    factor_moves: FloatArray  # (K, F registry), NaN for factors absent that day
    rate_change: FloatArray  # (K,)
    vol_points: FloatArray  # (K,)
    covariance_observations: int


def _historical(inputs: BatchInputs, beta: FloatArray, t: int) -> DayMoves | None:
    """Replays of the episodes ended by session ``t`` whose market closes exist."""
    closes = inputs.episode_closes
    if closes is None or closes.shape[1] == 0:
        return None
    day = inputs.sessions[t].astype(object)
    loaded = [s.key for s in episodes(inputs.sessions[-1].astype(object))]
    if closes.shape[1] != len(loaded):  # loaded for another end date: no replay
        return None
    found = episodes(day)
    ended = [loaded.index(s.key) for s in found]
    own = (
        st.episode_returns(
            closes.reshape(-1, closes.shape[2]), ended, [closes.shape[1] + e for e in ended]
        )
        if ended
        else np.empty((0, beta.size))
    )
    market = own[:, inputs.market_column] if ended else np.empty(0)
    keep = np.flatnonzero(np.isfinite(market))
    if keep.size == 0:
        return None
    own, market = own[keep], market[keep]
    returns, method = st.replay_or_proxy(own, market[:, None] * beta[None, :])
    K = keep.size
    factor_moves = np.full((K, len(FACTORS)), np.nan)
    factor_moves[:, 0] = market
    return DayMoves(
        tuple(found[i] for i in keep),
        returns,
        method,
        factor_moves,
        np.zeros(K),
        np.zeros(K),
        0,
    )


def _hypothetical(
    F: FloatArray, loading: FloatArray, active: FloatArray, beta: FloatArray, t: int
) -> DayMoves | None:
    """The library's hypothetical shocks on row ``t`` (None without a market factor)."""
    cols = np.flatnonzero(active)
    if cols.size == 0 or cols[0] != 0:  # the market is the registry's first factor
        return None
    keys = tuple(FACTORS[c].key for c in cols)
    usable = tuple(s for s in HYPOTHETICAL if set(s.shocks) <= set(keys))
    cov, n = st.factor_covariance(F[:, cols], t, COVARIANCE_WINDOW, COVARIANCE_MIN_OBS)
    if not np.isfinite(cov).all():
        return None
    shocks = st.hypothetical_shocks(usable, keys)
    moves = st.propagate_shocks(cov, shocks.factor)
    dy = st.implied_rate_change(moves, shocks.rate_change, keys)
    L = loading[:, cols]
    fallback = np.zeros_like(L)
    fallback[:, 0] = beta  # no factor fit: market beta alone
    L = np.where(np.isfinite(L).all(axis=1, keepdims=True), L, fallback)
    R = st.security_moves(L, moves, np.full(beta.size, np.nan), dy)
    method = np.where(np.isfinite(R), st.Method.PROXY, st.Method.MISSING).astype(np.int64)
    wide = np.full((len(usable), len(FACTORS)), np.nan)
    wide[:, cols] = moves
    return DayMoves(usable, R, method, wide, dy, shocks.vol_points, n)


def _join(parts: list[DayMoves]) -> DayMoves:
    return DayMoves(
        tuple(s for p in parts for s in p.scenarios),
        np.vstack([p.returns for p in parts]),
        np.vstack([p.method for p in parts]),
        np.vstack([p.factor_moves for p in parts]),
        np.concatenate([p.rate_change for p in parts]),
        np.concatenate([p.vol_points for p in parts]),
        max(p.covariance_observations for p in parts),
    )


def stress_moves(
    inputs: BatchInputs, returns: FloatArray, metrics: SecurityMetrics
) -> list[DayMoves | None]:
    """Scenario returns of every symbol for each run row (cached per run)."""
    held = inputs.derived.get(_CACHE)
    if isinstance(held, tuple) and held[0] == metrics.rows:
        cached: list[DayMoves | None] = held[1]
        return cached
    rows = metrics.rows
    fits = security_factors(inputs, returns, rows)
    F = factor_returns(inputs)
    out: list[DayMoves | None] = []
    for d, t in enumerate(range(rows.start, rows.stop)):
        beta = metrics.beta.beta[t]
        parts = [
            p
            for p in (
                _historical(inputs, beta, t),
                _hypothetical(F, fits.fits["ols"].loading[d], fits.active[d], beta, t),
            )
            if p is not None
        ]
        out.append(_join(parts) if parts else None)
    inputs.derived[_CACHE] = (rows, out)
    return out


def scenario_rows(inputs: BatchInputs, moves: list[DayMoves | None], rows: slice) -> Columns:
    """Rows of ``stress_scenario_moves``: each date's scenarios as applied."""
    out: Columns = {}
    keys = [f.key for f in FACTORS]
    for d, t in enumerate(range(rows.start, rows.stop)):
        m = moves[d]
        if m is None:
            continue
        day = inputs.sessions[t].astype(object)
        fm = finite(m.factor_moves)
        extend(
            out,
            {
                "calc_date": [day] * len(m.scenarios),
                "scenario_key": [s.key for s in m.scenarios],
                "name": [s.name for s in m.scenarios],
                "kind": [s.kind.value for s in m.scenarios],
                "start": [s.start for s in m.scenarios],
                "end": [s.end for s in m.scenarios],
                "factor_moves": [
                    {k: v for k, v in zip(keys, row, strict=True) if v is not None} for row in fm
                ],
                "rate_change": m.rate_change.tolist(),
                "vol_points": m.vol_points.tolist(),
                "covariance_observations": [
                    0 if s.kind is ScenarioKind.HISTORICAL else m.covariance_observations
                    for s in m.scenarios
                ],
            },
        )
    return out


def security_stress_rows(inputs: BatchInputs, moves: list[DayMoves | None], rows: slice) -> Columns:
    """Rows of ``security_stress_returns``: one per symbol and date, every scenario's
    return and method as lists."""
    out: Columns = {}
    S = len(inputs.symbols)
    for d, t in enumerate(range(rows.start, rows.stop)):
        m = moves[d]
        if m is None:
            continue
        keys = [s.key for s in m.scenarios]
        extend(
            out,
            {
                "symbol": list(inputs.symbols),
                "calc_date": [inputs.sessions[t].astype(object)] * S,
                "scenario_keys": [keys] * S,
                "returns": finite(m.returns.T),
                "methods": _METHOD_LABELS[m.method.T].tolist(),
            },
        )
    return out


def held_book(
    inputs: BatchInputs, vol63: FloatArray, valuation: Valuation, t: int, rate: float
) -> tuple[st.Book, IntArray]:
    """The positions held at the close of session ``t`` as a stress book, and their lots."""
    lots = inputs.lots
    idx = np.flatnonzero(valuation.held[t - valuation.offset])
    option = lots.kind[idx] == OPTION
    col = np.where(lots.kind[idx] == PRIVATE, -1, lots.column[idx])
    safe = np.maximum(col, 0)
    spot = np.where(option, inputs.mark_prices[t, safe], np.nan)
    years = (lots.expiry[idx] - inputs.sessions[t]).astype(np.float64) / DAYS_PER_YEAR_CALENDAR
    book = st.Book(
        portfolio=lots.portfolio[idx],
        column=col,
        value=valuation.value[t - valuation.offset, idx],
        is_option=option,
        units=lots.quantity[idx] * np.where(option, float(OPTION_CONTRACT_MULTIPLIER), 1.0),
        spot=spot,
        strike=lots.strike[idx],
        years=np.where(option, years, np.nan),
        volatility=np.where(option, vol63[t, safe], np.nan),
        is_call=lots.is_call[idx],
        rate=np.full(idx.size, math.log1p(rate)),
        dividend_yield=np.zeros(idx.size),
        duration=np.where(option, np.nan, lots.modified_duration[idx]),
        convexity=np.where(option, np.nan, lots.convexity[idx]),
    )
    return book, idx


def _per_book(values: FloatArray, portfolio: IntArray, P: int, live: IntArray) -> FloatArray:
    """Sums (K, len(live)) of position values (K, M) by book."""
    K = values.shape[0]
    flat = (np.arange(K)[:, None] * P + portfolio[None, :]).ravel()
    sums = np.bincount(flat, weights=values.ravel(), minlength=K * P)
    out: FloatArray = sums.reshape(K, P)[:, live].astype(np.float64)
    return out


def _day_rows(
    inputs: BatchInputs, m: DayMoves, book: st.Book, nav: FloatArray, live: IntArray
) -> Columns:
    """One row per live book: every scenario's figures as lists (books x scenarios)."""
    P = inputs.portfolios.id.size
    hypothetical = np.array([s.kind is ScenarioKind.HYPOTHETICAL for s in m.scenarios])
    res = st.stress_books(book, m.returns, m.method, m.vol_points, m.rate_change, P, hypothetical)
    opt = book.is_option[None, :]
    pos = book.portfolio
    option_pnl = _per_book(np.where(opt, np.nan_to_num(res.position_pnl), 0.0), pos, P, live)
    option_dg = _per_book(np.where(opt, np.nan_to_num(res.delta_gamma), 0.0), pos, P, live)
    first = res.method[:1]
    counts = _per_book(np.ones_like(first, dtype=np.float64), pos, P, live)[0]
    excluded = _per_book((first == st.Method.EXCLUDED).astype(np.float64), pos, P, live)[0]
    pnl = res.portfolio_pnl[:, live]
    pct = pnl / np.where(nav[live] > 0, nav[live], np.nan)
    worst = np.argmin(pnl, axis=0)
    keys = [s.key for s in m.scenarios]
    return {
        "portfolio_id": ints(inputs.portfolios.id[live]),
        "nav": finite(nav[live]),
        "positions": ints(counts),
        "excluded": ints(excluded),
        "worst_scenario": [keys[k] for k in worst.tolist()],
        "worst_pnl": finite(pnl[worst, np.arange(live.size)]),
        "scenario_keys": [keys] * live.size,
        "pnl": pnl.T.tolist(),
        "pnl_percent": finite(pct.T),
        "option_pnl": option_pnl.T.tolist(),
        "option_delta_gamma": option_dg.T.tolist(),
        "missing": res.missing[:, live].T.tolist(),
    }


def portfolio_stress_rows(
    inputs: BatchInputs,
    returns: FloatArray,
    metrics: SecurityMetrics,
    valuation: Valuation,
    rate: float,
) -> Columns:
    """Rows of ``portfolio_stress_results``: each book's P&L per scenario and date, from
    its inception on (a book's NAV defined)."""
    moves = stress_moves(inputs, returns, metrics)
    rows = metrics.rows
    out: Columns = {}
    for d, t in enumerate(range(rows.start, rows.stop)):
        m = moves[d]
        nav = valuation.nav[t - valuation.offset]
        live = np.flatnonzero(np.isfinite(nav) & (t >= valuation.inception))
        if m is None or live.size == 0:
            continue
        book, _ = held_book(inputs, metrics.vol63, valuation, t, rate)
        day = _day_rows(inputs, m, book, nav, live)
        day["calc_date"] = [inputs.sessions[t].astype(object)] * live.size
        extend(out, day)
    return out
