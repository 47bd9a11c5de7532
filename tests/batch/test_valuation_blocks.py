"""The block-wise valuations (:func:`daily_returns`, :func:`nav_history`) equal the
lot-by-lot valuation (:func:`value_books`) on the demo books: lots entering and leaving
inside blocks, options, a private holding, an equity flow; spans over several blocks and
starting inside one."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sigmasight.batch.inputs import BatchInputs, FloatArray
from sigmasight.batch.load import build_inputs, load_start, read_books
from sigmasight.batch.security import aligned_returns, security_metrics
from sigmasight.batch.valuation import NAV_BLOCK, daily_returns, nav_history, value_books
from sigmasight.marketdata.calendar import TradingCalendar
from tests.batch.conftest import UowFactory

END = date(2022, 12, 28)


def test_block_valuations_equal_lot_by_lot(demo_db: UowFactory, calendar: TradingCalendar) -> None:
    with demo_db() as uow:
        books = read_books(uow, None)
        first = load_start(books, calendar, date(2022, 1, 3))
        inputs = build_inputs(uow, books, calendar, first, END)
    T = inputs.sessions.size
    assert T > 3 * NAV_BLOCK  # several blocks
    returns = aligned_returns(inputs.prices)
    vol63 = security_metrics(inputs, returns, slice(T - 1, T)).vol63
    assert (inputs.lots.kind != 0).any()  # options or private lots are in the books
    full = value_books(inputs, vol63, slice(0, T))
    nav, inception = nav_history(inputs, vol63, T)
    np.testing.assert_array_equal(np.isnan(nav), np.isnan(full.nav))
    np.testing.assert_allclose(nav, full.nav, rtol=1e-12, atol=1e-6, equal_nan=True)
    np.testing.assert_array_equal(inception, full.inception)
    for rows in (slice(0, T), slice(T - 505, T), slice(NAV_BLOCK + 7, T - 3)):
        got = daily_returns(inputs, vol63, rows)
        expected = value_books(inputs, vol63, rows).daily_return
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14, equal_nan=True)
        assert np.isfinite(got).sum() > 100


def _demo_books(demo_db: UowFactory, calendar: TradingCalendar) -> tuple[BatchInputs, FloatArray]:
    """The demo books' inputs over the lookback of a run on :data:`END`, and vol63."""
    with demo_db() as uow:
        books = read_books(uow, None)
        inputs = build_inputs(uow, books, calendar, load_start(books, calendar, END), END)
    T = inputs.sessions.size
    vol63 = security_metrics(inputs, aligned_returns(inputs.prices), slice(T - 1, T)).vol63
    return inputs, vol63


@pytest.mark.parametrize("stop", [1, NAV_BLOCK, NAV_BLOCK + 1])
def test_short_spans(demo_db: UowFactory, calendar: TradingCalendar, stop: int) -> None:
    inputs, vol63 = _demo_books(demo_db, calendar)
    nav, _ = nav_history(inputs, vol63, stop)
    assert nav.shape == (stop, inputs.portfolios.id.size)
    np.testing.assert_allclose(
        nav, value_books(inputs, vol63, slice(0, stop)).nav, rtol=1e-12, equal_nan=True
    )


def test_the_steps_of_a_partition_share_its_nav_blocks(
    demo_db: UowFactory, calendar: TradingCalendar
) -> None:
    """The risk-metrics step's daily returns read the blocks the performance step's NAV
    history valued (one grid, ``inputs.scratch``); a partition starts with none."""
    inputs, vol63 = _demo_books(demo_db, calendar)
    T = inputs.sessions.size
    nav_history(inputs, vol63, T)
    valued = set(inputs.scratch)
    assert len(valued) == -(-T // NAV_BLOCK)
    daily_returns(inputs, vol63, slice(T - 505, T))
    assert set(inputs.scratch) == valued  # no block valued twice
    assert inputs.subset(np.array([0])).scratch == {}
    assert inputs.subset(np.array([0])).derived is inputs.derived
