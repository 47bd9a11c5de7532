"""A user's own price history and security list, from CSV or Parquet files.

Price files come in two layouts, detected from the header:

* long: ``symbol, date, close`` and optionally ``open, high, low, adj_close, volume``;
* wide: a ``date`` column and one column of closes per symbol.

Dates are ISO 8601 (``YYYY-MM-DD``). When ``adj_close`` is absent, ``close`` is taken as
already adjusted. An empty price cell becomes NaN and is rejected later by the quality
checks; a cell that is not a number is an error naming the file, row and column
(CSV rows count the header as row 1; Parquet rows count records from 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from sigmasight.domain.enums import AssetType
from sigmasight.marketdata.errors import DataFileError
from sigmasight.marketdata.models import (
    GICS_SECTORS,
    SectorWeight,
    SecurityProfile,
    empty_price_frame,
    normalise_price_frame,
    unique_symbols,
)

_OPTIONAL_LONG: Final = ("open", "high", "low", "adj_close", "volume")
#: A snapshot of weights must sum to 1 within this tolerance (published figures are rounded).
WEIGHT_SUM_TOLERANCE: Final = 0.02


def read_table(path: Path) -> tuple[pd.DataFrame, int]:
    """Read a CSV or Parquet file as strings-or-values, with lower-case column names.

    Returns the frame and the offset that turns a 0-based record index into the row
    number shown in errors.
    """
    suffix = "".join(path.suffixes[-2:]).lower()
    try:
        if suffix.endswith(".parquet") or suffix.endswith(".pq"):
            frame, offset = pd.read_parquet(path), 1
        elif suffix.endswith((".csv", ".csv.gz", ".txt")):
            frame, offset = pd.read_csv(path, dtype=str, keep_default_na=False), 2
        else:
            raise DataFileError(str(path), "unknown file type (expected .csv or .parquet)")
    except DataFileError:
        raise
    except (OSError, ValueError) as exc:
        raise DataFileError(str(path), f"cannot read file: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, offset


def _lower_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={c: c.lower() for c in frame.columns})


def _numbers(frame: pd.DataFrame, column: str, path: Path, offset: int) -> pd.Series:
    raw = frame[column]
    text = raw.astype(str).str.strip()
    blank = raw.isna() | text.eq("") | text.str.lower().isin(["nan", "na", "null", "none"])
    values = pd.to_numeric(raw.where(~blank), errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy() & ~blank.to_numpy())
    if bad.size:
        row = int(bad[0])
        raise DataFileError(
            str(path), f"not a number: {raw.iloc[row]!r}", row=row + offset, column=column
        )
    return values.astype("float64")


def _dates(frame: pd.DataFrame, column: str, path: Path, offset: int) -> pd.Series:
    raw = frame[column]
    parsed = (
        pd.to_datetime(raw, errors="coerce")
        if not pd.api.types.is_string_dtype(raw) and not pd.api.types.is_object_dtype(raw)
        else pd.to_datetime(raw, errors="coerce", format="ISO8601")
    )
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise DataFileError(
            str(path),
            f"not an ISO date (YYYY-MM-DD): {raw.iloc[row]!r}",
            row=row + offset,
            column=column,
        )
    return parsed.dt.date.astype(object)


def parse_price_file(path: Path) -> pd.DataFrame:
    """Read one price file (long or wide layout) into a standard price frame."""
    raw, offset = read_table(path)
    frame = _lower_columns(raw)
    if "date" not in frame.columns:
        raise DataFileError(str(path), "no 'date' column")
    if "symbol" in frame.columns:
        return _parse_long(frame, path, offset)
    return _parse_wide(raw, path, offset)


def _parse_long(frame: pd.DataFrame, path: Path, offset: int) -> pd.DataFrame:
    if "close" not in frame.columns:
        raise DataFileError(str(path), "long format needs a 'close' column")
    symbols = frame["symbol"].astype(str).str.strip().str.upper()
    empty = np.flatnonzero(symbols.eq("").to_numpy())
    if empty.size:
        raise DataFileError(str(path), "empty symbol", row=int(empty[0]) + offset, column="symbol")
    out = pd.DataFrame({"symbol": symbols, "date": _dates(frame, "date", path, offset)})
    for column in ("close", *_OPTIONAL_LONG):
        if column in frame.columns:
            out[column] = _numbers(frame, column, path, offset)
    return normalise_price_frame(out, source="files")


def _parse_wide(raw: pd.DataFrame, path: Path, offset: int) -> pd.DataFrame:
    date_col = next(c for c in raw.columns if c.lower() == "date")
    symbols = [c for c in raw.columns if c != date_col]
    if not symbols:
        raise DataFileError(str(path), "wide format needs one column of closes per symbol")
    dates = _dates(raw, date_col, path, offset)
    parts = [
        pd.DataFrame(
            {"symbol": s.strip().upper(), "date": dates, "close": _numbers(raw, s, path, offset)}
        )
        for s in symbols
    ]
    return normalise_price_frame(pd.concat(parts, ignore_index=True), source="files")


def parse_securities_file(path: Path) -> dict[str, SecurityProfile]:
    """Read ``symbol,name,sector,industry,asset_type,market_cap,currency`` into profiles."""
    raw, offset = read_table(path)
    frame = _lower_columns(raw)
    if "symbol" not in frame.columns:
        raise DataFileError(str(path), "no 'symbol' column")
    caps = (
        _numbers(frame, "market_cap", path, offset)
        if "market_cap" in frame.columns
        else pd.Series(np.nan, index=frame.index)
    )
    out: dict[str, SecurityProfile] = {}
    for i, (record, cap) in enumerate(zip(frame.to_dict("records"), caps, strict=True)):
        profile = _profile_from_record(record, cap, path, i + offset)
        out[profile.symbol] = profile
    return out


def _text(record: Mapping[Any, object], key: str) -> str | None:
    value = record.get(key)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _profile_from_record(
    record: Mapping[Any, object], cap: float, path: Path, row: int
) -> SecurityProfile:
    symbol = (_text(record, "symbol") or "").upper()
    if not symbol:
        raise DataFileError(str(path), "empty symbol", row=row, column="symbol")
    sector = _text(record, "sector")
    if sector is not None and sector not in GICS_SECTORS:
        raise DataFileError(
            str(path),
            f"unknown GICS sector {sector!r}; use one of {GICS_SECTORS}",
            row=row,
            column="sector",
        )
    kind = (_text(record, "asset_type") or AssetType.STOCK.value).upper()
    try:
        asset_type = AssetType(kind)
    except ValueError:
        valid = ", ".join(a.value for a in AssetType)
        raise DataFileError(
            str(path),
            f"unknown asset type {kind!r}; use one of {valid}",
            row=row,
            column="asset_type",
        ) from None
    return SecurityProfile(
        symbol=symbol,
        name=_text(record, "name") or symbol,
        asset_type=asset_type,
        sector=sector,
        industry=_text(record, "industry"),
        market_cap=None if np.isnan(cap) else float(cap),
        currency=(_text(record, "currency") or "USD").upper(),
        is_etf=asset_type is AssetType.ETF,
    )


def parse_sector_weights_file(path: Path) -> list[SectorWeight]:
    """Read ``benchmark,as_of,sector,weight[,market_cap,constituents,source]``.

    Weights are fractions; each (benchmark, as_of) snapshot must sum to 1 within
    :data:`WEIGHT_SUM_TOLERANCE`.
    """
    raw, offset = read_table(path)
    frame = _lower_columns(raw)
    for column in ("benchmark", "as_of", "sector", "weight"):
        if column not in frame.columns:
            raise DataFileError(str(path), f"no {column!r} column")
    frame = frame.assign(
        benchmark=frame["benchmark"].astype(str).str.strip().str.upper(),
        as_of=_dates(frame, "as_of", path, offset),
        weight=_numbers(frame, "weight", path, offset),
    )
    unknown = np.flatnonzero(~frame["sector"].isin(GICS_SECTORS).to_numpy())
    if unknown.size:
        row = int(unknown[0])
        raise DataFileError(
            str(path),
            f"unknown GICS sector {frame['sector'].iloc[row]!r}",
            row=row + offset,
            column="sector",
        )
    sums = frame.groupby(["benchmark", "as_of"])["weight"].sum()
    off = sums[(sums - 1.0).abs() > WEIGHT_SUM_TOLERANCE]
    if len(off):
        bench, day = off.index[0]
        raise DataFileError(
            str(path), f"weights of {bench} on {day} sum to {off.iloc[0]:.4f}, not 1"
        )
    return [
        SectorWeight(
            benchmark=str(r["benchmark"]),
            as_of=r["as_of"],
            sector=str(r["sector"]),
            weight=float(r["weight"]),
            market_cap=None,
            constituents=None,
            source=_text(r, "source") or f"file {path.name}",
        )
        for r in frame.to_dict("records")
    ]


class FilesProvider:
    """Serve prices, profiles and sector weights from local files.

    Parameters
    ----------
    prices : path or sequence of paths, optional
        Price files (long or wide, CSV or Parquet). Duplicates across files are kept
        so that the quality checks can report them.
    securities : path, optional
        Securities file.
    sector_weights : path, optional
        Benchmark sector weights file.
    """

    name = "files"

    def __init__(
        self,
        prices: Path | str | Sequence[Path | str] = (),
        securities: Path | str | None = None,
        sector_weights: Path | str | None = None,
    ) -> None:
        paths = [prices] if isinstance(prices, (str, Path)) else list(prices)
        self.price_paths = [Path(p) for p in paths]
        self.securities_path = Path(securities) if securities is not None else None
        self.weights_path = Path(sector_weights) if sector_weights is not None else None
        self._prices: pd.DataFrame | None = None
        self._profiles: dict[str, SecurityProfile] | None = None
        self._weights: list[SectorWeight] | None = None

    def load_prices(self) -> pd.DataFrame:
        """All rows of all price files (parsed once)."""
        if self._prices is None:
            frames = [parse_price_file(p) for p in self.price_paths]
            frames = [f for f in frames if len(f)]
            self._prices = (
                normalise_price_frame(pd.concat(frames, ignore_index=True))
                if frames
                else empty_price_frame()
            )
        return self._prices

    def prices(self, symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
        frame = self.load_prices()
        mask = (
            frame["symbol"].isin(unique_symbols(symbols))
            & (frame["date"] >= start)
            & (frame["date"] <= end)
        )
        return frame.loc[mask].reset_index(drop=True)

    def profiles(self, symbols: Sequence[str]) -> list[SecurityProfile]:
        if self.securities_path is None:
            return []
        if self._profiles is None:
            self._profiles = parse_securities_file(self.securities_path)
        return [self._profiles[s] for s in unique_symbols(symbols) if s in self._profiles]

    def sector_weights(self, benchmark: str, as_of: date) -> list[SectorWeight]:
        """The latest snapshot of ``benchmark`` published on or before ``as_of``."""
        if self.weights_path is None:
            return []
        if self._weights is None:
            self._weights = parse_sector_weights_file(self.weights_path)
        key = benchmark.strip().upper()
        dates = [w.as_of for w in self._weights if w.benchmark == key and w.as_of <= as_of]
        if not dates:
            return []
        latest = max(dates)
        return [w for w in self._weights if w.benchmark == key and w.as_of == latest]
