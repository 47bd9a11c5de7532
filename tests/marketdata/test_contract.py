"""One contract that every provider passes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from sigmasight.domain.enums import AssetType
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.marketdata.files import FilesProvider
from sigmasight.marketdata.models import (
    FLOAT_COLUMNS,
    GICS_SECTORS,
    PRICE_COLUMNS,
    SectorWeight,
    SecurityProfile,
)
from sigmasight.marketdata.protocol import MarketDataProvider
from sigmasight.marketdata.quality import check_prices

from .fakes_http import JAN_END, JAN_START, fmp_provider, yahoo_provider


@dataclass(frozen=True)
class Case:
    make: Callable[[Path], MarketDataProvider]
    known: tuple[str, ...]
    start: date
    end: date
    sessions: int


def _files(tmp_path: Path) -> MarketDataProvider:
    frame = DemoProvider().prices(["AAPL", "MSFT"], date(2022, 11, 1), date(2022, 12, 28))
    path = tmp_path / "prices.parquet"
    frame.drop(columns=["source"]).to_parquet(path)
    securities = tmp_path / "securities.csv"
    securities.write_text("symbol,name,sector\nAAPL,Apple Inc.,Information Technology\n")
    return FilesProvider(path, securities=securities)


CASES = {
    "demo": Case(
        lambda _: DemoProvider(), ("AAPL", "SPY", "MTUM"), date(2022, 12, 1), date(2022, 12, 28), 19
    ),
    "files": Case(_files, ("AAPL", "MSFT"), date(2022, 12, 1), date(2022, 12, 28), 19),
    "fmp": Case(lambda _: fmp_provider(), ("AAPL", "MSFT"), JAN_START, JAN_END, 4),
    "yahoo": Case(lambda _: yahoo_provider(), ("AAPL", "^GSPC"), JAN_START, JAN_END, 4),
}


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[MarketDataProvider, Case]:
    spec = CASES[request.param]
    return spec.make(tmp_path), spec


def test_is_a_market_data_provider(case: tuple[MarketDataProvider, Case]) -> None:
    provider, _ = case
    assert isinstance(provider, MarketDataProvider)
    assert provider.name


def test_price_frame_shape(case: tuple[MarketDataProvider, Case]) -> None:
    provider, spec = case
    frame = provider.prices([*spec.known, "UNKNOWN1"], spec.start, spec.end)
    assert tuple(frame.columns) == PRICE_COLUMNS
    assert all(frame[c].dtype == "float64" for c in FLOAT_COLUMNS)
    assert all(type(d) is date for d in frame["date"])
    assert set(frame["source"]) == {provider.name}
    assert set(frame["symbol"]) == set(spec.known)
    assert frame.groupby("symbol").size().to_dict() == dict.fromkeys(spec.known, spec.sessions)
    assert frame["date"].between(spec.start, spec.end).all()
    assert not frame.duplicated(["symbol", "date"]).any()
    ordered = frame.sort_values(["symbol", "date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), ordered)


def test_prices_pass_quality_checks(
    case: tuple[MarketDataProvider, Case], calendar: TradingCalendar
) -> None:
    provider, spec = case
    frame = provider.prices(list(spec.known), spec.start, spec.end)
    assert check_prices(frame, calendar, max_gap_sessions=0).errors == []


def test_sub_range_is_a_subset(case: tuple[MarketDataProvider, Case]) -> None:
    provider, spec = case
    full = provider.prices(list(spec.known), spec.start, spec.end)
    last_two = provider.prices(list(spec.known), sorted(set(full["date"]))[-2], spec.end)
    assert len(last_two) == 2 * len(spec.known)
    merged = last_two.merge(full, on=["symbol", "date"], suffixes=("", "_full"))
    assert (merged["adj_close"] == merged["adj_close_full"]).all()


def test_unknown_symbols_and_empty_ranges_do_not_crash(
    case: tuple[MarketDataProvider, Case],
) -> None:
    provider, _ = case
    assert provider.prices(["UNKNOWN1"], date(2022, 12, 1), date(2022, 12, 28)).empty
    weekend = provider.prices(["AAPL"], date(2022, 12, 24), date(2022, 12, 26))
    assert weekend.empty
    assert tuple(weekend.columns) == PRICE_COLUMNS


def test_profiles_shape(case: tuple[MarketDataProvider, Case]) -> None:
    provider, spec = case
    profiles = provider.profiles([*spec.known, "UNKNOWN1"])
    assert all(isinstance(p, SecurityProfile) for p in profiles)
    assert {p.symbol for p in profiles} <= set(spec.known)
    assert "AAPL" in {p.symbol for p in profiles}
    for p in profiles:
        assert isinstance(p.asset_type, AssetType)
        assert p.sector is None or p.sector in GICS_SECTORS
        assert p.is_etf == (p.asset_type is AssetType.ETF)
        assert len(p.currency) == 3


def test_through_a_chain(case: tuple[MarketDataProvider, Case]) -> None:
    provider, spec = case
    chain = ProviderChain([provider])
    fetch = chain.fetch_prices([*spec.known, "UNKNOWN1"], spec.start, spec.end)
    assert fetch.missing == ("UNKNOWN1",)
    assert set(fetch.served_by.values()) == {provider.name}
    weights = chain.fetch_sector_weights("^GSPC", date(2023, 1, 31))
    assert all(isinstance(w, SectorWeight) for w in weights.weights)
    if weights.weights:
        assert sum(w.weight for w in weights.weights) == pytest.approx(1.0)
    else:
        # Providers without benchmark weights say so; nothing is raised.
        assert all(f.kind == "NotSupportedError" for f in weights.failures)
