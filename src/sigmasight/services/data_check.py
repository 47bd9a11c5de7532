"""``data check`` as a use case: the quality checks over stored prices, and what they covered.

A report that says only "no findings" does not tell whether anything was checked (an
empty database, a mistyped symbol); :class:`StoredPriceCheck` also says which prices,
symbols and dates were read and which checks ran, with their thresholds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.quality import QualityReport, check_prices
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

#: Thresholds of the stored-price check (passed to :func:`check_prices`).
MAX_GAP_SESSIONS = 5
STALE_SESSIONS = 10
SPLIT_THRESHOLD = 1.8


@dataclass(frozen=True)
class StoredPriceCheck:
    report: QualityReport
    rows: int
    symbols: tuple[str, ...]
    first: date | None
    last: date | None
    missing: tuple[str, ...]  # symbols asked for that have no stored price in the range

    @property
    def checks(self) -> tuple[str, ...]:
        return (
            "missing or non-positive prices and negative volumes",
            "duplicate dates",
            "days that are not NYSE sessions",
            "open/high/low/close consistency",
            f"gaps of more than {MAX_GAP_SESSIONS} sessions",
            f"split-like jumps (close ratio >= {SPLIT_THRESHOLD} or <= 1/{SPLIT_THRESHOLD})",
            f"prices flat over {STALE_SESSIONS} observations",
            f"series ending more than {STALE_SESSIONS} sessions before the last date",
        )


def check_stored(
    uow_factory: UowFactory,
    calendar: TradingCalendar,
    symbols: Sequence[str] | None,
    start: date,
    end: date,
) -> StoredPriceCheck:
    """Run the data-quality checks over the stored prices of ``symbols`` (all when None)
    in ``[start, end]``."""
    with uow_factory() as uow:
        frame = uow.prices.frame(symbols, start, end)
    report = check_prices(
        frame,
        calendar,
        max_gap_sessions=MAX_GAP_SESSIONS,
        stale_sessions=STALE_SESSIONS,
        split_threshold=SPLIT_THRESHOLD,
    )
    found = tuple(sorted(set(frame["symbol"])))
    asked = [s.upper() for s in symbols] if symbols is not None else []
    return StoredPriceCheck(
        report=report,
        rows=len(frame),
        symbols=found,
        first=min(frame["date"]) if len(frame) else None,
        last=max(frame["date"]) if len(frame) else None,
        missing=tuple(s for s in dict.fromkeys(asked) if s not in found),
    )
