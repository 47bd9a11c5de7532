"""Rebalancing proposals: trades that bring every target back inside its band.

Weights follow the exposure convention (docs/methodology.md, "Exposures"): the weight
of a holding is its delta-adjusted exposure over NAV, signed (a short is negative), and
a target's weight is the sum over the holdings it covers. A book is one portfolio's
instruments, shape (N,); a target covers a group of them (``group[i]`` = the target's
index, −1 for none). Only tradable instruments (stocks, ETFs) are traded; the others
(options, private holdings) keep their exposure and count in the weights.

With ``q`` the signed quantities, ``x`` the trade in units, ``p`` the price, ``e`` the
exposure per unit, ``c`` the proportional cost rate:

.. math::

    \\text{cost}_i = c\\,|x_i p_i|,\\qquad
    \\text{NAV}' = \\text{NAV} - \\sum_i \\text{cost}_i,\\qquad
    w'_k = \\frac{\\sum_{i \\in k} (q_i + x_i) e_i}{\\text{NAV}'}.

The proposal (:func:`propose`) scales each target's tradable holdings to its target
weight, rounds to lots, then applies the constraints in a fixed order, each of which
only shrinks trades towards zero: no new shorts, turnover limit, minimum trade size,
available cash. A constraint is therefore never broken; when a target ends outside its
band the proposal is infeasible and each reason names the constraint that bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sigmasight.analytics._typing import FloatArray, IntArray

BoolArray = np.ndarray  # numpy boolean array (N,)

#: Tolerance on band checks and cash (binary floats).
EPS = 1e-9

#: Codes of the constraints a reason can name.
NO_TRADABLE_HOLDING = "NO_TRADABLE_HOLDING"
LOT_SIZE = "LOT_SIZE"
NO_NEW_SHORTS = "NO_NEW_SHORTS"
TURNOVER = "TURNOVER"
MIN_TRADE = "MIN_TRADE"
CASH = "CASH"
NAV_NOT_POSITIVE = "NAV_NOT_POSITIVE"
#: Nothing bound, yet scaling the group's holdings cannot reach the band (its untradable
#: exposure alone is outside it, or its holdings mix longs and shorts).
UNREACHABLE = "UNREACHABLE"


@dataclass(frozen=True)
class Book:
    """One portfolio's instruments (N,) and cash."""

    quantity: FloatArray  # signed units
    price: FloatArray  # per unit, > 0
    exposure_per_unit: FloatArray  # delta-adjusted exposure of one unit (price for stocks)
    value_per_unit: FloatArray  # market value of one unit (price for stocks)
    tradable: BoolArray
    lot_size: FloatArray  # units per lot (1 = whole shares)
    cash: float

    @property
    def nav(self) -> float:
        return float(self.cash + self.quantity @ self.value_per_unit)


@dataclass(frozen=True)
class Targets:
    """Targets (K,) and the target of each instrument (N,), −1 for none."""

    weight: FloatArray
    lower: FloatArray
    upper: FloatArray
    group: IntArray


@dataclass(frozen=True)
class Constraints:
    """What every proposal respects (see the module docstring for the order)."""

    cost_rate: float = 0.0005  # proportional cost per unit of notional (5 bp)
    min_trade: float = 0.0  # smallest notional worth trading
    allow_short: bool = False  # may a position go (further) below zero
    max_turnover: float = np.inf  # sum of |notional| / NAV
    min_cash: float = 0.0  # cash after trades (or the starting cash if lower)


@dataclass(frozen=True)
class Reason:
    code: str
    target: int  # index of the target it concerns, −1 for the whole book
    message: str


@dataclass(frozen=True)
class Proposal:
    trade: FloatArray  # (N,) units, signed (buy > 0)
    notional: FloatArray  # (N,) signed trade × price
    cost: FloatArray  # (N,) >= 0
    weights_before: FloatArray  # (K,) target weights now
    weights_after: FloatArray  # (K,) after the trades and their costs
    cash_after: float
    nav_after: float
    turnover: float  # sum |notional| / NAV
    feasible: bool
    reasons: tuple[Reason, ...] = field(default=())


def group_weights(book: Book, targets: Targets, quantity: FloatArray, nav: float) -> FloatArray:
    """Weight (K,) of each target for ``quantity``: Σ exposure over the group / NAV."""
    K = targets.weight.size
    inside = targets.group >= 0
    exposure = quantity[inside] * book.exposure_per_unit[inside]
    sums = np.bincount(targets.group[inside], weights=exposure, minlength=K)
    return sums / nav if nav > 0 else np.full(K, np.nan)


