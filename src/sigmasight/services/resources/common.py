"""Errors of the resource use cases and the helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sigmasight.storage.models import Portfolio
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
T = TypeVar("T")


class ResourceError(Exception):
    """A request the service refuses, with a stable ``code`` and optional ``details``."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class NotFoundError(ResourceError):
    """No such row among the caller's own (another owner's row is reported the same way)."""

    def __init__(self, what: str, identifier: object) -> None:
        super().__init__("NOT_FOUND", f"{what} {identifier} not found")


class ConflictError(ResourceError):
    """The request clashes with stored data (a name already taken...)."""


class InvalidError(ResourceError):
    """The request breaks a rule that the request schema alone cannot check."""


class LimitError(ResourceError):
    """The caller has reached a limit on costly work (retry when earlier work is done)."""


def commit_or_conflict(uow: UnitOfWork, conflict: ConflictError) -> None:
    """Flush and commit; a unique-key violation (e.g. a concurrent insert) is ``conflict``."""
    try:
        uow.session.flush()
        uow.commit()
    except IntegrityError as exc:
        raise conflict from exc


def detached(uow: UnitOfWork, rows: list[T]) -> list[T]:
    """``rows`` detached from the session, so their loaded values stay readable after the
    unit of work rolls back on exit (which would otherwise expire them)."""
    uow.session.expunge_all()
    return rows


def owned_portfolio(uow: UnitOfWork, owner_id: int, portfolio_id: int) -> Portfolio:
    """The owner's live portfolio, or :class:`NotFoundError` (also for another owner's id)."""
    portfolio = uow.portfolios.get(owner_id, portfolio_id)
    if portfolio is None:
        raise NotFoundError("portfolio", portfolio_id)
    return portfolio


def delete_portfolio_row(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    model: Any,
    row_id: int,
    what: str,
) -> None:
    """Delete row ``row_id`` of ``model`` (a table with ``portfolio_id`` and ``id``) of the
    owner's portfolio, or :class:`NotFoundError` naming ``what`` (also for a row of
    another portfolio)."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        row = uow.session.scalar(
            select(model).where(model.portfolio_id == portfolio_id, model.id == row_id)
        )
        if row is None:
            raise NotFoundError(what, row_id)
        uow.session.delete(row)
        uow.commit()
