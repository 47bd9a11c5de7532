"""Batch runs a user starts through the API: planned and recorded at once, run later.

The run's row is written (``queued``) before any work starts, so the caller gets an id to
poll while the run goes on in the background; :func:`~sigmasight.batch.runner.run_batch`
adopts that row and records its outcome on it.

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

import structlog
from sqlalchemy import select

from sigmasight.batch.runner import BatchOptions, run_batch
from sigmasight.config import Settings
from sigmasight.marketdata.calendar import DEFAULT_CALENDAR_END, TradingCalendar
from sigmasight.services.batch import latest_market_date
from sigmasight.services.market_data import build_provider_chain
from sigmasight.services.resources.common import InvalidError, NotFoundError, UowFactory
from sigmasight.storage.history import BatchRun
from sigmasight.storage.models import Portfolio
from sigmasight.storage.uow import UnitOfWork

log = structlog.get_logger("sigmasight.api.batch")

#: Longest range (calendar days) one API request may compute; larger backfills use the CLI.
MAX_RUN_DAYS = 366
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
    """Check a run request and record it as ``queued``.

    ``end`` defaults to the last stored market session and ``start`` to ``end``;
    ``portfolio_ids`` defaults to all the owner's portfolios and may name only those.
    """
    last = end or latest_market_date(uow_factory)
    if last is None:
        raise InvalidError("NO_MARKET_DATA", "No market prices are stored yet.")
    first = start or last
    if first > last:
        raise InvalidError("BAD_RANGE", f"start {first} is after end {last}.")
    if last > now.date():
        raise InvalidError("FUTURE_DATE", f"end {last} is after today ({now.date()}).")
    if (last - first).days >= MAX_RUN_DAYS:
        raise InvalidError("RANGE_TOO_LONG", f"A run covers at most {MAX_RUN_DAYS} days.")
    with uow_factory() as uow:
        ids = _run_portfolios(uow, owner_id, portfolio_ids)
        uow.session.add(
            BatchRun(
                id=run_id,
                kind="backfill" if first < last else "daily",
                start_date=first,
                end_date=last,
                started_at=now,
                status="queued",
                timings={},
                errors={},
                portfolios=len(ids),
                failed=0,
            )
        )
        uow.commit()
    return RunPlan(run_id, first, last, tuple(ids))


def execute_run(
    uow_factory: UowFactory, settings: Settings, plan: RunPlan, *, clock: Callable[[], datetime]
) -> None:
    """Run ``plan`` on its recorded row. Never raises: it runs as a background task, with
    nobody to raise to; a failure before the runner starts is recorded as ``failed``.
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
        )