def _desired_trade(book: Book, targets: Targets, nav: float, move: BoolArray) -> FloatArray:
    """Units (N,) that put each moved target at its weight: the group's tradable holdings
    scaled together; a group holding none of its tradable members buys them equally."""
    K, g = targets.weight.size, targets.group
    inside = g >= 0
    live = inside & book.tradable
    exposure = book.quantity * book.exposure_per_unit
    fixed = np.bincount(g[inside & ~book.tradable], exposure[inside & ~book.tradable], K)
    held = np.bincount(g[live], exposure[live], K)
    members = np.bincount(g[live], minlength=K).astype(np.float64)
    wanted = targets.weight * nav - fixed
    scale = np.divide(wanted, held, out=np.zeros(K), where=held != 0)
    per_member = np.divide(wanted, members, out=np.zeros(K), where=members > 0)
    gi = np.where(inside, g, 0)
    from_scale = book.quantity * scale[gi]
    unit = book.exposure_per_unit
    from_empty = np.divide(per_member[gi], unit, out=np.zeros_like(unit), where=unit != 0)
    target_q = np.where(held[gi] != 0, from_scale, from_empty)
    return np.where(live & move[gi], target_q - book.quantity, 0.0)


def _to_lots(units: FloatArray, lot: FloatArray, rounding: str) -> FloatArray:
    lots = units / lot
    whole = np.round(lots) if rounding == "nearest" else np.trunc(lots + np.sign(lots) * EPS)
    return whole * lot


def _cash_after(book: Book, trade: FloatArray, rate: float) -> float:
    notional = trade * book.price
    return float(book.cash - notional.sum() - rate * np.abs(notional).sum())


def apply_constraints(
    book: Book, trade: FloatArray, constraints: Constraints
) -> tuple[FloatArray, set[str]]:
    """``trade`` rounded to lots and shrunk until every constraint holds; the codes of
    the constraints that changed it."""
    bound: set[str] = set()
    rounded = np.where(book.tradable, _to_lots(trade, book.lot_size, "nearest"), 0.0)
    if not np.allclose(rounded, trade, rtol=0, atol=EPS):
        bound.add(LOT_SIZE)
    trade = rounded
    if not constraints.allow_short:
        floor = np.minimum(book.quantity, 0.0) - book.quantity
        clipped = np.maximum(trade, _to_lots(floor, book.lot_size, "toward_zero"))
        if not np.array_equal(clipped, trade):
            bound.add(NO_NEW_SHORTS)
        trade = clipped
    nav = book.nav
    turnover = np.abs(trade * book.price).sum()
    if turnover > constraints.max_turnover * nav + EPS:
        factor = constraints.max_turnover * nav / turnover
        trade = _to_lots(trade * factor, book.lot_size, "toward_zero")
        bound.add(TURNOVER)
    small = (trade != 0) & (np.abs(trade * book.price) < constraints.min_trade)
    if small.any():
        trade = np.where(small, 0.0, trade)
        bound.add(MIN_TRADE)
    return _fit_cash(book, trade, constraints, bound), bound


def _fit_cash(
    book: Book, trade: FloatArray, constraints: Constraints, bound: set[str]
) -> FloatArray:
    """Buys scaled down (whole lots, then small ones dropped) until cash suffices."""
    floor = min(constraints.min_cash, book.cash)
    rate = constraints.cost_rate
    if _cash_after(book, trade, rate) >= floor - EPS:
        return trade
    bound.add(CASH)
    buys = trade > 0
    spend = (trade[buys] * book.price[buys]).sum() * (1 + rate)
    other = _cash_after(book, np.where(buys, 0.0, trade), rate)
    factor = max(other - floor, 0.0) / spend
    scaled = np.where(buys, _to_lots(trade * factor, book.lot_size, "toward_zero"), trade)
    small = buys & (np.abs(scaled * book.price) < constraints.min_trade)
    scaled = np.where(small, 0.0, scaled)
    while _cash_after(book, scaled, rate) < floor - EPS and (scaled > 0).any():
        # flooring can leave a rounding's worth short: take one lot off the largest buy
        i = int(np.argmax(np.where(scaled > 0, scaled * book.price, -np.inf)))
        scaled[i] -= book.lot_size[i]
        if abs(scaled[i] * book.price[i]) < constraints.min_trade:
            scaled[i] = 0.0
    return scaled


