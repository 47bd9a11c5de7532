"""Load what the asset-metrics step needs beyond the run's closes: high, low and volume
on the run's sessions, and the closes 3 and 5 years before each stored session.

The run's panel reaches back :data:`~sigmasight.batch.security.LOOKBACK_SESSIONS`
sessions; the long horizons need closes 756 and 1,260 sessions back. Rather than
loading five years of every symbol, only the sessions those horizons start on are read
(plus the few before them that the forward fill may carry), and filled by the same rule
as the panel, so a daily run and a backfill see the same anchor closes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from sigmasight.analytics.returns import fill_limited
from sigmasight.batch.inputs import AssetPanels, FloatArray
from sigmasight.domain.horizons import RETURN_HORIZONS
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.storage.price_panels import range_panels
from sigmasight.storage.uow import UnitOfWork

#: Must equal ``batch.load.MAX_FILL_SESSIONS`` (the same forward-fill rule).
_MAX_FILL = 3


def history_start(calendar: TradingCalendar, start: date, first: date) -> date:
    """First date whose prices a run fetches: its panel's ``first``, or the start of the
    longest return horizon before ``start`` when that is earlier."""
    longest = max(RETURN_HORIZONS.values()) + _MAX_FILL + 1
    try:
        back = calendar.window_start(calendar.previous_session(start), longest)
    except ValueError:  # the calendar starts later: fetch from its first session
        back = calendar.start
    return min(first, back)


def read_asset_panels(
    uow: UnitOfWork,
    calendar: TradingCalendar,
    symbols: Sequence[str],
    sessions: npt.NDArray[np.datetime64],
    start: date,
) -> Callable[[npt.NDArray[np.bool_]], AssetPanels]:
    """High/low/volume on ``sessions`` (NaN where the close was carried forward) and the
    anchor closes of the horizons longer than the panel, for the rows from ``start``, in
    two steps: the reads now, and a function of the carried-forward mask (known once the
    books' closes are read) that makes the panels."""
    ranges = range_panels(uow.session, symbols, sessions)
    lo = int(np.searchsorted(sessions, np.datetime64(start, "D"), "left"))
    rows = slice(lo, sessions.size)
    anchors: dict[int, FloatArray] = {}
    for lag in sorted(set(RETURN_HORIZONS.values())):
        if lag >= lo:  # the panel does not reach back that far for every row
            anchors[lag] = _anchor_closes(uow, calendar, symbols, sessions[rows], lag)

    def made(filled: npt.NDArray[np.bool_]) -> AssetPanels:
        return AssetPanels(
            high=np.where(filled, np.nan, ranges.high),
            low=np.where(filled, np.nan, ranges.low),
            volume=np.where(filled, np.nan, ranges.volume),
            anchors=anchors,
            rows=rows,
        )

    return made


def _anchor_closes(
    uow: UnitOfWork,
    calendar: TradingCalendar,
    symbols: Sequence[str],
    days: npt.NDArray[np.datetime64],
    lag: int,
) -> FloatArray:
    """Close ``lag`` sessions before each of ``days`` (R, S), forward filled as the
    panel is; NaN before the calendar or the symbol's history."""
    cal = calendar.session_array.astype("datetime64[D]")
    at = np.searchsorted(cal, days) - lag
    out = np.full((days.size, len(symbols)), np.nan)
    inside = at >= 0
    if not inside.any() or days.size == 0:
        return out
    first = max(int(at[inside].min()) - _MAX_FILL, 0)
    grid = cal[first : int(at[inside].max()) + 1]
    panel = uow.prices.close_panel(symbols, grid[0].astype(object), grid[-1].astype(object))
    panel.index = pd.to_datetime(panel.index)
    values = panel.reindex(pd.DatetimeIndex(grid)).to_numpy(dtype=np.float64)
    aligned = fill_limited(values, _MAX_FILL).prices
    out[inside] = aligned[at[inside] - first]
    return out
