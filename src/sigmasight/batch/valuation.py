"""Valuations, daily P&L and the equity roll-forward, vectorised over lots and portfolios.

Conventions (docs/methodology.md, "Batch: valuation, P&L and snapshots"):

- A lot is held at the close of session t when it was entered on or before t and not
  exited on or before t. An option still open at its expiry is treated as exited at
  expiry at its intrinsic value.
- Public lots are marked at the close as published on the date (the adjusted close when
  the source has no other), options with Black-Scholes (volatility:
  the underlying's realized 63-day volatility, rate 0), private lots at cost. A close
  missing for longer than the fill limit keeps the last known close as the mark and the
  lot is reported as unpriced.
- Cumulative P&L of a lot telescopes: ``units * (mark_t - cost)`` while held,
  ``units * (exit price - cost)`` once exited. Daily P&L is its first difference, so a
  run needs the marks of its own sessions and the one before, not the whole history.
- NAV(t) = starting equity + cumulative P&L + cumulative flows; the daily return is
  P&L(t) / NAV(t-1) (flows at the end of the day), with NAV before inception = equity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from sigmasight.analytics.options import black_scholes_price
from sigmasight.batch.inputs import OPTION, PRIVATE, PUBLIC, BatchInputs, FloatArray, IntArray
from sigmasight.domain.conventions import OPTION_CONTRACT_MULTIPLIER

DAYS_PER_YEAR_CALENDAR = 365.0


@dataclass(frozen=True)
class Valuation:
    """Valuations for the rows ``offset .. offset + R - 1`` of the session calendar.

    Arrays are (R, M) over lots or (R, P) over portfolios; use :meth:`row` to turn a
    calendar row into an index.
    """

    offset: int
    held: npt.NDArray[np.bool_]  # (R, M) held at the close
    price: FloatArray  # (R, M) per-share mark (last known close when stale)
    value: FloatArray  # (R, M) signed market value, NaN when not held
    pnl: FloatArray  # (R, P)
    nav: FloatArray  # (R, P); NaN before inception
    daily_return: FloatArray  # (R, P)
    cumulative_pnl: FloatArray  # (R, P)
    flows: FloatArray  # (R, P)
    inception: IntArray  # (P,) calendar row of the first held lot
    unpriced: FloatArray  # (R, P) held lots without a fresh mark

    def row(self, t: int) -> int:
        return t - self.offset


def row_of(inputs: BatchInputs, days: npt.NDArray[np.datetime64]) -> IntArray:
    """First session on or after each day; NaT (open-ended) maps past the end."""
    out = np.searchsorted(inputs.sessions, days.astype("datetime64[D]"), "left").astype(np.int64)
    return np.where(np.isnat(days), inputs.sessions.size + 1, out)


def _last_known(prices: FloatArray) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Closes forward filled without limit, and where the close was fresh."""
    fresh = np.isfinite(prices)
    last = np.where(fresh, np.arange(prices.shape[0])[:, None], -1)
    np.maximum.accumulate(last, axis=0, out=last)
    cols = np.broadcast_to(np.arange(prices.shape[1]), prices.shape)
    filled = np.where(last >= 0, prices[np.maximum(last, 0), cols], np.nan)
    return filled, fresh


def lot_marks(
    inputs: BatchInputs,
    vol63: FloatArray,
    rows: IntArray,
    closes: FloatArray,
    which: IntArray | None = None,
) -> FloatArray:
    """Per-share marks (len(rows), M) of every lot, or of the lots ``which``: close,
    Black-Scholes value or cost."""
    lots = inputs.lots
    pick = np.arange(lots.kind.size) if which is None else which
    kind = lots.kind[pick]
    price = np.full((rows.size, pick.size), np.nan)
    public = kind == PUBLIC
    price[:, public] = closes[np.ix_(rows, lots.column[pick[public]])]
    private = kind == PRIVATE
    price[:, private] = lots.entry_price[pick[private]]
    at = np.flatnonzero(kind == OPTION)
    if at.size:
        option = pick[at]
        col = lots.column[option]
        days = (lots.expiry[option][None, :] - inputs.sessions[rows][:, None]).astype(np.float64)
        price[:, at] = black_scholes_price(
            closes[np.ix_(rows, col)],
            lots.strike[option],
            days / DAYS_PER_YEAR_CALENDAR,
            vol63[np.ix_(rows, col)],
            lots.is_call[option],
        )
    return price


