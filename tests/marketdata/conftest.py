"""Shared fixtures of the market-data tests (all offline)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.marketdata.models import normalise_price_frame

RECORDINGS = Path(__file__).parent / "recordings"


@pytest.fixture(scope="session")
def calendar() -> TradingCalendar:
    return TradingCalendar(date(1990, 1, 1), date(2035, 12, 31))


@pytest.fixture(scope="session")
def demo() -> DemoProvider:
    return DemoProvider()


def price_frame(
    symbol: str, dates: Sequence[date], closes: npt.ArrayLike, **extra: npt.ArrayLike
) -> pd.DataFrame:
    """A standard price frame for one symbol."""
    data: dict[str, object] = {
        "symbol": [symbol] * len(dates),
        "date": list(dates),
        "close": np.asarray(closes, dtype=float),
    }
    data.update({k: np.asarray(v, dtype=float) for k, v in extra.items()})
    return normalise_price_frame(pd.DataFrame(data), source="test")


class MemoryPriceStore:
    """A PriceStore kept in a dict: (symbol, date) -> row."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, date], dict[Hashable, object]] = {}
        self.upserts = 0

    def stored_dates(self, symbols: Sequence[str], start: date, end: date) -> dict[str, set[date]]:
        out: dict[str, set[date]] = {s: set() for s in symbols}
        for symbol, day in self.rows:
            if symbol in out and start <= day <= end:
                out[symbol].add(day)
        return out

    def upsert_prices(self, frame: pd.DataFrame) -> int:
        self.upserts += 1
        for row in frame.to_dict("records"):
            self.rows[(str(row["symbol"]), row["date"])] = row
        return len(frame)


class CountingProvider:
    """Wraps a provider and records every prices() call."""

    def __init__(self, inner: object, name: str = "counting") -> None:
        self.inner = inner
        self.name = name
        self.calls: list[tuple[tuple[str, ...], date, date]] = []

    def prices(self, symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
        self.calls.append((tuple(symbols), start, end))
        return self.inner.prices(symbols, start, end)  # type: ignore[attr-defined, no-any-return]

    def profiles(self, symbols: Sequence[str]) -> list[object]:
        return self.inner.profiles(symbols)  # type: ignore[attr-defined, no-any-return]

    def sector_weights(self, benchmark: str, as_of: date) -> list[object]:
        return self.inner.sector_weights(benchmark, as_of)  # type: ignore[attr-defined, no-any-return]
