from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sigmasight.marketdata.calendar import TradingCalendar


def test_christmas_2022_is_not_a_session(calendar: TradingCalendar) -> None:
    # 2022-12-26 was the observed Christmas holiday (Christmas fell on a Sunday).
    assert not calendar.is_session(date(2022, 12, 26))
    assert calendar.is_session(date(2022, 12, 27))
    assert calendar.previous_session(date(2022, 12, 27)) == date(2022, 12, 23)
    assert calendar.next_session(date(2022, 12, 23)) == date(2022, 12, 27)


def test_sessions_and_count_over_new_year(calendar: TradingCalendar) -> None:
    days = calendar.sessions(date(2022, 12, 23), date(2023, 1, 4))
    assert days == [
        date(2022, 12, 23),
        date(2022, 12, 27),
        date(2022, 12, 28),
        date(2022, 12, 29),
        date(2022, 12, 30),
        date(2023, 1, 3),
        date(2023, 1, 4),
    ]
    assert calendar.sessions_between(date(2022, 12, 23), date(2023, 1, 4)) == 7
    assert calendar.sessions_between(date(2022, 12, 24), date(2022, 12, 26)) == 0


def test_full_year_2022_has_251_sessions(calendar: TradingCalendar) -> None:
    # 2022: 260 weekdays minus 9 NYSE holidays observed on weekdays (Juneteenth included).
    assert calendar.sessions_between(date(2022, 1, 1), date(2022, 12, 31)) == 251


def test_window_start_counts_sessions(calendar: TradingCalendar) -> None:
    assert calendar.window_start(date(2023, 1, 4), 3) == date(2022, 12, 30)
    assert calendar.window_start(date(2023, 1, 1), 1) == date(2022, 12, 30)
    with pytest.raises(ValueError, match="at least one session"):
        calendar.window_start(date(2023, 1, 4), 0)


def test_dates_outside_the_calendar_are_refused() -> None:
    cal = TradingCalendar(date(2020, 1, 1), date(2021, 12, 31))
    with pytest.raises(ValueError, match="outside the trading calendar"):
        cal.is_session(date(2022, 1, 3))


def test_vectorised_positions_match_scalar_queries(calendar: TradingCalendar) -> None:
    days = np.array(["2022-12-23", "2022-12-24", "2022-12-27"], dtype="datetime64[D]")
    assert calendar.contains_sessions(days).tolist() == [True, False, True]
    pos = calendar.session_positions(days)
    # A weekend maps to the next session's position, so a session difference is a count.
    assert (pos[1], pos[2] - pos[0]) == (pos[2], 1)


def test_session_array_is_read_only(calendar: TradingCalendar) -> None:
    with pytest.raises(ValueError, match="read-only"):
        calendar.session_array[0] = np.datetime64("2000-01-01")
