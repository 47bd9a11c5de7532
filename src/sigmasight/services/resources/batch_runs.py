"""Batch runs a user starts through the API: checked and queued at once, run by a worker.

The request is checked against the limits below and recorded as a ``queued`` row of
``batch_runs`` (:mod:`sigmasight.batch.queue`); the API process does no other work for
it. A worker process (``sigmasight worker``, which ``sigmasight serve`` starts) claims the
row and :func:`~sigmasight.batch.runner.run_batch` adopts it and records the outcome.

Limits (docs/methodology.md, "Batch runs requested through the API"): at most
:data:`MAX_ACTIVE_RUNS` queued or running runs per user, dates inside the range of stored
market prices, at most :data:`MAX_RUN_DAYS` calendar days and
:data:`MAX_POSITION_SESSIONS` position-sessions (live positions x trading sessions).

A run id is a capability: a UUID whose second half is an HMAC of its first half and of
the id of the user who started it. The API can thus tell a user's own runs from others'
without storing who started which run, and nobody can guess or forge one.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import structlog
from sqlalchemy import func, select

from sigmasight.batch.queue import active_runs, enqueue
from sigmasight.batch.runner import BatchOptions, run_batch
from sigmasight.config import Settings
from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.marketdata.calendar import (
    DEFAULT_CALENDAR_END,
    DEFAULT_CALENDAR_START,
    TradingCalendar,
)
from sigmasight.services.market_data import build_provider_chain
from sigmasight.services.resources.common import (
    InvalidError,
    LimitError,
    NotFoundError,
    UowFactory,
)
from sigmasight.storage.history import BatchRun
from sigmasight.storage.models import DailyPrice, Portfolio, Position, User
from sigmasight.storage.uow import UnitOfWork

log = structlog.get_logger("sigmasight.api.batch")

#: Longest range (calendar days) one API request may compute; larger backfills use the CLI.
MAX_RUN_DAYS = 366
#: Queued plus running runs one user may have at once.
MAX_ACTIVE_RUNS = 3
#: Largest run one request may ask for: live positions x trading sessions.
MAX_POSITION_SESSIONS = 500_000
_ID_CONTEXT = b"sigmasight.batch-run.v1:"


def _sealed(secret: str, owner_id: int, nonce: bytes) -> uuid.UUID:
    message = _ID_CONTEXT + str(owner_id).encode() + b":" + nonce
    tag = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:8]
    return uuid.UUID(bytes=nonce + tag, version=4)


def mint_run_id(secret: str, owner_id: int) -> str:
    """A new run id for ``owner_id``: 60 random bits and a 62-bit HMAC, UUID-shaped."""
    nonce = uuid.uuid4().bytes[:8]  # keeps the UUID version nibble intact
    return str(_sealed(secret, owner_id, nonce))


def run_belongs_to(secret: str, owner_id: int, run_id: str) -> bool:
    """Whether ``run_id`` was minted by :func:`mint_run_id` for ``owner_id``."""
    try:
        given = uuid.UUID(run_id)
    except ValueError:
        return False
    return hmac.compare_digest(_sealed(secret, owner_id, given.bytes[:8]).bytes, given.bytes)


@dataclass(frozen=True)
class RunPlan:
    run_id: str
    start: date
    end: date
    portfolio_ids: tuple[int, ...]


def _run_portfolios(uow: UnitOfWork, owner_id: int, requested: Sequence[int] | None) -> list[int]:
    owned = [p.id for p in uow.portfolios.list_owned(owner_id)]
    if requested is None:
        if not owned:
            raise InvalidError("NO_PORTFOLIOS", "You have no portfolio to compute.")
        return owned
    missing = [i for i in requested if i not in set(owned)]
    if missing:
        raise NotFoundError("portfolio", missing[0])
    return list(dict.fromkeys(requested))


def priced_range(uow: UnitOfWork) -> tuple[date, date] | None:
    """First and last session with a stored market-index close."""
    bounds = select(func.min(DailyPrice.date), func.max(DailyPrice.date)).where(
        DailyPrice.symbol == MARKET_INDEX_SYMBOL
    )
    first, last = uow.session.execute(bounds).one()
    return (first, last) if first is not None and last is not None else None


@lru_cache(maxsize=4)
def _calendar(start: date, end: date) -> TradingCalendar:
    return TradingCalendar(start=start, end=end)


def session_count(first: date, last: date) -> int:
    calendar = _calendar(min(first, DEFAULT_CALENDAR_START), max(last, DEFAULT_CALENDAR_END))
    return calendar.sessions_between(first, last)


def _check_dates(priced: tuple[date, date], first: date, last: date, today: date) -> int:
    """The number of sessions in ``[first, last]`` once the range passes every rule."""
    if first > last:
        raise InvalidError("BAD_RANGE", f"start {first} is after end {last}.")
    if last > today:
        raise InvalidError("FUTURE_DATE", f"end {last} is after today ({today}).")
    if first < priced[0] or last > priced[1]:
        raise InvalidError(
            "OUTSIDE_PRICED_RANGE",
            f"Prices are stored from {priced[0]} to {priced[1]}; "
            f"{first} to {last} is not inside that range.",
            {"first": priced[0].isoformat(), "last": priced[1].isoformat()},
        )
    if (last - first).days >= MAX_RUN_DAYS:
        raise InvalidError("RANGE_TOO_LONG", f"A run covers at most {MAX_RUN_DAYS} days.")
    sessions = session_count(first, last)
    if sessions == 0:
        raise InvalidError("NO_SESSIONS", f"There is no trading session from {first} to {last}.")
    return sessions


def _check_size(uow: UnitOfWork, ids: Sequence[int], sessions: int) -> None:
    live = select(func.count()).where(
        Position.portfolio_id.in_(list(ids)), Position.deleted_at.is_(None)
    )
    positions = int(uow.session.scalar(live) or 0)
    if positions * sessions > MAX_POSITION_SESSIONS:
        raise InvalidError(
            "RUN_TOO_LARGE",
            f"{positions:,} positions x {sessions:,} sessions is more than the "
            f"{MAX_POSITION_SESSIONS:,} position-sessions one run may cover; ask for fewer "
            "dates or portfolios.",
            {"positions": positions, "sessions": sessions, "limit": MAX_POSITION_SESSIONS},
        )


def queue_run(
    uow: UnitOfWork,
    owner_id: int,
    run_id: str,
    *,
    first: date,
    last: date,
    portfolio_ids: Sequence[int],
    now: datetime,
) -> None:
    """Record a queued run in ``uow`` unless the owner already has
    :data:`MAX_ACTIVE_RUNS` (:class:`LimitError`); the caller commits."""
    # PostgreSQL: two requests of one user queue one after the other (row lock). SQLite:
    # the insert takes the database's write lock before the count below.
    uow.session.execute(select(User.id).where(User.id == owner_id).with_for_update())
    enqueue(
        uow, run_id, owner_id=owner_id, start=first, end=last, portfolio_ids=portfolio_ids, now=now
    )
    uow.session.flush()
    if active_runs(uow, owner_id) > MAX_ACTIVE_RUNS:
        raise LimitError(
            "TOO_MANY_RUNS",
            f"You already have {MAX_ACTIVE_RUNS} runs queued or running; "
            "start another when one has finished.",
            {"limit": MAX_ACTIVE_RUNS},
        )


def plan_run(
    uow_factory: UowFactory,
    owner_id: int,
    run_id: str,
    *,
    start: date | None,
    end: date | None,
    portfolio_ids: Sequence[int] | None,
    now: datetime,
) -> RunPlan:
    """Check a run request and record it as ``queued``; nothing else is done here.

    ``end`` defaults to the last stored market session and ``start`` to ``end``;
    ``portfolio_ids`` defaults to all the owner's portfolios and may name only those.
    """
    with uow_factory() as uow:
        priced = priced_range(uow)
        if priced is None:
            raise InvalidError("NO_MARKET_DATA", "No market prices are stored yet.")
        last = end or priced[1]
        first = start or last
        sessions = _check_dates(priced, first, last, now.date())
        ids = _run_portfolios(uow, owner_id, portfolio_ids)
        _check_size(uow, ids, sessions)
        queue_run(uow, owner_id, run_id, first=first, last=last, portfolio_ids=ids, now=now)
        uow.commit()
    return RunPlan(run_id, first, last, tuple(ids))


def execute_run(
    uow_factory: UowFactory, settings: Settings, plan: RunPlan, *, clock: Callable[[], datetime]
) -> None:
    """Run ``plan`` on its recorded (claimed) row. Never raises: a worker has nobody to
    raise to; a failure before the runner starts is recorded as ``failed``.
    """
    try:
        run_batch(
            uow_factory,
            build_provider_chain(settings),
            TradingCalendar(end=max(plan.end, DEFAULT_CALENDAR_END)),
            plan.start,
            plan.end,
            options=BatchOptions(portfolio_ids=list(plan.portfolio_ids)),
            run_id=plan.run_id,
        )
    except Exception as exc:  # e.g. a bad provider setting: recorded on the run
        try:
            _fail(uow_factory, plan.run_id, f"{type(exc).__name__}: {exc}", clock())
        except Exception as db_exc:  # the database itself failed; log it
            log.error("batch.api_record_failed", run_id=plan.run_id, error=repr(db_exc))


def _fail(uow_factory: UowFactory, run_id: str, reason: str, now: datetime) -> None:
    with uow_factory() as uow:
        run = uow.session.get(BatchRun, run_id)
        assert run is not None
        run.status, run.errors, run.finished_at = "failed", {"0": reason}, now
        uow.commit()


@dataclass(frozen=True)
class RunView:
    id: str
    kind: str
    status: str
    start_date: date
    end_date: date
    started_at: datetime
    finished_at: datetime | None
    timings: dict[str, float]
    errors: dict[str, str]
    portfolios: int
    failed: int
    skipped: dict[str, str]


def get_run(uow_factory: UowFactory, secret: str, owner_id: int, run_id: str) -> RunView:
    """A run the owner started; errors only about the run itself or the owner's
    portfolios. Any other id, existing or not, is :class:`NotFoundError`."""
    if not run_belongs_to(secret, owner_id, run_id):
        raise NotFoundError("batch run", run_id)
    with uow_factory() as uow:
        run = uow.session.get(BatchRun, str(uuid.UUID(run_id)))
        if run is None:
            raise NotFoundError("batch run", run_id)
        owned = select(Portfolio.id).where(Portfolio.owner_id == owner_id)
        visible = {"0"} | {str(i) for i in uow.session.scalars(owned)}
        return RunView(
            run.id,
            run.kind,
            run.status,
            run.start_date,
            run.end_date,
            run.started_at,
            run.finished_at,
            dict(run.timings),
            {k: v for k, v in run.errors.items() if k in visible or k.startswith("step:")},
            run.portfolios,
            run.failed,
            {k: v for k, v in (run.skipped or {}).items() if k in visible},
        )
