"""High, low and volume as session x symbol panels, for the asset-metrics step.

Highs and lows are put on the adjusted-close scale, ``high x adj_close / close``, so that
they are comparable with the adjusted closes every other figure uses (a split or a
dividend adjustment scales the whole bar); volume is stored as reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

FloatArray = npt.NDArray[np.float64]

_SQL = (
    "SELECT symbol, date, high * COALESCE(adj_close, close) / close, "
    "low * COALESCE(adj_close, close) / close, volume FROM daily_prices "
    "WHERE date BETWEEN {mark} AND {mark} AND symbol IN ({marks}) "
    "AND (high IS NOT NULL OR low IS NOT NULL OR volume IS NOT NULL)"
)


@dataclass(frozen=True)
class RangePanels:
    """(T, S) panels on the given sessions, NaN where no value is stored."""

    high: FloatArray
    low: FloatArray
    volume: FloatArray


def range_panels(
    session: Session, symbols: Sequence[str], sessions: npt.NDArray[np.datetime64]
) -> RangePanels:
    """High, low and volume of ``symbols`` on ``sessions`` (datetime64[D], ascending)."""
    shape = (sessions.size, len(symbols))
    panels = [np.full(shape, np.nan) for _ in range(3)]
    if sessions.size == 0 or not symbols:
        return RangePanels(*panels)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _fill_from_arrays(connection, symbols, sessions, panels)
        return RangePanels(*panels)
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = _SQL.format(mark=mark, marks=", ".join([mark] * len(symbols)))
    start, end = (sessions[i].astype(object) for i in (0, -1))
    cursor: Any = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, [start.isoformat(), end.isoformat(), *symbols])
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return RangePanels(*panels)
    names, days, high, low, volume = zip(*rows, strict=True)
    column = {s: i for i, s in enumerate(symbols)}
    cols = np.fromiter((column[n] for n in names), dtype=np.int64, count=len(rows))
    when = np.array([str(d)[:10] for d in days], dtype="datetime64[D]")
    at = np.searchsorted(sessions, when)
    inside = (at < sessions.size) & (sessions[np.minimum(at, sessions.size - 1)] == when)
    for panel, values in zip(panels, (high, low, volume), strict=True):
        numbers = np.array([np.nan if v is None else float(v) for v in values])
        panel[at[inside], cols[inside]] = numbers[inside]
    return RangePanels(*panels)


_PG_SQL = (
    "SELECT symbol, array_agg(date - DATE '1970-01-01'), "
    "array_agg(high * COALESCE(adj_close, close) / close), "
    "array_agg(low * COALESCE(adj_close, close) / close), array_agg(volume::float8) "
    "FROM daily_prices WHERE date BETWEEN %s AND %s AND symbol = ANY(%s) "
    "AND (high IS NOT NULL OR low IS NOT NULL OR volume IS NOT NULL) GROUP BY symbol"
)


def _fill_from_arrays(
    connection: Any,
    symbols: Sequence[str],
    sessions: npt.NDArray[np.datetime64],
    panels: list[FloatArray],
) -> None:
    """PostgreSQL: one row per symbol with its values as arrays (binary), and only the
    rows that have a bar (a closes-only series costs nothing)."""
    start, end = (sessions[i].astype(object) for i in (0, -1))
    driver = connection.connection.driver_connection
    with driver.cursor(binary=True) as cursor:
        cursor.execute(_PG_SQL, (start, end, list(symbols)))
        rows = cursor.fetchall()
    column = {s: i for i, s in enumerate(symbols)}
    day_numbers = sessions.astype("datetime64[D]").astype(np.int64)
    for name, days, *values in rows:
        at = np.searchsorted(day_numbers, np.asarray(days, dtype=np.int64))
        inside = at < day_numbers.size
        inside[inside] &= day_numbers[at[inside]] == np.asarray(days)[inside]
        for panel, series in zip(panels, values, strict=True):
            numbers = np.array([np.nan if v is None else v for v in series], dtype=np.float64)
            panel[at[inside], column[name]] = numbers[inside]
