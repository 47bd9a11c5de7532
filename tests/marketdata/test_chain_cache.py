from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
import pytest

from sigmasight.marketdata.cache import CachedPriceService, missing_ranges
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.marketdata.errors import (
    AuthError,
    PartialFetchError,
    ProviderTimeoutError,
    ProviderUnavailable,
)
from sigmasight.marketdata.models import SectorWeight, SecurityProfile

from .conftest import CountingProvider, MemoryPriceStore, price_frame

DEC_START, DEC_END = date(2022, 12, 1), date(2022, 12, 28)


class FailingProvider:
    def __init__(self, name: str, error: Exception) -> None:
        self.name = name
        self.error = error

    def prices(self, symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
        raise self.error

    def profiles(self, symbols: Sequence[str]) -> list[SecurityProfile]:
        raise self.error

    def sector_weights(self, benchmark: str, as_of: date) -> list[SectorWeight]:
        raise self.error


class TableProvider:
    """Serves a fixed frame (used for crafted bad data)."""

    def __init__(self, frame: pd.DataFrame, name: str = "table") -> None:
        self.frame = frame
        self.name = name

    def prices(self, symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
        f = self.frame
        return f.loc[f["symbol"].isin(symbols) & (f["date"] >= start) & (f["date"] <= end)]

    def profiles(self, symbols: Sequence[str]) -> list[SecurityProfile]:
        return []

    def sector_weights(self, benchmark: str, as_of: date) -> list[SectorWeight]:
        return []


def test_chain_falls_through_on_auth_error(demo: DemoProvider) -> None:
    chain = ProviderChain([FailingProvider("fmp", AuthError("key refused")), demo])
    fetch = chain.fetch_prices(["AAPL", "NOPE"], DEC_START, DEC_END)
    assert set(fetch.frame["symbol"]) == {"AAPL"}
    assert fetch.served_by == {"AAPL": "demo"}
    assert fetch.missing == ("NOPE",)
    (failure,) = fetch.failures
    assert (failure.provider, failure.symbols, failure.kind) == (
        "fmp",
        ("AAPL", "NOPE"),
        "AuthError",
    )
    assert failure.message == "key refused"


def test_chain_records_every_kind_of_failure_and_never_raises() -> None:
    chain = ProviderChain(
        [
            FailingProvider("a", ProviderUnavailable("no key")),
            FailingProvider("b", ProviderTimeoutError("timed out")),
            FailingProvider("c", KeyError("unexpected shape")),
        ]
    )
    fetch = chain.fetch_prices(["AAPL"], DEC_START, DEC_END)
    assert fetch.frame.empty
    assert [f.kind for f in fetch.failures] == [
        "ProviderUnavailable",
        "ProviderTimeoutError",
        "KeyError",
    ]
    assert fetch.missing == ("AAPL",)
    profiles = chain.fetch_profiles(["AAPL"])
    assert (profiles.profiles, profiles.missing, len(profiles.failures)) == ([], ("AAPL",), 3)
    weights = chain.fetch_sector_weights("^GSPC", date(2023, 1, 3))
    assert (weights.weights, weights.served_by, len(weights.failures)) == ([], None, 3)


def test_chain_uses_partial_results_and_retries_the_rest(demo: DemoProvider) -> None:
    class HalfProvider(TableProvider):
        def prices(self, symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
            raise PartialFetchError(super().prices(symbols, start, end), {"MSFT": "HTTP 404"})

    only_aapl = demo.prices(["AAPL"], DEC_START, DEC_END).assign(close=1.0, source="half")
    chain = ProviderChain([HalfProvider(only_aapl, "half"), demo])
    fetch = chain.fetch_prices(["AAPL", "MSFT"], DEC_START, DEC_END)
    assert fetch.served_by == {"AAPL": "half", "MSFT": "demo"}
    assert (fetch.frame.loc[fetch.frame["symbol"] == "AAPL", "close"] == 1.0).all()
    assert [(f.provider, f.symbols, f.message) for f in fetch.failures] == [
        ("half", ("MSFT",), "HTTP 404")
    ]


def test_chain_profiles_and_weights_fall_back(demo: DemoProvider) -> None:
    chain = ProviderChain([FailingProvider("fmp", AuthError("no")), demo])
    assert [p.symbol for p in chain.profiles(["MSFT", "ZZZ"])] == ["MSFT"]
    fetch = chain.fetch_sector_weights("SPY", date(2023, 1, 3))
    assert fetch.served_by == "demo"
    assert len(fetch.weights) == 11


def test_missing_ranges_coalesce(calendar: TradingCalendar) -> None:
    sessions = np.asarray(calendar.sessions(DEC_START, DEC_END), dtype="datetime64[D]")
    stored = sessions[[0, 1, 2, 6, 7]]
    assert missing_ranges(sessions, stored) == [
        (date(2022, 12, 6), date(2022, 12, 8)),
        (date(2022, 12, 13), date(2022, 12, 28)),
    ]
    assert missing_ranges(sessions, stored, merge_gap=2) == [
        (date(2022, 12, 6), date(2022, 12, 28))
    ]
    assert missing_ranges(sessions, sessions) == []


def test_second_call_fetches_nothing(demo: DemoProvider, calendar: TradingCalendar) -> None:
    provider = CountingProvider(demo)
    store = MemoryPriceStore()
    service = CachedPriceService(provider, store, calendar)  # type: ignore[arg-type]
    first = service.ensure_prices(["AAPL", "MSFT", "SPY"], DEC_START, DEC_END)
    assert len(provider.calls) == 1  # one request: all three miss the same range
    assert first.rows_stored == 3 * 19
    assert first.unfilled == {}
    assert len(store.rows) == 57
    second = service.ensure_prices(["AAPL", "MSFT", "SPY"], DEC_START, DEC_END)
    assert len(provider.calls) == 1
    assert not second.fetched_anything
    assert (second.rows_fetched, second.rows_stored, store.upserts) == (0, 0, 1)


def test_only_missing_sessions_are_fetched(demo: DemoProvider, calendar: TradingCalendar) -> None:
    provider = CountingProvider(demo)
    store = MemoryPriceStore()
    service = CachedPriceService(provider, store, calendar)  # type: ignore[arg-type]
    service.ensure_prices(["AAPL"], date(2022, 12, 5), date(2022, 12, 9))
    service.ensure_prices(["MSFT"], DEC_START, DEC_END)
    report = service.ensure_prices(["AAPL", "MSFT"], DEC_START, DEC_END)
    assert provider.calls[2:] == [
        (("AAPL",), date(2022, 12, 1), date(2022, 12, 2)),
        (("AAPL",), date(2022, 12, 12), date(2022, 12, 28)),
    ]
    assert report.rows_stored == 2 + 12  # Dec 1-2, then Dec 12-28 (12 sessions)
    assert len(store.rows) == 2 * 19


def test_bad_rows_are_rejected_and_reported(calendar: TradingCalendar) -> None:
    days = calendar.sessions(DEC_START, DEC_END)
    closes = np.linspace(100, 110, len(days))
    closes[4], closes[9] = np.nan, -1.0
    bad = price_frame("BAD", days, closes)
    store = MemoryPriceStore()
    service = CachedPriceService(TableProvider(bad), store, calendar)
    report = service.ensure_prices(["BAD", "GHOST"], DEC_START, DEC_END)
    assert report.rows_rejected == 2
    assert report.rejected["reason"].tolist() == ["NAN_PRICE", "NON_POSITIVE_PRICE"]
    assert report.rows_stored == len(days) - 2
    assert ("BAD", days[4]) not in store.rows
    assert report.missing_symbols == ("GHOST",)
    assert report.unfilled == {"BAD": 2, "GHOST": len(days)}
    assert report.quality is not None
    assert report.quality.counts() == {"NAN_PRICE": 1, "NON_POSITIVE_PRICE": 1}


def test_rows_on_holidays_are_flagged_not_stored(calendar: TradingCalendar) -> None:
    frame = price_frame("HOL", [date(2022, 12, 23), date(2022, 12, 26)], [10.0, 10.5])
    store = MemoryPriceStore()
    service = CachedPriceService(TableProvider(frame), store, calendar)
    report = service.ensure_prices(["HOL"], date(2022, 12, 23), date(2022, 12, 27))
    assert list(store.rows) == [("HOL", date(2022, 12, 23))]
    assert report.rows_ignored == 1
    assert report.quality is not None
    assert report.quality.counts() == {"NOT_A_SESSION": 1}


def test_cache_reports_provider_failures(demo: DemoProvider, calendar: TradingCalendar) -> None:
    chain = ProviderChain([FailingProvider("fmp", AuthError("401")), demo])
    service = CachedPriceService(chain, MemoryPriceStore(), calendar)
    report = service.ensure_prices(["KO"], DEC_START, DEC_END)
    assert report.rows_stored == 19
    assert [(f.provider, f.kind) for f in report.failures] == [("fmp", "AuthError")]


def test_plan_groups_symbols_with_equal_ranges(
    demo: DemoProvider, calendar: TradingCalendar
) -> None:
    store = MemoryPriceStore()
    service = CachedPriceService(demo, store, calendar)
    service.ensure_prices(["PG"], DEC_START, date(2022, 12, 15))
    plan = service.plan(["PG", "KO", "PEP"], DEC_START, DEC_END)
    assert [(r.start, r.end, r.symbols) for r in plan] == [
        (DEC_START, DEC_END, ("KO", "PEP")),
        (date(2022, 12, 16), DEC_END, ("PG",)),
    ]


@pytest.mark.parametrize("bad_end", [date(2040, 1, 1)])
def test_range_outside_calendar_is_an_error(
    demo: DemoProvider, calendar: TradingCalendar, bad_end: date
) -> None:
    service = CachedPriceService(demo, MemoryPriceStore(), calendar)
    with pytest.raises(ValueError, match="outside the trading calendar"):
        service.ensure_prices(["KO"], DEC_START, bad_end)