def lot_exits(inputs: BatchInputs, closes: FloatArray) -> tuple[IntArray, FloatArray]:
    """Exit row and price of every lot; open options leave at expiry, at intrinsic value."""
    lots, T = inputs.lots, inputs.sessions.size
    exit_row = row_of(inputs, lots.exit_date)
    exit_price = lots.exit_price.copy()
    expiry = row_of(inputs, lots.expiry)
    expires = (lots.kind == OPTION) & (expiry < exit_row) & (expiry < T)
    if expires.any():
        spot = closes[expiry[expires], lots.column[expires]]
        strike = lots.strike[expires]
        exit_price[expires] = np.where(
            lots.is_call[expires], np.maximum(spot - strike, 0.0), np.maximum(strike - spot, 0.0)
        )
        exit_row[expires] = expiry[expires]
    return exit_row, exit_price


def value_books(inputs: BatchInputs, vol63: FloatArray, rows: slice) -> Valuation:
    """Marks, P&L and NAV of every lot and portfolio for the calendar ``rows``."""
    lots = inputs.lots
    P, M = inputs.portfolios.id.size, lots.kind.size
    first = max(rows.start - 1, 0)
    span = np.arange(first, rows.stop)  # the run's rows and the session before
    closes, fresh = last_known_closes(inputs)
    marks = lot_marks(inputs, vol63, span, closes)
    entry = row_of(inputs, lots.entry_date)
    exit_row, exit_price = lot_exits(inputs, closes)
    t = span[:, None]
    held = (t >= entry) & (t < exit_row)
    exited = t >= exit_row
    units = lot_units(inputs)
    cost = units * lots.entry_price
    value = np.where(held, units * marks, np.nan)
    cum_lot = np.where(held, value - cost, np.where(exited, units * exit_price - cost, 0.0))
    stale = held & ~_fresh_marks(lots.kind, lots.column, fresh, span, marks)
    owner = sp.csr_array((np.ones(M), (np.arange(M), lots.portfolio)), shape=(M, P))
    cumulative = np.asarray(np.where(np.isfinite(cum_lot), cum_lot, 0.0) @ owner)
    unpriced = np.asarray(stale.astype(np.float64) @ owner)
    inception = _inception(inputs, entry, exit_row)
    cum_flows = _cumulative_flows(inputs, span, P)
    return _roll_forward(
        inputs, rows, first, held, marks, value, cumulative, cum_flows, inception, unpriced
    )


def last_known_closes(inputs: BatchInputs) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """:func:`_last_known` of the run's marks, made once per run (every partition and
    step shares it)."""
    if "last_known" not in inputs.derived:
        inputs.derived["last_known"] = _last_known(inputs.mark_prices)
    closes, fresh = inputs.derived["last_known"]
    return closes, fresh


def lot_units(inputs: BatchInputs) -> FloatArray:
    """Units of each lot: shares, or contracts times the multiplier."""
    lots = inputs.lots
    multiplier = np.where(lots.kind == OPTION, float(OPTION_CONTRACT_MULTIPLIER), 1.0)
    units: FloatArray = lots.quantity * multiplier
    return units


def _inception(inputs: BatchInputs, entry: IntArray, exit_row: IntArray) -> IntArray:
    """Calendar row of each portfolio's first held lot (past the end: none)."""
    inception = np.full(inputs.portfolios.id.size, inputs.sessions.size, dtype=np.int64)
    np.minimum.at(inception, inputs.lots.portfolio, np.minimum(entry, exit_row))
    return inception


#: Sessions per block of :func:`daily_returns` and :func:`nav_history`.
NAV_BLOCK = 128