def evaluate(
    book: Book,
    targets: Targets,
    trade: FloatArray,
    constraints: Constraints,
    bound: set[str] = frozenset(),  # type: ignore[assignment]
) -> Proposal:
    """The proposal of ``trade``: costs, weights after, and feasibility with reasons."""
    nav = book.nav
    notional = trade * book.price
    cost = constraints.cost_rate * np.abs(notional)
    nav_after = nav - float(cost.sum())
    before = group_weights(book, targets, book.quantity, nav)
    after = group_weights(book, targets, book.quantity + trade, nav_after)
    outside = ~((after >= targets.lower - EPS) & (after <= targets.upper + EPS))
    reasons = _reasons(book, targets, after, outside, bound)
    return Proposal(
        trade=trade,
        notional=notional,
        cost=cost,
        weights_before=before,
        weights_after=after,
        cash_after=_cash_after(book, trade, constraints.cost_rate),
        nav_after=nav_after,
        turnover=float(np.abs(notional).sum() / nav) if nav > 0 else np.nan,
        feasible=not outside.any() and nav > 0,
        reasons=reasons,
    )


_ORDER = (NO_TRADABLE_HOLDING, NO_NEW_SHORTS, CASH, TURNOVER, MIN_TRADE, LOT_SIZE)


def _reasons(
    book: Book, targets: Targets, after: FloatArray, outside: BoolArray, bound: set[str]
) -> tuple[Reason, ...]:
    if book.nav <= 0:
        return (Reason(NAV_NOT_POSITIVE, -1, "NAV is not positive: weights are undefined"),)
    live = (targets.group >= 0) & book.tradable
    tradable = np.bincount(targets.group[live], minlength=targets.weight.size) > 0
    out = []
    for k in np.flatnonzero(outside):
        band = f"[{targets.lower[k]:.4f}, {targets.upper[k]:.4f}]"
        where = f"target {k} ends at {after[k]:.4f}, outside its band {band}"
        # Rounding to lots changes almost every trade: it is named only when nothing
        # else bound.
        named = [c for c in _ORDER if c in bound and c != LOT_SIZE]
        fallback = [LOT_SIZE] if LOT_SIZE in bound else [UNREACHABLE]
        codes = (named or fallback) if tradable[k] else [NO_TRADABLE_HOLDING]
        for code in codes:
            out.append(Reason(code, int(k), f"{where}; bound by {code}"))
    return tuple(out)


def propose(
    book: Book,
    targets: Targets,
    constraints: Constraints,
    *,
    out_of_band_only: bool = False,
) -> Proposal:
    """The "back to target" proposal: every target (or only those outside their band)
    moved to its target weight, within the constraints.

    Costs reduce NAV, so the target exposure is computed twice: first on today's NAV,
    then on the NAV net of the first pass's costs.
    """
    nav = book.nav
    if nav <= 0:
        zero = np.zeros_like(book.quantity)
        return evaluate(book, targets, zero, constraints)
    now = group_weights(book, targets, book.quantity, nav)
    move = ~((now >= targets.lower) & (now <= targets.upper)) | (not out_of_band_only)
    trade = _desired_trade(book, targets, nav, move)
    cost = constraints.cost_rate * np.abs(trade * book.price).sum()
    trade = _desired_trade(book, targets, nav - cost, move)
    trade, bound = apply_constraints(book, trade, constraints)
    return evaluate(book, targets, trade, constraints, bound)


def fifo_realized_gain(
    trade: FloatArray,
    price: FloatArray,
    lot_asset: IntArray,
    lot_quantity: FloatArray,
    lot_price: FloatArray,
) -> FloatArray:
    """Realized gain (N,) of each trade against the instrument's lots, first in first out.

    Lots must be sorted by instrument then entry date (oldest first). A trade that
    reduces a position closes the oldest lots of that direction first: selling ``s``
    units of longs realizes Σ consumed × (price − entry price), buying back shorts
    Σ consumed × (entry price − price). Units beyond the position (opening the other
    side) and trades that add to a position realize nothing. Costs are not deducted
    (they are reported on their own).
    """
    N = trade.size
    if lot_asset.size == 0:
        return np.zeros(N)
    lot_trade = trade[lot_asset]
    closing = np.sign(lot_trade) == -np.sign(lot_quantity)
    size = np.where(closing, np.abs(lot_quantity), 0.0)
    cum = np.cumsum(size)
    start = np.zeros(N)
    first = np.r_[True, lot_asset[1:] != lot_asset[:-1]]
    np.put(start, lot_asset[first], (cum - size)[first])
    before = cum - size - start[lot_asset]  # closing units in older lots of the asset
    consumed = np.clip(np.abs(lot_trade) - before, 0.0, size)
    gain = consumed * (price[lot_asset] - lot_price) * np.sign(lot_quantity)
    return np.bincount(lot_asset, weights=gain, minlength=N).astype(np.float64)
