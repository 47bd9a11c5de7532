"""Import service: all-or-nothing writes, owner checks, names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from sigmasight.services.portfolios import (
    PortfolioSpec,
    import_portfolio,
    list_portfolios,
    show_portfolio,
)
from sigmasight.storage.models import Portfolio, Position, User
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
TODAY = date(2022, 12, 28)
EQUITY = Decimal("100000")
GOOD = (
    b"Symbol,Quantity,Entry Price Per Share,Entry Date\n"
    b"AAPL,10,150.5,2022-01-03\n"
    b"MSFT,-5,300,2022-02-01\n"
)
BAD = (
    b"Symbol,Quantity,Entry Price Per Share,Entry Date\n"
    b"AAPL,10,150.5,2022-01-03\n"
    b"MSFT,0,300,2022-02-01\n"
    b"JPM,3,-1,2022-02-01\n"
)


def _user(uow_factory: UowFactory, email: str) -> int:
    with uow_factory() as uow:
        user = uow.users.add(User(email=email, password_hash="x", name=email))
        uow.commit()
        return user.id


def _rows(uow_factory: UowFactory) -> tuple[int, int]:
    with uow_factory() as uow:
        portfolios = uow.session.scalar(select(func.count()).select_from(Portfolio))
        positions = uow.session.scalar(select(func.count()).select_from(Position))
        return int(portfolios or 0), int(positions or 0)


def test_good_file_creates_portfolio_and_positions(uow_factory: UowFactory) -> None:
    owner = _user(uow_factory, "a@example.com")
    spec = PortfolioSpec("Core", equity_balance=Decimal("5000.10"))
    outcome = import_portfolio(uow_factory, owner, spec, GOOD, today=TODAY)
    assert outcome.ok
    assert outcome.positions == 2
    assert outcome.portfolio_id is not None
    found = show_portfolio(uow_factory, owner, outcome.portfolio_id)
    assert found is not None
    summary, positions = found
    assert summary.equity_balance == Decimal("5000.10")
    assert [(p.symbol, p.quantity, p.position_type) for p in positions] == [
        ("AAPL", Decimal("10.000000"), "LONG"),
        ("MSFT", Decimal("-5.000000"), "SHORT"),
    ]


def test_bad_file_writes_nothing_and_reports_every_row(uow_factory: UowFactory) -> None:
    owner = _user(uow_factory, "a@example.com")
    outcome = import_portfolio(
        uow_factory, owner, PortfolioSpec("Core", equity_balance=EQUITY), BAD, today=TODAY
    )
    assert not outcome.ok
    assert [(e.row, e.column, e.code) for e in outcome.errors] == [
        (3, "Quantity", "ZERO_QUANTITY"),
        (4, "Entry Price Per Share", "NON_POSITIVE_PRICE"),
    ]
    assert _rows(uow_factory) == (0, 0)


def test_duplicate_name_and_unknown_owner_are_refused(uow_factory: UowFactory) -> None:
    owner = _user(uow_factory, "a@example.com")
    assert import_portfolio(
        uow_factory, owner, PortfolioSpec("Core", equity_balance=EQUITY), GOOD, today=TODAY
    ).ok
    again = import_portfolio(
        uow_factory, owner, PortfolioSpec("Core", equity_balance=EQUITY), GOOD, today=TODAY
    )
    assert [e.code for e in again.errors] == ["PORTFOLIO_EXISTS"]
    nobody = import_portfolio(
        uow_factory, 999, PortfolioSpec("X", equity_balance=EQUITY), GOOD, today=TODAY
    )
    assert [e.code for e in nobody.errors] == ["UNKNOWN_OWNER"]
    blank = import_portfolio(
        uow_factory, owner, PortfolioSpec("  ", equity_balance=EQUITY), GOOD, today=TODAY
    )
    assert [e.code for e in blank.errors] == ["BAD_NAME"]
    assert _rows(uow_factory) == (1, 2)


def test_other_users_portfolios_are_invisible(uow_factory: UowFactory) -> None:
    owner = _user(uow_factory, "a@example.com")
    other = _user(uow_factory, "b@example.com")
    outcome = import_portfolio(
        uow_factory, owner, PortfolioSpec("Core", equity_balance=EQUITY), GOOD, today=TODAY
    )
    assert outcome.portfolio_id is not None
    assert list_portfolios(uow_factory, other) == []
    assert show_portfolio(uow_factory, other, outcome.portfolio_id) is None


def test_values_the_columns_cannot_hold_are_reported_not_crashed(uow_factory: UowFactory) -> None:
    owner = _user(uow_factory, "a@example.com")
    name = "Evergreen Private Credit Opportunities Fund II"  # 46 characters: the column holds 32
    data = (
        "Symbol,Quantity,Entry Price Per Share,Entry Date,Investment Class\n"
        "AAPL,10,150,2022-01-03,PUBLIC\n"
        f"{name},1,2500000,2021-07-01,PRIVATE\n"
    ).encode()
    outcome = import_portfolio(
        uow_factory, owner, PortfolioSpec("Core", equity_balance=EQUITY), data, today=TODAY
    )
    assert [(e.row, e.column, e.code) for e in outcome.errors] == [(3, "Symbol", "OUT_OF_RANGE")]
    assert _rows(uow_factory) == (0, 0)
