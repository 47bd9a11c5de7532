"""Which trading session a date a user names stands for.

Figures exist for NYSE sessions only. A weekend or a holiday asked for (``as_of`` on a
page or a route, ``batch run --date``) stands for the previous session, and the answer
says so (:func:`moved_note`), so nobody reads Friday's figures believing they are
Saturday's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sigmasight.marketdata.calendar import TradingCalendar


@dataclass(frozen=True)
class SessionDate:
    """A requested date and the session that answers it (the same date on a session)."""

    requested: date
    session: date

    @property
    def moved(self) -> bool:
        return self.session != self.requested

    @property
    def note(self) -> str | None:
        return moved_note(self.requested, self.session) if self.moved else None


def moved_note(requested: date, session: date) -> str:
    return (
        f"{requested.isoformat()} is not a trading session; "
        f"showing the previous session, {session.isoformat()}."
    )


def session_on_or_before(day: date, calendar: TradingCalendar | None = None) -> SessionDate:
    """``day`` itself when the NYSE was open on it (or it lies outside the calendar, where
    nothing can be said), else the last session before it."""
    calendar = calendar or TradingCalendar()
    if not calendar.start < day <= calendar.end or calendar.is_session(day):
        return SessionDate(day, day)
    return SessionDate(day, calendar.previous_session(day))
