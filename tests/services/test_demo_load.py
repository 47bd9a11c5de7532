"""The demo load on SQLite and PostgreSQL: real prices, three books, idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from sigmasight.domain.enums import InvestmentClass, PositionType
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.services.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from sigmasight.services.passwords import verify_password
from sigmasight.storage.models import DailyPrice, Portfolio, Position, Security, User
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
START = date(2022, 6, 1)


@pytest.fixture(scope="module")
def calendar() -> TradingCalendar:
    return TradingCalendar(start=date(2021, 1, 1), end=date(2023, 12, 31))


def _counts(uow_factory: UowFactory) -> dict[str, int]:
    with uow_factory() as uow:
        return {
            model.__tablename__: int(uow.session.scalar(select(func.count()).select_from(model)))
            for model in (User, Portfolio, Position, Security, DailyPrice)
        }


def test_demo_load_is_complete_and_idempotent(
    uow_factory: UowFactory, calendar: TradingCalendar
) -> None:
    first = load_demo(uow_factory, calendar=calendar, start=START)
    sessions = len(calendar.sessions(START, date(2022, 12, 28)))
    assert first.user_created
    assert first.prices.rows_stored == 26 * sessions
    assert first.prices.rows_rejected == 0
    assert set(first.created) == {
        "Diversified Individual",
        "Concentrated Growth",
        "Long/Short Equity Fund",
    }
    counts = _counts(uow_factory)
    assert counts == {
        "users": 1,
        "portfolios": 3,
        "positions": 14 + 6 + 15,
        "securities": 26,
        "daily_prices": 26 * sessions,
    }

    second = load_demo(uow_factory, calendar=calendar, start=START)
    assert not second.user_created
    assert second.created == ()
    assert second.prices.rows_fetched == 0
    assert second.prices.ranges == ()
    assert _counts(uow_factory) == counts


def test_demo_books_hold_what_they_promise(
    uow_factory: UowFactory, calendar: TradingCalendar
) -> None:
    report = load_demo(uow_factory, calendar=calendar, start=START)
    with uow_factory() as uow:
        user = uow.users.get_by_email(DEMO_EMAIL)
        assert user is not None
        assert verify_password(user.password_hash, DEMO_PASSWORD)
        books = {p.name: p for p in uow.portfolios.list_owned(report.user_id)}
        fund = uow.positions.for_portfolio(books["Long/Short Equity Fund"].id)
        types = {p.position_type for p in fund}
        assert {PositionType.SHORT, PositionType.LP, PositionType.SC} <= types
        private = [p for p in fund if p.investment_class is InvestmentClass.PRIVATE]
        assert [(p.symbol, p.quantity) for p in private] == [
            ("Evergreen Private Credit Fund", Decimal("1.000000"))
        ]
        put = next(p for p in fund if p.position_type is PositionType.LP)
        assert (put.underlying_symbol, put.strike, put.expiry) == (
            "AAPL",
            Decimal("120.000000"),
            date(2023, 3, 17),
        )
        individual = uow.positions.for_portfolio(books["Diversified Individual"].id)
        exited = [p.symbol for p in individual if p.exit_date is not None]
        assert exited == ["BAC"]
        spx = uow.prices.close_panel(["^GSPC"], date(2022, 12, 28), date(2022, 12, 28))
        assert spx.iloc[0, 0] == pytest.approx(3783.22)
