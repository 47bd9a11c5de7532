"""Tags of one user, and equity changes (contributions, withdrawals) of a portfolio."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from sigmasight.services.resources.common import (
    ConflictError,
    InvalidError,
    NotFoundError,
    UowFactory,
    commit_or_conflict,
    delete_portfolio_row,
    detached,
    owned_portfolio,
)
from sigmasight.storage.models import EquityChange, Tag
from sigmasight.storage.uow import UnitOfWork


def _owned_tag(uow: UnitOfWork, owner_id: int, tag_id: int) -> Tag:
    tag = uow.session.scalar(select(Tag).where(Tag.user_id == owner_id, Tag.id == tag_id))
    if tag is None:
        raise NotFoundError("tag", tag_id)
    return tag


def _tag_taken(name: object) -> ConflictError:
    return ConflictError("TAG_EXISTS", f"You already have a tag named {name!r}.")


def list_tags(uow_factory: UowFactory, owner_id: int) -> list[Tag]:
    with uow_factory() as uow:
        return detached(uow, uow.tags.for_user(owner_id))


def create_tag(uow_factory: UowFactory, owner_id: int, name: str, color: str) -> Tag:
    """A new tag; names are unique per user (the table's unique key decides)."""
    with uow_factory() as uow:
        tag = Tag(user_id=owner_id, name=name, color=color)
        uow.session.add(tag)
        commit_or_conflict(uow, _tag_taken(name))
        return detached(uow, [tag])[0]


def update_tag(
    uow_factory: UowFactory, owner_id: int, tag_id: int, changes: Mapping[str, Any]
) -> Tag:
    with uow_factory() as uow:
        tag = _owned_tag(uow, owner_id, tag_id)
        for field, value in changes.items():
            setattr(tag, field, value)
        commit_or_conflict(uow, _tag_taken(changes.get("name")))
        return detached(uow, [tag])[0]


def delete_tag(uow_factory: UowFactory, owner_id: int, tag_id: int) -> None:
    """Delete a tag and its links to positions; the positions stay."""
    with uow_factory() as uow:
        uow.session.delete(_owned_tag(uow, owner_id, tag_id))
        uow.commit()


def list_equity_changes(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int
) -> list[EquityChange]:
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        return detached(uow, uow.equity_changes.for_portfolio(portfolio_id))


def add_equity_change(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    fields: Mapping[str, Any],
    *,
    today: date,
) -> EquityChange:
    """Record a flow: ``change_type``, ``amount`` (> 0), ``change_date`` (not after
    ``today``) and ``notes``."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        if fields["change_date"] > today:
            message = f"change_date {fields['change_date']} is after today ({today})."
            raise InvalidError("FUTURE_DATE", message)
        change = uow.equity_changes.add(EquityChange(portfolio_id=portfolio_id, **fields))
        uow.commit()
        return detached(uow, [change])[0]


def delete_equity_change(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, change_id: int
) -> None:
    delete_portfolio_row(
        uow_factory, owner_id, portfolio_id, EquityChange, change_id, "equity change"
    )
