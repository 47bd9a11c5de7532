"""Portfolio use cases: import a file all-or-nothing, list and show portfolios."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.domain.enums import AccountType
from sigmasight.domain.numbers import AmountError, parse_amount
from sigmasight.domain.positions import ParsedPosition
from sigmasight.services.portfolio_import import RowError, parse_portfolio_csv
from sigmasight.services.resources.position_rules import storage_errors
from sigmasight.storage.models import Portfolio, Position
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

#: Errors about the import as a whole (not a row of the file) use row 0.
PORTFOLIO_EXISTS = "PORTFOLIO_EXISTS"
UNKNOWN_OWNER = "UNKNOWN_OWNER"
BAD_NAME = "BAD_NAME"
NON_POSITIVE_EQUITY = "NON_POSITIVE_EQUITY"


#: Equity is NUMERIC(18, 2): 16 digits before the point, 2 after.
EQUITY_PLACES, EQUITY_DIGITS = 2, 16


def parse_equity(text: str) -> Decimal:
    """Starting equity as typed in a form or on the command line: required, a plain ASCII
    decimal that the column keeps exactly (2 decimals, below 10^16), and greater than
    zero, since it is the book's NAV at inception (docs/methodology.md, "Starting
    equity"): a book with no equity has no NAV to weigh its positions by.

    Raises ``AmountError`` (a ``ValueError``) with a sentence for the user."""
    if not text.strip():
        raise AmountError(
            "Starting equity is required: the account's value (NAV) when its first position "
            "was entered, e.g. 250000."
        )
    return parse_amount(
        text,
        places=EQUITY_PLACES,
        integer_digits=EQUITY_DIGITS,
        above=Decimal(0),
        what="Starting equity",
    )


@dataclass(frozen=True)
class PortfolioSpec:
    """What a new portfolio is called and how it is set up."""

    name: str
    account_type: AccountType = AccountType.TAXABLE
    equity_balance: Decimal = Decimal(0)
    base_currency: str = "USD"
    primary_benchmark: str = MARKET_INDEX_SYMBOL
    description: str | None = None


@dataclass(frozen=True)
class ImportOutcome:
    """Either the new portfolio's id and position count, or every error (nothing written)."""

    portfolio_id: int | None
    positions: int
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def import_portfolio(
    uow_factory: UowFactory, owner_id: int, spec: PortfolioSpec, data: bytes, *, today: date
) -> ImportOutcome:
    """Create a portfolio from a CSV file in one transaction: all rows or none."""
    name = spec.name.strip()
    if not name or len(name) > 200 or "\x00" in name:
        return _refused(BAD_NAME, "A portfolio name needs 1 to 200 characters, none of them NUL.")
    if not spec.equity_balance > 0:
        return _refused(
            NON_POSITIVE_EQUITY,
            f"Starting equity is {spec.equity_balance}; the book's NAV at inception must be "
            "greater than zero.",
        )
    parsed = parse_portfolio_csv(data, today=today)
    if not parsed.ok:
        return ImportOutcome(None, 0, parsed.errors)
    # What the file format allows but the columns cannot hold (e.g. a long private name).
    too_large = [e for p in parsed.positions for e in storage_errors(p)]
    if too_large:
        return ImportOutcome(None, 0, tuple(too_large))
    with uow_factory() as uow:
        if uow.users.get(owner_id) is None:
            return _refused(UNKNOWN_OWNER, f"There is no user with id {owner_id}.")
        if uow.portfolios.get_by_name(owner_id, name) is not None:
            return _refused(PORTFOLIO_EXISTS, f"You already have a portfolio named {name!r}.")
        portfolio = uow.portfolios.add(
            Portfolio(
                owner_id=owner_id,
                name=name,
                account_type=spec.account_type,
                equity_balance=spec.equity_balance,
                base_currency=spec.base_currency,
                primary_benchmark=spec.primary_benchmark,
                description=spec.description,
            )
        )
        uow.positions.add_many(_to_row(portfolio.id, p) for p in parsed.positions)
        uow.commit()
        return ImportOutcome(portfolio.id, len(parsed.positions), ())


def _refused(code: str, message: str) -> ImportOutcome:
    return ImportOutcome(None, 0, (RowError(row=0, column=None, code=code, message=message),))


def _to_row(portfolio_id: int, parsed: ParsedPosition) -> Position:
    return Position(
        portfolio_id=portfolio_id,
        symbol=parsed.symbol,
        position_type=parsed.position_type,
        investment_class=parsed.investment_class,
        investment_subtype=parsed.investment_subtype,
        quantity=parsed.quantity,
        entry_price=parsed.entry_price,
        entry_date=parsed.entry_date,
        exit_price=parsed.exit_price,
        exit_date=parsed.exit_date,
        underlying_symbol=parsed.underlying_symbol,
        strike=parsed.strike,
        expiry=parsed.expiry,
        modified_duration=parsed.modified_duration,
        convexity=parsed.convexity,
    )


@dataclass(frozen=True)
class PortfolioSummary:
    id: int
    name: str
    account_type: AccountType
    equity_balance: Decimal
    benchmark: str
    positions: int


def list_portfolios(uow_factory: UowFactory, owner_id: int) -> list[PortfolioSummary]:
    with uow_factory() as uow:
        return [
            PortfolioSummary(
                p.id,
                p.name,
                p.account_type,
                p.equity_balance,
                p.primary_benchmark,
                uow.positions.count(p.id),
            )
            for p in uow.portfolios.list_owned(owner_id)
        ]


@dataclass(frozen=True)
class PositionView:
    id: int
    symbol: str
    position_type: str
    investment_class: str
    quantity: Decimal
    entry_price: Decimal
    entry_date: date
    exit_price: Decimal | None
    exit_date: date | None
    underlying_symbol: str | None
    strike: Decimal | None
    expiry: date | None


def show_portfolio(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int
) -> tuple[PortfolioSummary, list[PositionView]] | None:
    """A portfolio and its live positions, or ``None`` if the owner has no such portfolio."""
    with uow_factory() as uow:
        portfolio = uow.portfolios.get(owner_id, portfolio_id)
        if portfolio is None:
            return None
        positions = uow.positions.for_portfolio(portfolio.id)
        summary = PortfolioSummary(
            portfolio.id,
            portfolio.name,
            portfolio.account_type,
            portfolio.equity_balance,
            portfolio.primary_benchmark,
            len(positions),
        )
        views = [
            PositionView(
                p.id,
                p.symbol,
                p.position_type.value,
                p.investment_class.value,
                p.quantity,
                p.entry_price,
                p.entry_date,
                p.exit_price,
                p.exit_date,
                p.underlying_symbol,
                p.strike,
                p.expiry,
            )
            for p in positions
        ]
        return summary, views
