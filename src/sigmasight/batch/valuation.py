"""Valuations, daily P&L and the equity roll-forward, vectorised over dates and lots.

Conventions (docs/methodology.md, "Valuation and P&L"):

- A lot is held at the close of session t when it was entered on or before t and not
  exited on or before t. An option past its expiry is treated as exited at expiry at its
  intrinsic value.
- Public lots are marked at the (adjusted) close, options with Black-Scholes (volatility:
  the underlying's realized 63-day volatility, rate 0), private lots at cost.
- P&L of a lot on t: value(t) - value(t-1) while held; value(t) - cost on its entry day;
  exit proceeds - value(t-1) on its exit day.
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
    held: npt.NDArray[np.bool_]  # (T, M) held at the close of t
    price: FloatArray  # (T, M) per-share mark of each lot
    value: FloatArray  # (T, M) signed market value (NaN = no mark)
    pnl: FloatArray  # (T, P)
    nav: FloatArray  # (T, P); NaN before inception
    daily_return: FloatArray  # (T, P)
    cumulative_pnl: FloatArray  # (T, P)
    flows: FloatArray  # (T, P)
    inception: IntArray  # (P,) first row with a held lot
    unpriced: FloatArray  # (T, P) count of held lots without a mark


def _row_of(inputs: BatchInputs, days: npt.NDArray[np.datetime64]) -> IntArray:
    """First session on or after each day; NaT (open-ended) maps past the end."""
    out = np.searchsorted(inputs.sessions, days.astype("datetime64[D]"), "left").astype(np.int64)
    return np.where(np.isnat(days), inputs.sessions.size + 1, out)


def lot_prices(inputs: BatchInputs, vol63: FloatArray) -> FloatArray:
    """Per-share marks (T, M): close, Black-Scholes value or cost."""
    lots, T = inputs.lots, inputs.sessions.size
    price = np.full((T, lots.kind.size), np.nan)
    public = lots.kind == PUBLIC
    price[:, public] = inputs.prices[:, lots.column[public]]
    private = lots.kind == PRIVATE
    price[:, private] = lots.entry_price[private]
    option = np.flatnonzero(lots.kind == OPTION)
    if option.size:
        col = lots.column[option]
        days = (lots.expiry[option][None, :] - inputs.sessions[:, None]).astype(np.float64)
        price[:, option] = black_scholes_price(
            inputs.prices[:, col],
            lots.strike[option],
            days / DAYS_PER_YEAR_CALENDAR,
            vol63[:, col],
            lots.is_call[option],
        )
    return price


def value_books(inputs: BatchInputs, vol63: FloatArray) -> Valuation:
    lots, T = inputs.lots, inputs.sessions.size
    P, M = inputs.portfolios.id.size, lots.kind.size
    price = lot_prices(inputs, vol63)
    entry = _row_of(inputs, lots.entry_date)
    exit_ = _row_of(inputs, lots.exit_date)
    exit_price = lots.exit_price.copy()
    option = lots.kind == OPTION
    expiry = _row_of(inputs, lots.expiry)
    # An option still open at expiry leaves at its intrinsic value on that session.
    expires = option & (expiry < exit_) & (expiry < T)
    exit_[expires] = expiry[expires]
    exit_price[expires] = price[expiry[expires], np.flatnonzero(expires)]
    t = np.arange(T)[:, None]
    held = (t >= entry) & (t < exit_)
    units = lots.quantity * np.where(option, float(OPTION_CONTRACT_MULTIPLIER), 1.0)
    value = np.where(held, units * price, 0.0)
    was_held = np.zeros_like(held)
    was_held[1:] = held[:-1]
    prev_value = np.zeros_like(value)
    prev_value[1:] = value[:-1]
    pnl_lot = np.where(held & was_held, value - prev_value, 0.0)
    pnl_lot = np.where(held & ~was_held, value - units * lots.entry_price, pnl_lot)
    leaving = ~held & was_held & (t == exit_)
    pnl_lot = np.where(leaving, units * exit_price - prev_value, pnl_lot)
    missing = ~np.isfinite(pnl_lot)
    owner = sp.csr_array((np.ones(M), (np.arange(M), lots.portfolio)), shape=(M, P))
    pnl = np.asarray(np.where(missing, 0.0, pnl_lot) @ owner)
    unpriced = np.asarray((held & ~np.isfinite(value)).astype(np.float64) @ owner)
    return _roll_forward(inputs, held, price, np.where(held, value, np.nan), pnl, unpriced, owner)


def _roll_forward(
    inputs: BatchInputs,
    held: npt.NDArray[np.bool_],
    price: FloatArray,
    value: FloatArray,
    pnl: FloatArray,
    unpriced: FloatArray,
    owner: sp.csr_array,
) -> Valuation:
    T, P = pnl.shape
    flows = np.zeros((T, P))
    for flow in inputs.flows:  # a handful per portfolio: deposits and withdrawals
        row = int(np.searchsorted(inputs.sessions, np.datetime64(flow.day, "D"), "left"))
        if row < T:
            flows[row, flow.portfolio] += flow.amount
    any_held = np.asarray(held.astype(np.float64) @ owner) > 0
    inception = np.where(any_held.any(axis=0), any_held.argmax(axis=0), T).astype(np.int64)
    live = np.arange(T)[:, None] >= inception
    pnl = np.where(live, pnl, 0.0)
    flows = np.where(live, flows, 0.0)
    cumulative = np.cumsum(pnl, axis=0)
    nav = inputs.portfolios.equity + cumulative + np.cumsum(flows, axis=0)
    prev_nav = np.vstack([inputs.portfolios.equity[None, :], nav[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        daily_return = np.where(live & (prev_nav > 0), pnl / prev_nav, np.nan)
    nav = np.where(live, nav, np.nan)
    return Valuation(
        held, price, value, pnl, nav, daily_return, cumulative, flows, inception, unpriced
    )
