"""After an import, the portfolio's figures are computed: a run is queued for it.

The run goes through the same queue as the API's batch runs (:mod:`sigmasight.batch.queue`,
with the same per-user limit) and covers the portfolio's history from its first entry
date to the last stored market price, at most the last 366 days of it (the longest run one
request may ask for; ``sigmasight batch backfill`` computes longer histories). When no
run can be queued the reason is returned, so the caller can say it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from sigmasight.services.resources import batch_runs
from sigmasight.services.resources.batch_runs import (
    MAX_RUN_DAYS,
    mint_run_id,
    priced_range,
    queue_run,
    session_count,
)
from sigmasight.services.resources.common import LimitError, UowFactory
from sigmasight.storage.history import BatchRun
from sigmasight.storage.models import Position
from sigmasight.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Scheduled:
    """The queued run (id and range), or why none was queued."""

    run_id: str | None
    start: date | None = None
    end: date | None = None
    reason: str | None = None


def _book(uow: UnitOfWork, portfolio_id: int) -> tuple[date | None, int]:
    live = (Position.portfolio_id == portfolio_id, Position.deleted_at.is_(None))
    first, count = uow.session.execute(
        select(func.min(Position.entry_date), func.count()).where(*live)
    ).one()
    return first, int(count or 0)


def _history_range(uow: UnitOfWork, portfolio_id: int) -> tuple[date, date] | str:
    """The range to compute for ``portfolio_id``, or why there is none."""
    priced = priced_range(uow)
    first_entry, positions = _book(uow, portfolio_id)
    if priced is None:
        return "no market prices are stored yet"
    if first_entry is None:
        return "the portfolio has no positions"
    last = priced[1]
    if first_entry > last:
        return (
            f"its first position was entered on {first_entry}, after the last stored "
            f"market price ({last})"
        )
    start = max(first_entry, priced[0], last - timedelta(days=MAX_RUN_DAYS - 1))
    sessions = session_count(start, last)
    if positions * sessions > batch_runs.MAX_POSITION_SESSIONS:
        return (
            f"{positions:,} positions x {sessions:,} sessions is more than one run may "
            f"cover ({batch_runs.MAX_POSITION_SESSIONS:,}); use `sigmasight batch backfill`"
        )
    return start, last


def why_not_computable(uow_factory: UowFactory, portfolio_id: int) -> str | None:
    """Why no run can compute ``portfolio_id`` now, or None if one can."""
    with uow_factory() as uow:
        found = _history_range(uow, portfolio_id)
    return found if isinstance(found, str) else None


def schedule_portfolio(
    uow_factory: UowFactory, secret: str, owner_id: int, portfolio_id: int, *, now: datetime
) -> Scheduled:
    """Queue the computation of ``portfolio_id``'s history (see the module docstring)."""
    with uow_factory() as uow:
        found = _history_range(uow, portfolio_id)
        if isinstance(found, str):
            return Scheduled(None, reason=found)
        start, last = found
        run_id = mint_run_id(secret, owner_id)
        try:
            queue_run(
                uow, owner_id, run_id, first=start, last=last, portfolio_ids=[portfolio_id], now=now
            )
        except LimitError as exc:
            return Scheduled(None, reason=exc.message)
        uow.commit()
    return Scheduled(run_id, start, last)


@dataclass(frozen=True)
class Computation:
    """The latest run that covers a portfolio, as its page shows it."""

    run_id: str
    status: str
    start: date
    end: date
    #: Why the run skipped the portfolio or failed, if it did.
    reason: str | None


def latest_computation(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int
) -> Computation | None:
    """The owner's most recent queued run that names ``portfolio_id`` (of the last 50)."""
    with uow_factory() as uow:
        runs = uow.session.scalars(
            select(BatchRun)
            .where(BatchRun.owner_id == owner_id)
            .order_by(BatchRun.started_at.desc())
            .limit(50)
        )
        for run in runs:
            if portfolio_id not in (run.portfolio_ids or []):
                continue
            key = str(portfolio_id)
            reason = (run.skipped or {}).get(key) or run.errors.get(key) or run.errors.get("0")
            return Computation(run.id, run.status, run.start_date, run.end_date, reason)
    return None
