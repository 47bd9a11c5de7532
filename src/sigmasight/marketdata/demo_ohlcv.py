"""Offline daily OHLCV for the demo: the S&P 500 and NASDAQ Composite index bars
(1999-01-04 to 2018-12-31) that ship inside the ``arch`` wheel.

The demo's stock files have closes only; these two series give every indicator (ATR,
stochastic, on-balance volume, candlesticks) real bars to work on. They are served under
names that say what they are, so they cannot be mistaken for the closes-only ``^GSPC``.
The gzip CSV files are read straight from arch's package directory, located with
``importlib.util.find_spec`` and not imported (importing arch pulls in statsmodels).
"""

from __future__ import annotations

import functools
import importlib.util
from datetime import date
from pathlib import Path
from typing import Final

import pandas as pd

from sigmasight.marketdata.errors import ProviderError, ProviderUnavailable

#: Demo symbol -> (arch data set, name).
OHLCV_DEMO: Final[dict[str, tuple[str, str]]] = {
    "SPX-OHLC": ("sp500", "S&P 500 index, daily OHLCV 1999-2018 (bundled with arch)"),
    "IXIC-OHLC": ("nasdaq", "NASDAQ Composite, daily OHLCV 1999-2018 (bundled with arch)"),
}
#: The sessions the bundled bars cover.
OHLCV_FIRST, OHLCV_LAST = date(1999, 1, 4), date(2018, 12, 31)
_HINT: Final = "the OHLCV demo series need arch: pip install 'sigmasight[demo]'"
_COLUMNS: Final = {
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Adj Close": "adj_close",
    "Volume": "volume",
}


def arch_data_dir() -> Path:
    spec = importlib.util.find_spec("arch")
    if spec is None or not spec.submodule_search_locations:
        raise ProviderUnavailable(_HINT)
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@functools.lru_cache(maxsize=4)
def ohlcv_bars(symbol: str) -> pd.DataFrame:
    """Every bar of a demo OHLCV symbol: columns date, open, high, low, close,
    adj_close, volume (sorted by date)."""
    dataset, _ = OHLCV_DEMO[symbol]
    path = arch_data_dir() / dataset / f"{dataset}.csv.gz"
    try:
        raw = pd.read_csv(path, parse_dates=["Date"])
    except (OSError, ValueError) as exc:
        raise ProviderError(f"cannot read demo OHLCV file {path}: {exc}") from exc
    frame = raw.rename(columns={"Date": "date", **_COLUMNS})[["date", *_COLUMNS.values()]]
    frame["date"] = frame["date"].dt.date
    return frame.sort_values("date").reset_index(drop=True)


def ohlcv_rows(symbol: str, start: date, end: date) -> pd.DataFrame:
    """Bars of ``symbol`` in ``[start, end]`` labelled with the symbol."""
    bars = ohlcv_bars(symbol)
    kept = bars[(bars["date"] >= start) & (bars["date"] <= end)].copy()
    kept.insert(0, "symbol", symbol)
    return kept
