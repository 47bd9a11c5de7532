"""Offline demo provider: the real daily prices that ship inside the skfolio wheel.

The three gzip CSV files (20 S&P 500 stocks and the S&P 500 index 1990-2022, five
iShares factor ETFs 2014-2022) are read straight from the installed package directory,
without importing skfolio: importing it would pull scikit-learn and cvxpy and cost
seconds, while the files only need pandas. skfolio is in the optional ``demo`` extra.

The files hold adjusted closes only, so ``close`` and ``adj_close`` carry the same value
and open, high, low and volume are NaN.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.domain.enums import AssetType
from sigmasight.marketdata.demo_ohlcv import OHLCV_DEMO, ohlcv_rows
from sigmasight.marketdata.demo_reference import (
    DEMO_ALIASES,
    DEMO_ETFS,
    DEMO_STOCKS,
    SP500_PUBLISHED_WEIGHTS,
)
from sigmasight.marketdata.errors import ProviderError, ProviderUnavailable
from sigmasight.marketdata.models import (
    SectorWeight,
    SecurityProfile,
    empty_price_frame,
    normalise_price_frame,
    unique_symbols,
)

_FILES: Final = {
    "sp500_dataset.csv.gz": None,  # one column per stock
    "sp500_index.csv.gz": MARKET_INDEX_SYMBOL,  # the single column "SP500" is the index
    "factors_dataset.csv.gz": None,
}
_INSTALL_HINT: Final = "demo data need skfolio: pip install 'sigmasight[demo]'"

Series = tuple[npt.NDArray[np.datetime64], npt.NDArray[np.float64]]


def demo_data_dir() -> Path:
    """Directory of skfolio's bundled CSV files, found without importing skfolio."""
    spec = importlib.util.find_spec("skfolio")
    if spec is None or not spec.submodule_search_locations:
        raise ProviderUnavailable(_INSTALL_HINT)
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    if not path.is_dir():
        raise ProviderUnavailable(f"skfolio is installed but {path} is missing; {_INSTALL_HINT}")
    return path


@functools.lru_cache(maxsize=2)
def load_demo_series(data_dir: Path) -> dict[str, Series]:
    """Parse the demo files once into ``symbol -> (sessions, adjusted closes)``.

    Returns
    -------
    dict[str, tuple[ndarray of datetime64[D] (T,), ndarray of float64 (T,)]]
        Each series sorted by date, NaN rows dropped.
    """
    out: dict[str, Series] = {}
    for filename, rename in _FILES.items():
        path = data_dir / filename
        try:
            wide = pd.read_csv(path, index_col=0, parse_dates=True)
        except (OSError, ValueError) as exc:
            raise ProviderError(f"cannot read demo file {path}: {exc}") from exc
        if rename is not None:
            wide.columns = [rename]
        days = wide.index.to_numpy().astype("datetime64[D]")
        for column in wide.columns:
            values = wide[column].to_numpy(dtype="float64")
            keep = ~np.isnan(values)
            out[str(column)] = (days[keep], values[keep])
    return out


class DemoProvider:
    """Prices, profiles and S&P 500 sector weights for the bundled demo universe.

    Parameters
    ----------
    data_dir : pathlib.Path, optional
        Where the CSV files are; defaults to skfolio's installed package directory.
    """

    name = "demo"

    def __init__(self, data_dir: Path | None = None) -> None:
        self._data_dir = data_dir

    def _series(self) -> dict[str, Series]:
        return load_demo_series(self._data_dir or demo_data_dir())

    @staticmethod
    def resolve(symbol: str) -> str:
        """Symbol whose prices serve ``symbol`` (``SPY``, ``SPX``, ``SP500`` -> ``^GSPC``)."""
        cleaned = symbol.strip().upper()
        alias = DEMO_ALIASES.get(cleaned)
        return alias[2] if alias else cleaned

    def universe(self) -> list[str]:
        """Symbols with prices in the demo data (aliases excluded), sorted."""
        return sorted(self._series())

    def prices(self, symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
        """Adjusted closes of ``symbols`` in ``[start, end]``; rows keep the requested symbol."""
        series = self._series()
        lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
        parts: list[pd.DataFrame] = []
        bars: list[pd.DataFrame] = []
        for symbol in unique_symbols(symbols):
            if symbol in OHLCV_DEMO:
                bars.append(ohlcv_rows(symbol, start, end))
                continue
            found = series.get(self.resolve(symbol))
            if found is None:
                continue
            days, values = found
            i, j = np.searchsorted(days, lo, "left"), np.searchsorted(days, hi, "right")
            if j > i:
                parts.append(
                    pd.DataFrame({"symbol": symbol, "date": days[i:j], "close": values[i:j]})
                )
        # Closes-only and OHLCV rows normalised apart: each fills its own missing fields.
        frames = [
            normalise_price_frame(pd.concat(p, ignore_index=True), source=self.name)
            for p in (parts, bars)
            if p
        ]
        if not frames:
            return empty_price_frame()
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def profiles(self, symbols: Sequence[str]) -> list[SecurityProfile]:
        """Name, GICS sector and industry of each demo symbol (market cap not shipped)."""
        return [p for s in unique_symbols(symbols) if (p := _profile(s)) is not None]

    def sector_weights(self, benchmark: str, as_of: date) -> list[SectorWeight]:
        """The latest published S&P 500 sector weights dated on or before ``as_of``."""
        if self.resolve(benchmark) != MARKET_INDEX_SYMBOL:
            return []
        known = [entry for entry in SP500_PUBLISHED_WEIGHTS if entry[0] <= as_of]
        if not known:
            return []
        published, source, percent = known[-1]
        total = sum(percent.values())
        return [
            SectorWeight(
                benchmark=MARKET_INDEX_SYMBOL,
                as_of=published,
                sector=sector,
                weight=value / total,
                market_cap=None,
                constituents=None,
                source=source,
            )
            for sector, value in percent.items()
        ]


def _profile(symbol: str) -> SecurityProfile | None:
    if symbol in DEMO_STOCKS:
        name, sector, industry = DEMO_STOCKS[symbol]
        return SecurityProfile(symbol, name, AssetType.STOCK, sector, industry, None, "USD", False)
    if symbol in DEMO_ETFS:
        return SecurityProfile(
            symbol, DEMO_ETFS[symbol], AssetType.ETF, None, None, None, "USD", True
        )
    if symbol in OHLCV_DEMO:
        name = OHLCV_DEMO[symbol][1]
        return SecurityProfile(symbol, name, AssetType.INDEX, None, None, None, "USD", False)
    if symbol == MARKET_INDEX_SYMBOL:
        return SecurityProfile(
            symbol, "S&P 500 Index", AssetType.INDEX, None, None, None, "USD", False
        )
    if symbol in DEMO_ALIASES:
        name, asset_type, _ = DEMO_ALIASES[symbol]
        is_etf = asset_type is AssetType.ETF
        return SecurityProfile(symbol, name, asset_type, None, None, None, "USD", is_etf)
    return None
