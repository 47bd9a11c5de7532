"""The figures each page shows against an independent recomputation (tests/reference)
from the raw stored closes and positions, not against the API (which reads the same
stored rows as the pages)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import create_engine

from sigmasight.services.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.api.conftest import BATCH_END, BATCH_START
from tests.reference.books import BookReference
from tests.reference.raw import read_raw

BOOKS = (1, 2, 3)
PAST = date(2022, 12, 15)


@pytest.fixture(scope="module")
def books(sqlite_api_url: str) -> BookReference:
    engine = create_engine(sqlite_api_url)
    try:
        return BookReference(read_raw(engine))
    finally:
        engine.dispose()


def _login(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", DEMO_EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/portfolios")


def _value(text: str) -> float:
    """A figure as the page prints it ("1,234", "-0.35", "15.3%") as a number."""
    cleaned = text.strip().replace(",", "").replace("%", "").replace("\u2212", "-")
    return float(cleaned)


def _shows(page: Any, test_id: str, expected: object, digits: int, percent: bool = False) -> None:
    """The page shows ``expected`` rounded to ``digits`` decimals (of percent if asked)."""
    text = str(page.get_by_test_id(test_id).inner_text())
    assert isinstance(expected, float | int), (test_id, expected)
    wanted = 100 * expected if percent else expected
    assert abs(_value(text) - wanted) <= 0.5 * 10**-digits + 1e-9, (test_id, text, wanted)


def _since(page: Any, label: str) -> date:
    found = re.search(rf"{label} since (\d{{4}}-\d{{2}}-\d{{2}})", page.content())
    assert found is not None, label
    return date.fromisoformat(found.group(1))


def _pnl_since(books: BookReference, portfolio: int, first: date, day: date) -> float:
    return books.cumulative_pnl(portfolio, day) - books.cumulative_pnl(
        portfolio, books.previous(first)
    )


def test_portfolio_list_shows_each_books_nav(
    page: Any, live_server: str, books: BookReference
) -> None:
    _login(page, live_server)
    for portfolio in BOOKS:
        _shows(page, f"nav-{portfolio}", books.nav(portfolio, BATCH_END), 0)


@pytest.mark.parametrize("day", [BATCH_END, PAST])
@pytest.mark.parametrize("portfolio", BOOKS)
def test_overview_figures(
    page: Any, live_server: str, books: BookReference, portfolio: int, day: date
) -> None:
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{portfolio}?as_of={day.isoformat()}")
    expected = books.snapshot(portfolio, day)
    assert page.get_by_test_id("as-of").inner_text() == day.isoformat()
    _shows(page, "nav", expected["nav"], 0)
    _shows(page, "pnl-day", expected["daily_pnl"], 0)
    _shows(page, "pnl-mtd", _pnl_since(books, portfolio, _since(page, "MTD"), day), 0)
    _shows(page, "pnl-ytd", _pnl_since(books, portfolio, _since(page, "YTD"), day), 0)
    _shows(page, "beta-weighted", expected["beta_weighted"], 2)
    _shows(page, "beta-direct", expected["beta_direct"], 2)
    _shows(page, "vol21", expected["volatility_21d"], 1, percent=True)


@pytest.mark.parametrize("portfolio", BOOKS)
def test_overview_exposures_by_delta(
    page: Any, live_server: str, books: BookReference, portfolio: int
) -> None:
    """Long, short, gross, net and leverage under issue #13's delta convention (the
    same as today's for books without options)."""
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{portfolio}")
    expected = books.snapshot_new_convention(portfolio, BATCH_END)
    for name in ("long", "short", "gross", "net"):
        _shows(page, name, expected[f"{name}_exposure"], 0)
    _shows(page, "leverage", expected["leverage"], 2)


@pytest.mark.parametrize("portfolio", BOOKS)
def test_holdings_market_values(
    page: Any, live_server: str, books: BookReference, portfolio: int
) -> None:
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{portfolio}/holdings")
    lots = books.held(portfolio, BATCH_END)
    assert lots
    for lot in lots:
        _shows(page, f"mv-{lot.position_id}", lot.market_value, 0)


@pytest.mark.parametrize("portfolio", BOOKS)
def test_risk_figures(page: Any, live_server: str, books: BookReference, portfolio: int) -> None:
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{portfolio}/risk")
    expected = books.snapshot(portfolio, BATCH_END)
    _shows(page, "risk-vol21", expected["volatility_21d"], 1, percent=True)
    _shows(page, "risk-har", expected["volatility_expected_21d"], 1, percent=True)
    _shows(page, "risk-pct", expected["volatility_percentile"], 0)
    _shows(page, "risk-hhi", expected["hhi"], 0)
    page.wait_for_selector("#vol-chart .main-svg")


def test_history_table_rows(page: Any, live_server: str, books: BookReference) -> None:
    """Every row of the long/short fund's history table (December's backfill)."""
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/3/history")
    rows = page.locator("table[data-sortable] tbody tr")
    days = [d for d in books.sessions if BATCH_START <= d <= BATCH_END]
    assert rows.count() == len(days)
    for cells in (rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())):
        day = date.fromisoformat(cells[0].strip())
        expected = books.snapshot(3, day)
        for text, value, digits, scale in (
            (cells[1], expected["nav"], 0, 1),
            (cells[2], expected["daily_pnl"], 0, 1),
            (cells[3], expected["beta_weighted"], 2, 1),
            (cells[4], expected["volatility_21d"], 1, 100),
            (cells[5], expected["hhi"], 0, 1),
        ):
            wanted = scale * float(value)  # type: ignore[arg-type]
            assert abs(_value(text) - wanted) <= 0.5 * 10**-digits + 1e-9, (day, text, wanted)
