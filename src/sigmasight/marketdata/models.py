"""Value objects and the price-frame shape shared by every provider.

Price frame
-----------
Every provider returns daily prices as a long ``pandas.DataFrame`` with the columns of
:data:`PRICE_COLUMNS`:

========== ================== =====================================================
column     dtype              meaning
========== ================== =====================================================
symbol     str                ticker as stored (``^GSPC`` for the S&P 500 index)
date       object             ``datetime.date`` of the session
open       float64            NaN when the provider has no open
high       float64            NaN when unknown
low        float64            NaN when unknown
close      float64            close as quoted (for the demo data: adjusted close)
adj_close  float64            close adjusted for splits and dividends
volume     float64            shares traded; NaN when unknown
source     str                provider name
========== ================== =====================================================

Rows are sorted by (symbol, date); a missing value is NaN, never ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

import pandas as pd

from sigmasight.domain.enums import AssetType
from sigmasight.domain.sectors import GICS_SECTORS as GICS_SECTORS  # re-exported

PRICE_COLUMNS: Final = (
    "symbol",
    "date",
    "open",
    "high",
    "low",
    "close",
    "adj_close",
    "volume",
    "source",
)
FLOAT_COLUMNS: Final = ("open", "high", "low", "close", "adj_close", "volume")


@dataclass(frozen=True, slots=True)
class SecurityProfile:
    """What a provider knows about one security."""

    symbol: str
    name: str
    asset_type: AssetType
    sector: str | None
    industry: str | None
    market_cap: float | None
    currency: str
    is_etf: bool


@dataclass(frozen=True, slots=True)
class SectorWeight:
    """Weight of one GICS sector in a benchmark, as published on ``as_of``."""

    benchmark: str
    as_of: date
    sector: str
    weight: float
    market_cap: float | None
    constituents: int | None
    source: str


def empty_price_frame() -> pd.DataFrame:
    """Return a price frame with the standard columns and no rows."""
    return normalise_price_frame(pd.DataFrame({c: [] for c in PRICE_COLUMNS}))


def normalise_price_frame(frame: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
    """Coerce a frame to the standard price-frame shape.

    Missing optional columns are added as NaN; ``adj_close`` defaults to ``close``;
    dates become ``datetime.date``; rows are sorted by (symbol, date).

    Parameters
    ----------
    frame : pandas.DataFrame
        Must hold at least ``symbol``, ``date`` and ``close``.
    source : str, optional
        Value of the ``source`` column when the frame has none.

    Returns
    -------
    pandas.DataFrame
        Columns exactly :data:`PRICE_COLUMNS`, index ``0..n-1``.
    """
    out = frame.copy()
    for column in FLOAT_COLUMNS:
        if column not in out.columns:
            out[column] = float("nan")
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    if "adj_close" not in frame.columns:
        out["adj_close"] = out["close"]
    if "source" not in out.columns or source is not None:
        out["source"] = source if source is not None else ""
    out["symbol"] = out["symbol"].astype(str)
    out["source"] = out["source"].astype(str)
    out["date"] = _as_dates(out["date"])
    out = out.loc[:, list(PRICE_COLUMNS)]
    return out.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)


def _as_dates(values: pd.Series) -> pd.Series:
    if len(values) == 0:
        return pd.Series([], dtype=object, index=values.index)
    return pd.to_datetime(values).dt.date.astype(object)


def unique_symbols(symbols: Iterable[str]) -> list[str]:
    """Upper-case, strip and de-duplicate symbols, keeping their order."""
    seen: dict[str, None] = {}
    for symbol in symbols:
        cleaned = symbol.strip().upper()
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)
