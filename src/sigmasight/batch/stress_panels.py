"""Load the closes the historical stress scenarios replay: each symbol's close on the
first and last session of every library episode that has ended by the run's last date.

The run's panel covers about two years; the episodes lie years back. Only the few
sessions around each episode boundary are read (a week of closes), the session being
the last day on or before the boundary with a close of the market index, and a symbol's
close carried forward at most ``MAX_FILL`` sessions, as in the panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from sigmasight.analytics.returns import fill_limited
from sigmasight.batch.inputs import FloatArray
from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.domain.stress import SCENARIOS, Scenario, ScenarioKind
from sigmasight.storage.uow import UnitOfWork

#: Must equal ``batch.load.MAX_FILL_SESSIONS`` (the same forward-fill rule).
MAX_FILL = 3
_WEEK = timedelta(days=7)


def episodes(end: date) -> tuple[Scenario, ...]:
    """The library's historical scenarios that have ended on or before ``end``."""
    return tuple(
        s
        for s in SCENARIOS
        if s.kind is ScenarioKind.HISTORICAL and s.end is not None and s.end <= end
    )


def episode_closes(uow: UnitOfWork, symbols: Sequence[str], end: date) -> FloatArray:
    """Closes (2, E, S): row 0 on each episode's start, row 1 on its end, for the
    :func:`episodes` of ``end``; NaN where a symbol has no close then."""
    found = episodes(end)
    out = np.full((2, len(found), len(symbols)), np.nan)
    for e, scenario in enumerate(found):  # a handful of episodes, two reads each
        for side, day in enumerate((scenario.start, scenario.end)):
            assert day is not None
            out[side, e] = _close_on(uow, symbols, day)
    return out


def _close_on(uow: UnitOfWork, symbols: Sequence[str], day: date) -> FloatArray:
    panel = uow.prices.close_panel(list(symbols), day - _WEEK, day)
    out = np.full(len(symbols), np.nan)
    if panel.empty or MARKET_INDEX_SYMBOL not in panel.columns:
        return out
    panel = panel.sort_index()
    sessions = panel.index[np.isfinite(panel[MARKET_INDEX_SYMBOL].to_numpy(dtype=np.float64))]
    if sessions.empty:
        return out
    panel = panel.loc[: sessions[-1]]
    panel = panel.loc[panel.index.isin(sessions)]
    filled = fill_limited(panel.to_numpy(dtype=np.float64), MAX_FILL).prices
    column = {s: i for i, s in enumerate(panel.columns)}
    at = [column.get(s, -1) for s in symbols]
    have = np.array(at) >= 0
    out[have] = filled[-1, np.array(at)[have]]
    return out
