"""The demo: real bundled prices, a demo user and three realistic portfolios."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib.resources import files

from sigmasight.domain.enums import AccountType
from sigmasight.marketdata.cache import CacheReport
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.services.market_data import ensure_prices, store_profiles
from sigmasight.services.passwords import hash_password
from sigmasight.services.portfolios import ImportOutcome, PortfolioSpec, import_portfolio
from sigmasight.storage.models import User
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

#: The last session in the bundled data: the demo's "today".
DEMO_AS_OF = date(2022, 12, 28)
#: First date loaded by default: enough history for a year of backfill with a full
#: year of returns behind every volatility percentile.
DEMO_START = date(2019, 1, 2)
#: The demo's backfill: the last year of the bundled data.
DEMO_BACKFILL_START = date(2022, 1, 3)
DEMO_EMAIL = "demo@sigmasight.dev"
#: A published demo credential for the local demo database only.
DEMO_PASSWORD = "sigmasight-demo"


@dataclass(frozen=True)
class DemoBook:
    file: str
    spec: PortfolioSpec


DEMO_BOOKS = (
    DemoBook(
        "individual_diversified.csv",
        PortfolioSpec(
            "Diversified Individual",
            AccountType.TAXABLE,
            Decimal("210000.00"),
            description="Dividend payers with quality and low-volatility ETFs.",
        ),
    ),
    DemoBook(
        "concentrated_growth.csv",
        PortfolioSpec(
            "Concentrated Growth",
            AccountType.ROTH_IRA,
            Decimal("375000.00"),
            description="Six positions, technology and health care heavy.",
        ),
    ),
    DemoBook(
        "long_short_fund.csv",
        PortfolioSpec(
            "Long/Short Equity Fund",
            AccountType.OTHER,
            Decimal("6000000.00"),
            description="Long quality and energy, short cyclicals, an index-like put "
            "hedge, a covered-call overwrite and a private credit holding.",
        ),
    ),
)


@dataclass(frozen=True)
class DemoReport:
    user_id: int
    user_created: bool
    securities: int
    prices: CacheReport
    created: tuple[str, ...]
    existing: tuple[str, ...]


def demo_book_csv(file: str) -> bytes:
    return files("sigmasight.services.demo_books").joinpath(file).read_bytes()


def ensure_demo_user(uow_factory: UowFactory) -> tuple[int, bool]:
    """The demo user's id, creating the user on first use."""
    with uow_factory() as uow:
        user = uow.users.get_by_email(DEMO_EMAIL)
        if user is not None:
            return user.id, False
        user = uow.users.add(
            User(email=DEMO_EMAIL, password_hash=hash_password(DEMO_PASSWORD), name="Demo User")
        )
        uow.commit()
        return user.id, True


def load_demo(
    uow_factory: UowFactory,
    *,
    provider: DemoProvider | None = None,
    calendar: TradingCalendar | None = None,
    start: date = DEMO_START,
    as_of: date = DEMO_AS_OF,
) -> DemoReport:
    """Load demo securities, prices and portfolios; a second run changes nothing."""
    provider = provider or DemoProvider()
    calendar = calendar or TradingCalendar()
    chain = ProviderChain([provider])
    universe = provider.universe()
    securities = store_profiles(uow_factory, chain, universe)
    prices = ensure_prices(uow_factory, chain, calendar, universe, start, as_of)
    user_id, user_created = ensure_demo_user(uow_factory)
    created: list[str] = []
    existing: list[str] = []
    for book in DEMO_BOOKS:
        outcome = _import_book(uow_factory, user_id, book, as_of)
        (created if outcome.ok else existing).append(book.spec.name)
    return DemoReport(user_id, user_created, securities, prices, tuple(created), tuple(existing))


def _import_book(
    uow_factory: UowFactory, user_id: int, book: DemoBook, as_of: date
) -> ImportOutcome:
    outcome = import_portfolio(
        uow_factory, user_id, book.spec, demo_book_csv(book.file), today=as_of
    )
    if not outcome.ok and outcome.errors[0].code != "PORTFOLIO_EXISTS":
        raise RuntimeError(f"demo book {book.file} failed to import: {outcome.errors}")
    return outcome
