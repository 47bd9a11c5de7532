"""Portfolios of one owner: list, read, create, change, soft delete, import from a file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sigmasight.services.portfolios import PORTFOLIO_EXISTS, PortfolioSpec, import_portfolio
from sigmasight.services.resources.common import (
    ConflictError,
    UowFactory,
    commit_or_conflict,
    owned_portfolio,
)
from sigmasight.services.resources.position_rules import import_errors, parse_import
from sigmasight.storage.models import Portfolio, Position
from sigmasight.storage.uow import UnitOfWork


@dataclass(frozen=True)
class PortfolioView:
    id: int
    name: str
    account_type: str
    base_currency: str
    equity_balance: Decimal
    primary_benchmark: str
    description: str | None
    created_at: datetime
    position_count: int


def _views(uow: UnitOfWork, portfolios: Sequence[Portfolio]) -> list[PortfolioView]:
    """Views with live-position counts from one grouped query (not one per portfolio)."""
    query = (
        select(Position.portfolio_id, func.count())
        .where(
            Position.portfolio_id.in_([p.id for p in portfolios]),
            Position.deleted_at.is_(None),
        )
        .group_by(Position.portfolio_id)
    )
    counts: dict[int, int] = {pid: int(n) for pid, n in uow.session.execute(query)}
    return [
        PortfolioView(
            p.id,
            p.name,
            p.account_type.value,
            p.base_currency,
            p.equity_balance,
            p.primary_benchmark,
            p.description,
            p.created_at,
            counts.get(p.id, 0),
        )
        for p in portfolios
    ]


def _name_taken(name: object) -> ConflictError:
    return ConflictError(PORTFOLIO_EXISTS, f"You already have a portfolio named {name!r}.")


def list_portfolios(uow_factory: UowFactory, owner_id: int) -> list[PortfolioView]:
    with uow_factory() as uow:
        return _views(uow, uow.portfolios.list_owned(owner_id))


def get_portfolio(uow_factory: UowFactory, owner_id: int, portfolio_id: int) -> PortfolioView:
    with uow_factory() as uow:
        return _views(uow, [owned_portfolio(uow, owner_id, portfolio_id)])[0]


def create_portfolio(uow_factory: UowFactory, owner_id: int, spec: PortfolioSpec) -> PortfolioView:
    """A new empty portfolio; its name must be free among the owner's live portfolios."""
    with uow_factory() as uow:
        if uow.portfolios.get_by_name(owner_id, spec.name) is not None:
            raise _name_taken(spec.name)
        portfolio = Portfolio(owner_id=owner_id, **asdict(spec))
        uow.session.add(portfolio)
        commit_or_conflict(uow, _name_taken(spec.name))
        return _views(uow, [portfolio])[0]


def update_portfolio(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, changes: Mapping[str, Any]
) -> PortfolioView:
    """Set the given fields (named as in :class:`PortfolioSpec`)."""
    with uow_factory() as uow:
        portfolio = owned_portfolio(uow, owner_id, portfolio_id)
        name: str | None = changes.get("name")
        taken = name and name != portfolio.name and uow.portfolios.get_by_name(owner_id, name)
        if taken:
            raise _name_taken(name)
        for field, value in changes.items():
            setattr(portfolio, field, value)
        commit_or_conflict(uow, _name_taken(name))
        return _views(uow, [portfolio])[0]


def delete_portfolio(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, *, now: datetime
) -> None:
    """Soft delete: the portfolio and its positions disappear and the name becomes free;
    its computed history stays in storage."""
    with uow_factory() as uow:
        uow.portfolios.soft_delete(owned_portfolio(uow, owner_id, portfolio_id), now)
        uow.commit()


def import_new_portfolio(
    uow_factory: UowFactory, owner_id: int, spec: PortfolioSpec, data: bytes, *, today: date
) -> PortfolioView:
    """A new portfolio from a CSV file, all rows or nothing, as ``sigmasight portfolio
    import`` makes it. File errors raise ``InvalidError("IMPORT_ERRORS")`` listing every row."""
    parse_import(data, today)  # also checks what the columns can hold
    try:
        outcome = import_portfolio(uow_factory, owner_id, spec, data, today=today)
    except IntegrityError as exc:
        raise _name_taken(spec.name) from exc
    if outcome.portfolio_id is None:
        if outcome.errors[0].code == PORTFOLIO_EXISTS:
            raise _name_taken(spec.name)
        raise import_errors(outcome.errors)
    return get_portfolio(uow_factory, owner_id, outcome.portfolio_id)
