"""Rebalancing proposals: constraints never broken, targets in band when reachable, FIFO.

Every check recomputes weights, cash and turnover here from the trades (plain arithmetic),
not with the module's functions.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmasight.analytics import rebalancing as rb

CODES = {
    rb.NO_TRADABLE_HOLDING,
    rb.LOT_SIZE,
    rb.NO_NEW_SHORTS,
    rb.TURNOVER,
    rb.MIN_TRADE,
    rb.CASH,
    rb.UNREACHABLE,
}


def _book(q, p, cash, lot=None, tradable=None, exposure=None):  # type: ignore[no-untyped-def]
    q, p = np.asarray(q, float), np.asarray(p, float)
    n = q.size
    return rb.Book(
        quantity=q,
        price=p,
        exposure_per_unit=p.copy() if exposure is None else np.asarray(exposure, float),
        value_per_unit=p.copy(),
        tradable=np.ones(n, bool) if tradable is None else np.asarray(tradable, bool),
        lot_size=np.ones(n) if lot is None else np.asarray(lot, float),
        cash=float(cash),
    )


def _targets(weight, half, group):  # type: ignore[no-untyped-def]
    w = np.asarray(weight, float)
    return rb.Targets(w, w - half, w + half, np.asarray(group, np.int64))


def _weights_by_hand(book: rb.Book, targets: rb.Targets, trade: np.ndarray, rate: float):  # type: ignore[no-untyped-def]
    nav = book.cash + float(np.sum(book.quantity * book.value_per_unit))
    nav_after = nav - rate * float(np.sum(np.abs(trade * book.price)))
    out = np.zeros(targets.weight.size)
    for i, g in enumerate(targets.group):
        if g >= 0:
            out[g] += (book.quantity[i] + trade[i]) * book.exposure_per_unit[i]
    return out / nav_after


@st.composite
def cases(draw: st.DrawFn, reachable: bool = False):  # type: ignore[no-untyped-def]
    n = draw(st.integers(2, 12))
    k = draw(st.integers(1, n))
    prices = np.array(draw(st.lists(st.floats(5, 500), min_size=n, max_size=n)))
    group = np.array([i % k for i in range(n)])  # every target has members
    if reachable:
        q = np.array(draw(st.lists(st.integers(50, 2_000), min_size=n, max_size=n)), float)
        lot = np.ones(n)
        tradable = np.ones(n, bool)
        raw = np.array(draw(st.lists(st.floats(0.2, 1.0), min_size=k, max_size=k)))
        weight = raw / raw.sum() * draw(st.floats(0.5, 0.95))
        half = np.full(k, 0.01)
        constraints = rb.Constraints(cost_rate=draw(st.sampled_from([0.0, 0.0005, 0.002])))
        cash = draw(st.floats(0, 1e5))
    else:
        q = np.array(draw(st.lists(st.integers(-500, 2_000), min_size=n, max_size=n)), float)
        lot = np.array(draw(st.lists(st.sampled_from([1, 10, 100]), min_size=n, max_size=n)))
        tradable = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        raw = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=k, max_size=k)))
        weight = raw / max(raw.sum(), 1e-9) * draw(st.floats(0.0, 1.0))
        half = np.array(draw(st.lists(st.floats(0.0, 0.05), min_size=k, max_size=k)))
        constraints = rb.Constraints(
            cost_rate=draw(st.sampled_from([0.0, 0.0005, 0.01])),
            min_trade=draw(st.sampled_from([0.0, 1_000.0, 50_000.0])),
            allow_short=draw(st.booleans()),
            max_turnover=draw(st.sampled_from([np.inf, 0.5, 0.05, 0.0])),
            min_cash=draw(st.sampled_from([0.0, 10_000.0])),
        )
        cash = draw(st.floats(-1e4, 5e5))
    book = _book(q, prices, cash, lot, tradable)
    targets = rb.Targets(weight, np.maximum(weight - half, 0), weight + half, group)
    return book, targets, constraints


@settings(max_examples=300, deadline=None)
@given(cases())
def test_a_proposal_never_breaks_a_constraint(case) -> None:  # type: ignore[no-untyped-def]
    book, targets, c = case
    prop = rb.propose(book, targets, c)
    x = prop.trade
    notional = x * book.price
    nav = book.cash + float(book.quantity @ book.value_per_unit)
    assert np.all(x[~book.tradable] == 0)
    lots = x / book.lot_size
    assert np.allclose(lots, np.round(lots), atol=1e-9)
    cash_after = book.cash - notional.sum() - c.cost_rate * np.abs(notional).sum()
    assert cash_after >= min(c.min_cash, book.cash) - 1e-6
    if nav > 0:
        assert np.abs(notional).sum() <= c.max_turnover * nav + 1e-6
    traded = x != 0
    assert np.all(np.abs(notional[traded]) >= c.min_trade)
    if not c.allow_short:
        assert np.all(book.quantity + x >= np.minimum(book.quantity, 0) - 1e-9)
    if nav > 0 and nav - c.cost_rate * np.abs(notional).sum() > 0:
        after = _weights_by_hand(book, targets, x, c.cost_rate)
        inside = (after >= targets.lower - 1e-9) & (after <= targets.upper + 1e-9)
        assert prop.feasible == bool(inside.all())
        np.testing.assert_allclose(prop.weights_after, after, rtol=1e-12, atol=1e-12)
    if not prop.feasible:
        assert prop.reasons
        assert {r.code for r in prop.reasons} <= CODES | {rb.NAV_NOT_POSITIVE}


@settings(max_examples=200, deadline=None)
@given(cases(reachable=True))
def test_every_target_lands_in_band_when_reachable(case) -> None:  # type: ignore[no-untyped-def]
    book, targets, c = case
    prop = rb.propose(book, targets, c)
    assert prop.feasible, prop.reasons
    after = _weights_by_hand(book, targets, prop.trade, c.cost_rate)
    assert np.all(after >= targets.lower - 1e-9)
    assert np.all(after <= targets.upper + 1e-9)
    # Rounding moves each member by at most half a lot (plus the costs' effect on NAV).
    nav = book.cash + float(book.quantity @ book.price)
    slack = np.bincount(targets.group, weights=book.price * book.lot_size) / (2 * nav)
    assert np.all(np.abs(after - targets.weight) <= slack * 1.01 + 2 * c.cost_rate)


def test_each_binding_constraint_is_named() -> None:
    # One stock at 80 % of NAV, target 50 % +/- 2 %: a sale of ~30 % of NAV is needed.
    book = _book([800], [100.0], 20_000)
    targets = _targets([0.5], 0.02, [0])
    assert rb.propose(book, targets, rb.Constraints()).feasible
    for constraints, code in (
        (rb.Constraints(max_turnover=0.1), rb.TURNOVER),
        (rb.Constraints(min_trade=1e6), rb.MIN_TRADE),
    ):
        prop = rb.propose(book, targets, constraints)
        assert not prop.feasible
        assert code in {r.code for r in prop.reasons}
        assert all(r.target == 0 for r in prop.reasons)
    # A buy that cash cannot pay for.
    short_cash = _book([300, 0], [100.0, 50.0], 1_000)
    up = _targets([0.5], 0.02, [-1, 0])  # the holding has no target: only cash pays
    prop = rb.propose(short_cash, up, rb.Constraints())
    assert not prop.feasible
    assert {r.code for r in prop.reasons} == {rb.CASH}
    # A lot larger than the band.
    lots = _book([800], [100.0], 20_000, lot=[1_000])
    assert {r.code for r in rb.propose(lots, targets, rb.Constraints()).reasons} == {rb.LOT_SIZE}
    # Only an option in the group: nothing to trade.
    options = _book([10], [5.0], 100_000, tradable=[False], exposure=[300.0])
    prop = rb.propose(options, _targets([0.5], 0.01, [0]), rb.Constraints())
    assert [r.code for r in prop.reasons] == [rb.NO_TRADABLE_HOLDING]


def test_no_new_short_is_created_unless_allowed() -> None:
    # Target 0 with a band below zero would need a short; the book holds 100 longs.
    book = _book([100], [10.0], 9_000)
    targets = rb.Targets(np.array([-0.1]), np.array([-0.12]), np.array([-0.08]), np.array([0]))
    prop = rb.propose(book, targets, rb.Constraints())
    assert prop.trade[0] == -100
    assert {r.code for r in prop.reasons} == {rb.NO_NEW_SHORTS}
    allowed = rb.propose(book, targets, rb.Constraints(allow_short=True))
    assert allowed.feasible
    assert allowed.trade[0] < -100


def test_a_symbol_target_not_held_is_bought() -> None:
    book = _book([1_000, 0], [50.0, 20.0], 50_000)  # NAV 100,000
    prop = rb.propose(book, _targets([0.5, 0.3], 0.01, [0, 1]), rb.Constraints(cost_rate=0))
    np.testing.assert_array_equal(prop.trade, [0, 1_500])
    assert prop.feasible
    assert prop.cash_after == 20_000


def test_out_of_band_only_leaves_the_others() -> None:
    book = _book([500, 300], [100.0, 100.0], 20_000)  # 50 %, 30 %
    targets = _targets([0.45, 0.3], 0.02, [0, 1])
    prop = rb.propose(book, targets, rb.Constraints(cost_rate=0), out_of_band_only=True)
    assert prop.trade[1] == 0
    assert prop.trade[0] == -50


def _fifo_by_hand(trade, price, lots):  # type: ignore[no-untyped-def]
    """A queue per instrument, oldest lot first."""
    out = np.zeros(len(trade))
    for i, x in enumerate(trade):
        queue = deque([(q, p) for a, q, p in lots if a == i and np.sign(q) == -np.sign(x)])
        left = abs(x)
        while left > 0 and queue:
            q, p = queue.popleft()
            used = min(left, abs(q))
            out[i] += used * (price[i] - p) * np.sign(q)
            left -= used
    return out


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fifo_gain_matches_a_queue(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 6))
    trade = np.array(data.draw(st.lists(st.integers(-300, 300), min_size=n, max_size=n)), float)
    price = np.array(data.draw(st.lists(st.floats(1, 200), min_size=n, max_size=n)))
    lots = data.draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1), st.integers(-100, 100).filter(bool), st.floats(1, 200)
            ),
            max_size=12,
        )
    )
    lots = sorted(lots, key=lambda lot: lot[0])  # by instrument, stable: oldest first
    asset = np.array([a for a, _, _ in lots], np.int64)
    qty = np.array([q for _, q, _ in lots], float)
    cost = np.array([p for _, _, p in lots], float)
    got = rb.fifo_realized_gain(trade, price, asset, qty, cost)
    np.testing.assert_allclose(got, _fifo_by_hand(trade, price, lots), rtol=1e-12, atol=1e-9)


def test_fifo_gain_by_hand() -> None:
    # Lots of 100 @ 10 then 100 @ 20; selling 150 @ 30: 100 x 20 + 50 x 10 = 2,500.
    gain = rb.fifo_realized_gain(
        np.array([-150.0]),
        np.array([30.0]),
        np.array([0, 0]),
        np.array([100.0, 100.0]),
        np.array([10.0, 20.0]),
    )
    assert gain[0] == pytest.approx(2_500.0)
