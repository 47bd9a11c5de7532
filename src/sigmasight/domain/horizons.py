"""Named return horizons, in trading sessions (docs/methodology.md, "Asset metrics")."""

from __future__ import annotations

from typing import Final

from sigmasight.domain.conventions import TRADING_DAYS_PER_MONTH, TRADING_DAYS_PER_YEAR

#: Trailing horizons by name -> sessions (a month is 21 sessions, a year 252).
RETURN_HORIZONS: Final[dict[str, int]] = {
    "1m": TRADING_DAYS_PER_MONTH,
    "3m": 3 * TRADING_DAYS_PER_MONTH,
    "6m": 6 * TRADING_DAYS_PER_MONTH,
    "1y": TRADING_DAYS_PER_YEAR,
    "3y": 3 * TRADING_DAYS_PER_YEAR,
    "5y": 5 * TRADING_DAYS_PER_YEAR,
}
#: Year to date: from the last close of the previous calendar year.
YEAR_TO_DATE: Final = "YTD"
#: Horizons whose return is annualised (compounded to a yearly rate).
ANNUALISED: Final = frozenset({"3y", "5y"})