def daily_returns(inputs: BatchInputs, vol63: FloatArray, rows: slice) -> FloatArray:
    """``value_books(inputs, vol63, rows).daily_return`` without the per-lot arrays.

    The risk-metrics step needs two years of daily returns before each run date, and
    valuing every lot on every one of those sessions cost most of a daily run. Here a
    public lot held through the whole span with a known close on every row enters as
    one sparse product ``closes @ units``; only the other lots (entered or exited
    inside the span, options, private holdings, gaps in the closes) are valued lot by
    lot, as :func:`value_books` does. Same conventions, same figures (to rounding).
    In the blocks of :data:`NAV_BLOCK` sessions of :func:`nav_history`, shared with it
    (:func:`_books_block`): a lot entered a year ago is one product over every block
    after its entry (each block carries the session before it, so a return never
    depends on where a block starts).
    """
    parts = [
        _books_block(inputs, vol63, lo, rows.stop)[4][max(rows.start - lo, 0) :]
        for lo in range(rows.start - rows.start % NAV_BLOCK, rows.stop, NAV_BLOCK)
    ]
    if not parts:
        return np.full((0, inputs.portfolios.id.size), np.nan)
    return np.vstack(parts)


def _books_block(
    inputs: BatchInputs, vol63: FloatArray, lo: int, stop: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """:func:`_fast_books` of the calendar rows ``lo .. min(lo + NAV_BLOCK, stop) - 1``
    (``lo`` a multiple of :data:`NAV_BLOCK`), once per partition: the risk-metrics and
    performance steps of a run read the same blocks (``inputs.scratch``)."""
    hi = min(lo + NAV_BLOCK, stop)
    key = f"books_block_{lo}_{hi}"
    found = inputs.scratch.get(key)
    if found is not None and found[0] is vol63:
        block: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray] = found[1]
        return block
    block = _fast_books(inputs, vol63, slice(lo, hi))
    inputs.scratch[key] = (vol63, block)
    return block


def nav_history(inputs: BatchInputs, vol63: FloatArray, stop: int) -> tuple[FloatArray, IntArray]:
    """NAV (stop, P) of every book on the calendar rows ``0 .. stop - 1`` (NaN before
    inception) and each book's inception row, valued as :func:`daily_returns` does."""
    # In blocks of sessions: a lot held through a block is one sparse product there, so
    # only the blocks where it enters or leaves value it lot by lot (the NAV of a
    # session depends on that session's marks alone, whichever block computes it).
    parts = []
    for lo in range(0, stop, NAV_BLOCK):
        hi = min(lo + NAV_BLOCK, stop)
        parts.append(_books_block(inputs, vol63, lo, stop)[1][-(hi - lo) :])
    nav_all = np.vstack(parts) if parts else np.full((0, inputs.portfolios.id.size), np.nan)
    lots = inputs.lots
    exit_row, _ = lot_exits(inputs, last_known_closes(inputs)[0])
    return nav_all, _inception(inputs, row_of(inputs, lots.entry_date), exit_row)


