"""Repositories and the unit of work on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from sigmasight.domain.enums import (
    AccountType,
    AssetType,
    EquityChangeType,
    InvestmentClass,
    InvestmentSubtype,
    PositionType,
)
from sigmasight.storage import repositories
from sigmasight.storage.history import SecurityMarketBeta
from sigmasight.storage.models import EquityChange, Portfolio, Position, Tag, User
from sigmasight.storage.repositories import upsert_rows
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]


def _user(email: str = "ann@example.com") -> User:
    return User(email=email, password_hash="argon2-hash", name="Ann")


def _seed_portfolio(uow_factory: UowFactory, **overrides: object) -> tuple[int, int]:
    with uow_factory() as uow:
        user = uow.users.add(_user())
        portfolio = uow.portfolios.add(
            Portfolio(owner_id=user.id, name="Core", account_type=AccountType.ROTH_IRA, **overrides)
        )
        uow.commit()
        return user.id, portfolio.id


def test_user_round_trip(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        user_id = uow.users.add(_user()).id
        uow.commit()
    with uow_factory() as uow:
        user = uow.users.get(user_id)
        assert user is not None
        assert (user.email, user.name) == ("ann@example.com", "Ann")
        assert user.created_at.tzinfo is UTC
        assert uow.users.get_by_email("  ANN@example.com ") is user


def test_email_is_unique(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.users.add(_user())
        uow.commit()
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.users.add(_user())


def test_unit_of_work_rolls_back_unless_committed(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.users.add(_user("a@example.com"))

    def fail_midway() -> None:
        with uow_factory() as uow:
            uow.users.add(_user("b@example.com"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_midway()
    with uow_factory() as uow:
        assert uow.session.scalars(select(User)).all() == []


def test_unit_of_work_rolls_back_a_failed_service_midway(uow_factory: UowFactory) -> None:
    """Work flushed before an error inside the same unit is gone, not half-written."""
    _, portfolio_id = _seed_portfolio(uow_factory)

    def import_two() -> None:
        with uow_factory() as uow:
            uow.positions.add_many([_position(portfolio_id, "AAPL", "10")])
            uow.positions.add_many([_position(portfolio_id, "MSFT", "0")])  # quantity <> 0
            uow.commit()

    with pytest.raises(IntegrityError):
        import_two()
    with uow_factory() as uow:
        assert uow.positions.count(portfolio_id) == 0


def _position(portfolio_id: int, symbol: str, quantity: str, **extra: object) -> Position:
    values: dict[str, object] = {
        "portfolio_id": portfolio_id,
        "symbol": symbol,
        "position_type": PositionType.SHORT if quantity.startswith("-") else PositionType.LONG,
        "investment_class": InvestmentClass.PUBLIC,
        "investment_subtype": InvestmentSubtype.STOCK,
        "quantity": Decimal(quantity),
        "entry_price": Decimal("100.25"),
        "entry_date": date(2022, 1, 3),
    }
    values.update(extra)
    return Position(**values)


@pytest.mark.parametrize(
    "value",
    [
        Decimal("0.000001"),
        Decimal("-123456789012.123456"),
        Decimal("999999999999.999999"),
        Decimal("0.1"),
        Decimal("-0.3"),
    ],
)
def test_numeric_round_trip_is_exact(uow_factory: UowFactory, value: Decimal) -> None:
    _, portfolio_id = _seed_portfolio(uow_factory)
    with uow_factory() as uow:
        [position] = uow.positions.add_many([_position(portfolio_id, "AAPL", str(value))])
        uow.commit()
        position_id = position.id
    with uow_factory() as uow:
        stored = uow.session.get(Position, position_id)
        assert stored is not None
        assert stored.quantity == value
        assert stored.quantity.as_tuple().exponent == -6
        assert stored.entry_price == Decimal("100.250000")


def test_numeric_rejects_overflow(uow_factory: UowFactory) -> None:
    _, portfolio_id = _seed_portfolio(uow_factory)
    with uow_factory() as uow, pytest.raises(StatementError, match="exceeds NUMERIC"):
        uow.positions.add_many([_position(portfolio_id, "AAPL", "1000000000000")])


def test_numeric_sums_exactly_in_sql(uow_factory: UowFactory) -> None:
    _, portfolio_id = _seed_portfolio(uow_factory)
    with uow_factory() as uow:
        for amount in ("0.10", "0.20", "1234567890.01"):
            uow.equity_changes.add(
                EquityChange(
                    portfolio_id=portfolio_id,
                    change_type=EquityChangeType.CONTRIBUTION,
                    amount=Decimal(amount),
                    change_date=date(2022, 1, 3),
                )
            )
        uow.commit()
    with uow_factory() as uow:
        amounts = [c.amount for c in uow.equity_changes.for_portfolio(portfolio_id)]
        assert sum(amounts, Decimal(0)) == Decimal("1234567890.31")


def test_enums_round_trip_as_values(uow_factory: UowFactory) -> None:
    _, portfolio_id = _seed_portfolio(uow_factory)
    with uow_factory() as uow:
        option = _position(
            portfolio_id,
            "AAPL220121C00150000",
            "-2",
            position_type=PositionType.SC,
            investment_class=InvestmentClass.OPTIONS,
            investment_subtype=InvestmentSubtype.CALL,
            underlying_symbol="AAPL",
            strike=Decimal("150"),
            expiry=date(2022, 1, 21),
        )
        uow.positions.add_many([option])
        uow.commit()
    with uow_factory() as uow:
        [stored] = uow.positions.for_portfolio(portfolio_id)
        portfolio = uow.portfolios.get(stored.portfolio.owner_id, portfolio_id)
        assert portfolio is not None
        assert portfolio.account_type is AccountType.ROTH_IRA
        assert stored.position_type is PositionType.SC
        assert stored.investment_class is InvestmentClass.OPTIONS
        assert stored.investment_subtype is InvestmentSubtype.CALL
        raw = uow.session.execute(
            select(Position.__table__.c.position_type, Portfolio.__table__.c.account_type).join(
                Portfolio
            )
        ).one()
        assert tuple(raw) == (PositionType.SC, AccountType.ROTH_IRA)


def test_bad_enum_value_is_refused_by_the_database(uow_factory: UowFactory) -> None:
    _, portfolio_id = _seed_portfolio(uow_factory)
    with uow_factory() as uow, pytest.raises((StatementError, LookupError)):
        uow.session.execute(
            Position.__table__.insert().values(
                portfolio_id=portfolio_id,
                symbol="X",
                position_type="SIDEWAYS",
                investment_class="PUBLIC",
                quantity=Decimal(1),
                entry_price=Decimal(1),
                entry_date=date(2022, 1, 3),
                created_at=datetime(2022, 1, 3, tzinfo=UTC),
            )
        )


def test_portfolios_are_scoped_to_their_owner(uow_factory: UowFactory) -> None:
    owner_id, portfolio_id = _seed_portfolio(uow_factory)
    with uow_factory() as uow:
        other = uow.users.add(_user("bob@example.com"))
        uow.commit()
        assert uow.portfolios.get(other.id, portfolio_id) is None
        assert uow.portfolios.list_owned(other.id) == []
        assert [p.id for p in uow.portfolios.list_owned(owner_id)] == [portfolio_id]


def test_soft_deleted_portfolio_is_hidden_and_its_name_reusable(uow_factory: UowFactory) -> None:
    owner_id, portfolio_id = _seed_portfolio(uow_factory)
    with uow_factory() as uow:
        portfolio = uow.portfolios.get(owner_id, portfolio_id)
        assert portfolio is not None
        uow.portfolios.soft_delete(portfolio, datetime(2022, 6, 1, tzinfo=UTC))
        uow.commit()
    with uow_factory() as uow:
        assert uow.portfolios.get(owner_id, portfolio_id) is None
        uow.portfolios.add(Portfolio(owner_id=owner_id, name="Core"))
        uow.commit()
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.portfolios.add(Portfolio(owner_id=owner_id, name="Core"))


def test_positions_held_on_a_date(uow_factory: UowFactory) -> None:
    _, portfolio_id = _seed_portfolio(uow_factory)
    with uow_factory() as uow:
        uow.positions.add_many(
            [
                _position(portfolio_id, "AAPL", "10"),
                _position(portfolio_id, "MSFT", "-5", entry_date=date(2022, 2, 1)),
                _position(
                    portfolio_id,
                    "JPM",
                    "3",
                    exit_date=date(2022, 1, 31),
                    exit_price=Decimal("150"),
                ),
            ]
        )
        uow.commit()
    with uow_factory() as uow:
        held = {
            p.symbol for p in uow.positions.for_portfolio(portfolio_id, held_on=date(2022, 1, 31))
        }
        assert held == {"AAPL"}  # JPM exited at that close, MSFT not yet entered
        held = {
            p.symbol for p in uow.positions.for_portfolio(portfolio_id, held_on=date(2022, 1, 28))
        }
        assert held == {"AAPL", "JPM"}


def test_tags_link_positions(uow_factory: UowFactory) -> None:
    owner_id, portfolio_id = _seed_portfolio(uow_factory)
    with uow_factory() as uow:
        tag = uow.tags.add(Tag(user_id=owner_id, name="core", color="#112233"))
        [position] = uow.positions.add_many([_position(portfolio_id, "AAPL", "10")])
        position.tags.append(tag)
        uow.commit()
    with uow_factory() as uow:
        [stored] = uow.positions.for_portfolio(portfolio_id)
        assert [t.name for t in stored.tags] == ["core"]
        assert [t.color for t in uow.tags.for_user(owner_id)] == ["#112233"]


def test_price_upsert_inserts_then_updates(uow_factory: UowFactory) -> None:
    days = pd.bdate_range("2022-01-03", periods=5)
    frame = pd.DataFrame(
        {
            "symbol": ["AAPL"] * 5 + ["MSFT"] * 5,
            "date": [d.date() for d in days] * 2,
            "close": [float(i + 1) for i in range(10)],
            "volume": [100, None, 300, 400, 500] * 2,
            "source": "test",
        }
    )
    with uow_factory() as uow:
        assert uow.prices.upsert_prices(frame) == 10
        uow.commit()
    revised = frame.iloc[:2].assign(close=[42.0, 43.0], adj_close=[41.5, 42.5], source="fix")
    with uow_factory() as uow:
        uow.prices.upsert_prices(revised)
        uow.commit()
    with uow_factory() as uow:
        assert uow.prices.count() == 10
        stored = uow.prices.stored_dates(["AAPL", "GOOG"], date(2022, 1, 1), date(2022, 1, 5))
        assert stored == {
            "AAPL": {date(2022, 1, 3), date(2022, 1, 4), date(2022, 1, 5)},
            "GOOG": set(),
        }
        panel = uow.prices.close_panel(["MSFT", "AAPL"], date(2022, 1, 3), date(2022, 1, 7))
        assert list(panel.columns) == ["MSFT", "AAPL"]
        assert panel["AAPL"].tolist() == [41.5, 42.5, 3.0, 4.0, 5.0]
        assert panel["MSFT"].tolist() == [6.0, 7.0, 8.0, 9.0, 10.0]


def test_price_upsert_in_many_chunks(uow_factory: UowFactory) -> None:
    days = pd.bdate_range("2000-01-03", periods=5_000)
    frame = pd.DataFrame(
        {"symbol": "SPY", "date": days.date, "close": range(1, 5_001), "source": "test"}
    )
    with uow_factory() as uow:
        uow.prices.upsert_prices(frame)
        uow.prices.upsert_prices(frame)
        uow.commit()
    with uow_factory() as uow:
        assert uow.prices.count() == 5_000


def test_non_positive_close_is_refused(uow_factory: UowFactory) -> None:
    frame = pd.DataFrame(
        {"symbol": ["X"], "date": [date(2022, 1, 3)], "close": [0.0], "source": "test"}
    )
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.prices.upsert_prices(frame)


def test_security_upsert(uow_factory: UowFactory) -> None:
    row = {
        "symbol": "AAPL",
        "name": "Apple Inc.",
        "asset_type": AssetType.STOCK,
        "sector": "Information Technology",
        "industry": "Technology Hardware",
        "market_cap": 2.0e12,
        "currency": "USD",
        "is_etf": False,
    }
    with uow_factory() as uow:
        uow.securities.upsert([row])
        uow.securities.upsert([{**row, "market_cap": 2.1e12}])
        uow.commit()
    with uow_factory() as uow:
        [security] = uow.securities.find()
        assert (security.symbol, security.asset_type, security.market_cap) == (
            "AAPL",
            AssetType.STOCK,
            2.1e12,
        )


def test_find_securities_among_many_symbols(uow_factory: UowFactory) -> None:
    """The symbols go to PostgreSQL as one array parameter (``= ANY``), to SQLite as an
    IN list: the same rows either way, none for an empty list."""
    base = {"asset_type": AssetType.STOCK, "currency": "USD", "is_etf": False}
    with uow_factory() as uow:
        uow.securities.upsert([{**base, "symbol": s, "name": s} for s in ("A", "B", "C")])
        uow.commit()
    with uow_factory() as uow:
        wanted = ["C", "A", *(f"X{k}" for k in range(3_000))]
        assert [s.symbol for s in uow.securities.find(wanted)] == ["A", "C"]
        assert uow.securities.find([]) == []
        assert [s.symbol for s in uow.securities.find(None)] == ["A", "B", "C"]


def _beta_rows(days: list[date], beta: float) -> list[dict[str, object]]:
    return [
        {
            "symbol": "AAPL",
            "calc_date": day,
            "method": "ols",
            "window": 90,
            "market_index": "^GSPC",
            "beta": beta,
            "beta_uncapped": beta,
            "capped": False,
            "alpha": None,
            "r_squared": 0.5,
            "std_error": 0.1,
            "t_stat": 10.0,
            "p_value": 1e-6,
            "observations": 90,
            "reason": "OK",
        }
        for day in days
    ]


@pytest.mark.parametrize("chunk", [2, 10_000])
def test_bulk_upsert_new_rows_then_overlap(
    uow_factory: UowFactory, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """New rows, then a chunk whose first key is new but a later one exists (a resumed
    run), then a pure rerun: every key once, with the latest values; None stays NULL.
    On PostgreSQL the second write tries the straight COPY, meets the existing key and
    falls back to the upsert within its savepoint."""
    monkeypatch.setattr(repositories, "UPSERT_CHUNK", chunk)
    key = ("symbol", "calc_date", "method", "window", "market_index")
    days = [date(2024, 1, d) for d in range(2, 9)]
    with uow_factory() as uow:
        assert upsert_rows(uow.session, SecurityMarketBeta, _beta_rows(days[3:5], 1.0), key=key)
        uow.commit()
    with uow_factory() as uow:
        upsert_rows(uow.session, SecurityMarketBeta, _beta_rows(days, 2.0), key=key)
        uow.commit()
    with uow_factory() as uow:
        upsert_rows(uow.session, SecurityMarketBeta, _beta_rows(days[:2], 3.0), key=key)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.session.execute(
            select(
                SecurityMarketBeta.calc_date, SecurityMarketBeta.beta, SecurityMarketBeta.alpha
            ).order_by(SecurityMarketBeta.calc_date)
        ).all()
    assert [(d, b) for d, b, _ in stored] == [(d, 3.0 if d < days[2] else 2.0) for d in days]
    assert all(alpha is None for _, _, alpha in stored)


def test_repeated_dates_and_strings_convert_once_each_alike() -> None:
    calls: list[object] = []

    def process(v: object) -> object:
        calls.append(v)
        return None if v is None else f"<{v}>"

    days = [date(2022, 12, 27), date(2022, 12, 28), None] * 100
    assert repositories._once_each(process, days) == [process(v) for v in days]
    assert len(calls) == 3 + 300  # once per distinct value, then the reference
    calls.clear()
    few = [date(2022, 1, 3), date(2022, 1, 4)]  # no repeats: one by one
    assert repositories._once_each(process, few) == ["<2022-01-03>", "<2022-01-04>"]
    assert len(calls) == 2


def test_bulk_upsert_writes_repeated_dates_as_given(uow_factory: UowFactory) -> None:
    days = [date(2022, 12, 1 + k % 5) for k in range(10)]
    rows = [{**row, "symbol": f"S{k}"} for k, row in enumerate(_beta_rows(days, 1.0))]
    key = ("symbol", "calc_date", "method", "window", "market_index")
    with uow_factory() as uow:
        upsert_rows(uow.session, SecurityMarketBeta, rows, key=key)
        uow.commit()
    with uow_factory() as uow:
        got = uow.session.execute(select(SecurityMarketBeta.symbol, SecurityMarketBeta.calc_date))
        stored = dict(got.all())
    assert stored == {f"S{k}": d for k, d in enumerate(days)}


@pytest.mark.parametrize("spread", [30, 10_000_000])  # a dense span, and far-apart days
def test_distinct_days_equal_numpy_unique(spread: int) -> None:
    rng = np.random.default_rng(spread)
    days = rng.integers(18_000, 18_000 + spread, 5_000)
    found, at = repositories.distinct_days(days)
    expected, inverse = np.unique(days, return_inverse=True)
    np.testing.assert_array_equal(found, expected)
    np.testing.assert_array_equal(at, inverse)
    np.testing.assert_array_equal(found[at], days)
    empty, none = repositories.distinct_days(np.zeros(0, dtype=np.int64))
    assert empty.size == 0
    assert none.size == 0
