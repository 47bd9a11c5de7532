"""Market data into storage: the price cache's store, securities, and data checks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from sigmasight.config import Settings
from sigmasight.marketdata.cache import CachedPriceService, CacheReport
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.marketdata.fmp import FMPProvider
from sigmasight.marketdata.protocol import MarketDataProvider
from sigmasight.marketdata.quality import QualityReport, check_prices
from sigmasight.marketdata.yahoo import YahooProvider
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]


class UowPriceStore:
    """The price cache's :class:`~sigmasight.marketdata.protocol.PriceStore` over storage.

    Each upsert is its own unit of work, committed when it succeeds: a load interrupted
    half-way keeps the chunks already stored, and a rerun fetches only the rest.
    """

    def __init__(self, uow_factory: UowFactory) -> None:
        self._uow_factory = uow_factory

    def stored_dates(self, symbols: Sequence[str], start: date, end: date) -> dict[str, set[date]]:
        with self._uow_factory() as uow:
            return uow.prices.stored_dates(symbols, start, end)

    def upsert_prices(self, frame: pd.DataFrame) -> int:
        with self._uow_factory() as uow:
            written = uow.prices.upsert_prices(frame)
            uow.commit()
            return written


def ensure_prices(
    uow_factory: UowFactory,
    chain: ProviderChain,
    calendar: TradingCalendar,
    symbols: Sequence[str],
    start: date,
    end: date,
) -> CacheReport:
    """Fetch only the sessions not yet stored, check them, store the good rows."""
    service = CachedPriceService(chain, UowPriceStore(uow_factory), calendar)
    return service.ensure_prices(symbols, start, end)


def store_profiles(uow_factory: UowFactory, chain: ProviderChain, symbols: Sequence[str]) -> int:
    """Upsert the securities table from the providers' profiles; returns rows written."""
    profiles = chain.profiles(symbols)
    rows = [
        {
            "symbol": p.symbol,
            "name": p.name,
            "asset_type": p.asset_type,
            "sector": p.sector,
            "industry": p.industry,
            "market_cap": p.market_cap,
            "currency": p.currency,
            "is_etf": p.is_etf,
        }
        for p in profiles
    ]
    with uow_factory() as uow:
        written = uow.securities.upsert(rows)
        uow.commit()
    return written


@dataclass(frozen=True)
class StoredSeries:
    symbol: str
    first: date
    last: date
    rows: int


def stored_series(uow_factory: UowFactory) -> list[StoredSeries]:
    with uow_factory() as uow:
        return [StoredSeries(*row) for row in uow.prices.coverage()]


def check_stored_prices(
    uow_factory: UowFactory,
    calendar: TradingCalendar,
    symbols: Sequence[str] | None,
    start: date,
    end: date,
) -> QualityReport:
    """Run the data-quality checks over prices already in the database."""
    with uow_factory() as uow:
        frame = uow.prices.frame(symbols, start, end)
    return check_prices(frame, calendar)


#: What ``data check`` says about symbols whose source gave adjusted closes only.
ADJUSTED_ONLY_LIMITATION = (
    "adjusted closes only (no close as published on the day): their marks are adjusted "
    "closes, so past NAV, P&L and exposures include later dividend adjustments "
    "(docs/methodology.md, Marks)"
)


def adjusted_only_symbols(
    uow_factory: UowFactory, symbols: Sequence[str] | None, start: date, end: date
) -> tuple[str, ...]:
    """Stored symbols none of whose closes differs from its adjusted close (or that have
    no adjusted close): a source that gave one series, such as the bundled demo."""
    with uow_factory() as uow:
        frame = uow.prices.frame(symbols, start, end)
    if frame.empty:
        return ()
    differs = frame["adj_close"].notna() & (frame["close"] != frame["adj_close"])
    any_differs = differs.groupby(frame["symbol"]).any()
    return tuple(sorted(str(s) for s in any_differs.index[~any_differs.to_numpy()]))


def build_provider_chain(settings: Settings) -> ProviderChain:
    """The providers named in ``SIGMASIGHT_MARKET_DATA_PROVIDERS``, in order."""
    providers: list[MarketDataProvider] = []
    for name in (n.strip().lower() for n in settings.market_data_providers.split(",")):
        if name == "demo":
            providers.append(DemoProvider())
        elif name == "fmp":
            providers.append(FMPProvider(settings.fmp_api_key.get_secret_value()))
        elif name == "yahoo":
            providers.append(YahooProvider(enabled=settings.yahoo_enabled))
        elif name:
            raise ValueError(f"unknown market-data provider {name!r} (use demo, fmp, yahoo)")
    return ProviderChain(providers)