def _fast_books(
    inputs: BatchInputs, vol63: FloatArray, rows: slice
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """:func:`_nav_and_returns` of the span, held-through public lots as one product."""
    lots = inputs.lots
    P, S = inputs.portfolios.id.size, len(inputs.symbols)
    first = max(rows.start - 1, 0)
    span = np.arange(first, rows.stop)
    closes, _ = last_known_closes(inputs)
    window = closes[first : rows.stop]
    entry = row_of(inputs, lots.entry_date)
    exit_row, exit_price = lot_exits(inputs, closes)
    units = lot_units(inputs)
    cost = units * lots.entry_price
    column = np.maximum(lots.column, 0)
    complete: npt.NDArray[np.bool_] = np.asarray(np.isfinite(window).all(axis=0))
    through = (
        (lots.kind == PUBLIC)
        & (lots.column >= 0)
        & (entry <= first)
        & (exit_row >= rows.stop)
        & complete[column]
    )
    fast = np.flatnonzero(through)
    holdings = sp.csr_array((units[fast], (column[fast], lots.portfolio[fast])), shape=(S, P))
    cumulative: FloatArray = np.asarray(holdings.T @ window.T).T - np.bincount(
        lots.portfolio[fast], weights=cost[fast], minlength=P
    )
    rest = np.flatnonzero(~through)
    if rest.size:
        marks = lot_marks(inputs, vol63, span, closes, rest)
        t = span[:, None]
        held = (t >= entry[rest]) & (t < exit_row[rest])
        exited = t >= exit_row[rest]
        u, c = units[rest], cost[rest]
        cum_lot = np.where(held, u * marks - c, np.where(exited, u * exit_price[rest] - c, 0.0))
        owner = sp.csr_array(
            (np.ones(rest.size), (np.arange(rest.size), lots.portfolio[rest])),
            shape=(rest.size, P),
        )
        cumulative = cumulative + np.asarray(np.where(np.isfinite(cum_lot), cum_lot, 0.0) @ owner)
    inception = _inception(inputs, entry, exit_row)
    cum_flows = _cumulative_flows(inputs, span, P)
    return _nav_and_returns(inputs, rows, first, cumulative, cum_flows, inception)


def _fresh_marks(
    kind: IntArray,
    column: IntArray,
    fresh: npt.NDArray[np.bool_],
    span: IntArray,
    marks: FloatArray,
) -> npt.NDArray[np.bool_]:
    """Whether each mark rests on a close observed (or filled within the limit) that day."""
    ok = np.isfinite(marks)
    priced = kind != PRIVATE
    ok[:, priced] &= fresh[np.ix_(span, np.maximum(column[priced], 0))]
    return ok


def _cumulative_flows(inputs: BatchInputs, span: IntArray, P: int) -> FloatArray:
    out = np.zeros((span.size, P))
    for flow in inputs.flows:  # a handful per portfolio: deposits and withdrawals
        row = int(np.searchsorted(inputs.sessions, np.datetime64(flow.day, "D"), "left"))
        out[span >= row, flow.portfolio] += flow.amount
    return out


def _roll_forward(
    inputs: BatchInputs,
    rows: slice,
    first: int,
    held: npt.NDArray[np.bool_],
    marks: FloatArray,
    value: FloatArray,
    cumulative: FloatArray,
    cum_flows: FloatArray,
    inception: IntArray,
    unpriced: FloatArray,
) -> Valuation:
    cumulative, nav_all, pnl, flows, daily_return = _nav_and_returns(
        inputs, rows, first, cumulative, cum_flows, inception
    )
    skip = rows.start - first
    return Valuation(
        offset=rows.start,
        held=held[skip:],
        price=marks[skip:],
        value=value[skip:],
        pnl=pnl,
        nav=nav_all[skip:],
        daily_return=daily_return,
        cumulative_pnl=cumulative[skip:],
        flows=flows,
        inception=inception,
        unpriced=unpriced[skip:],
    )


def _nav_and_returns(
    inputs: BatchInputs,
    rows: slice,
    first: int,
    cumulative: FloatArray,
    cum_flows: FloatArray,
    inception: IntArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Cumulative P&L (zero before inception) and NAV over the span (from ``first``),
    and P&L, flows and daily return over ``rows``."""
    equity = inputs.portfolios.equity
    span = np.arange(first, rows.stop)[:, None]
    live = span >= inception
    cumulative = np.where(live, cumulative, 0.0)
    nav_all = np.where(live, equity + cumulative + cum_flows, np.nan)
    skip = rows.start - first  # 1 when the session before the run is in the span
    if skip:
        previous_cum, previous_flows, previous_all = cumulative[:-1], cum_flows[:-1], nav_all[:-1]
    else:  # the span starts at the calendar's first row: nothing before it
        zero = np.zeros_like(cumulative[:1])
        previous_cum = np.vstack([zero, cumulative[:-1]])
        previous_flows = np.vstack([zero, cum_flows[:-1]])
        previous_all = np.vstack([equity[None, :], nav_all[:-1]])
    previous_nav = np.where(live[skip:] & (span[skip:] > inception), previous_all, equity)
    pnl = np.where(live[skip:], cumulative[skip:] - previous_cum, 0.0)
    flows = np.where(live[skip:], cum_flows[skip:] - previous_flows, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        daily_return = np.where(live[skip:] & (previous_nav > 0), pnl / previous_nav, np.nan)
    return cumulative, nav_all, pnl, flows, daily_return
