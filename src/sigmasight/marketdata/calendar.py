"""NYSE trading sessions from ``exchange_calendars`` (works offline).

Windows everywhere in SigmaSight count these sessions, not calendar days.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

#: First day of the calendar by default: the demo data start on 1990-01-02.
DEFAULT_CALENDAR_START: Final = date(1990, 1, 1)
#: Last day by default. Passed explicitly so the calendar never depends on today's date.
DEFAULT_CALENDAR_END: Final = date(2035, 12, 31)

DateArray = npt.NDArray[np.datetime64]


@functools.lru_cache(maxsize=8)
def _xnys_sessions(start: date, end: date) -> DateArray:
    import exchange_calendars as xcals

    # exchange_calendars 4.x reads tz-aware Series.values, deprecated by pandas 3.1.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="Series.values returning an ndarray that drops timezone",
            category=DeprecationWarning,
        )
        calendar = xcals.get_calendar("XNYS", start=start.isoformat(), end=end.isoformat())
        sessions = calendar.sessions
    return np.asarray(sessions.values.astype("datetime64[D]"))


def to_day_array(dates: Iterable[date] | pd.Series) -> DateArray:
    """Convert dates (``datetime.date``, strings or timestamps) to ``datetime64[D]``."""
    return np.asarray(pd.to_datetime(pd.Series(list(dates), dtype=object)).values).astype(
        "datetime64[D]"
    )


class TradingCalendar:
    """NYSE (XNYS) sessions between ``start`` and ``end``.

    The session list is built once per (start, end) and cached; every query is a
    binary search over it.

    Parameters
    ----------
    start, end : datetime.date
        Range the calendar covers. Always explicit: ``exchange_calendars`` would
        otherwise default to 20 years back and one year past today.
    """

    def __init__(
        self, start: date = DEFAULT_CALENDAR_START, end: date = DEFAULT_CALENDAR_END
    ) -> None:
        if end <= start:
            raise ValueError(f"calendar end {end} must be after start {start}")
        self.start = start
        self.end = end
        self._sessions = _xnys_sessions(start, end)

    @property
    def session_array(self) -> DateArray:
        """All sessions, shape (S,), ``datetime64[D]``, ascending (read-only view)."""
        view = self._sessions.view()
        view.flags.writeable = False
        return view

    def _check(self, day: date) -> np.datetime64:
        if not self.start <= day <= self.end:
            raise ValueError(f"{day} is outside the trading calendar {self.start}..{self.end}")
        return np.datetime64(day, "D")

    def sessions(self, start: date, end: date) -> list[date]:
        """Sessions ``s`` with ``start <= s <= end``."""
        lo, hi = self._bounds(start, end)
        return [d.astype(object) for d in self._sessions[lo:hi]]

    def _bounds(self, start: date, end: date) -> tuple[int, int]:
        lo = int(np.searchsorted(self._sessions, self._check(start), side="left"))
        hi = int(np.searchsorted(self._sessions, self._check(end), side="right"))
        return lo, max(lo, hi)

    def sessions_between(self, start: date, end: date) -> int:
        """Number of sessions in ``[start, end]`` (both ends included)."""
        lo, hi = self._bounds(start, end)
        return hi - lo

    def is_session(self, day: date) -> bool:
        """Whether the NYSE is open on ``day``."""
        target = self._check(day)
        i = int(np.searchsorted(self._sessions, target))
        return i < self._sessions.size and self._sessions[i] == target

    def previous_session(self, day: date) -> date:
        """Last session strictly before ``day``."""
        i = int(np.searchsorted(self._sessions, self._check(day), side="left")) - 1
        if i < 0:
            raise ValueError(f"no session before {day} in the calendar")
        return self._sessions[i].astype(object)  # type: ignore[no-any-return]

    def next_session(self, day: date) -> date:
        """First session strictly after ``day``."""
        i = int(np.searchsorted(self._sessions, self._check(day), side="right"))
        if i >= self._sessions.size:
            raise ValueError(f"no session after {day} in the calendar")
        return self._sessions[i].astype(object)  # type: ignore[no-any-return]

    def window_start(self, end: date, sessions: int) -> date:
        """First session of the window of ``sessions`` sessions ending on or before ``end``."""
        if sessions < 1:
            raise ValueError("a window holds at least one session")
        hi = int(np.searchsorted(self._sessions, self._check(end), side="right"))
        if hi - sessions < 0:
            raise ValueError(f"fewer than {sessions} sessions before {end} in the calendar")
        return self._sessions[hi - sessions].astype(object)  # type: ignore[no-any-return]

    def session_positions(self, days: DateArray) -> npt.NDArray[np.int64]:
        """Index of each day in the session list, or of the next session for a non-session.

        Parameters
        ----------
        days : ndarray of datetime64[D], shape (n,)

        Returns
        -------
        ndarray of int64, shape (n,)
            Differences of positions count sessions, e.g. a gap between consecutive
            observations at positions ``p0 < p1`` skips ``p1 - p0 - 1`` sessions.
        """
        return np.searchsorted(self._sessions, days, side="left").astype(np.int64)

    def contains_sessions(self, days: DateArray) -> npt.NDArray[np.bool_]:
        """Boolean mask: which of ``days`` are sessions."""
        pos = np.searchsorted(self._sessions, days, side="left")
        inside = pos < self._sessions.size
        out = np.zeros(days.shape, dtype=bool)
        out[inside] = self._sessions[pos[inside]] == days[inside]
        return out
