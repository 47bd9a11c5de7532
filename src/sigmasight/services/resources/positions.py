"""Positions of one owner's portfolio: list, read, add (one, many, a CSV file), change,
soft delete, and set their tags. Every write passes :mod:`.position_rules` first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from sigmasight.domain.enums import PositionType
from sigmasight.domain.positions import OptionType, ParsedPosition
from sigmasight.services.resources.common import (
    NotFoundError,
    UowFactory,
    detached,
    owned_portfolio,
)
from sigmasight.services.resources.position_rules import (
    FIELD_OF_COLUMN,
    PositionDraft,
    parse_import,
    validate_drafts,
)
from sigmasight.storage.models import Portfolio, Position, Tag
from sigmasight.storage.uow import UnitOfWork

_OPTION_TERMS = frozenset({"underlying_symbol", "strike", "expiry", "option_type"})
_CALLS = (PositionType.LC, PositionType.SC)


def _owned_positions(owner_id: int, portfolio_id: int) -> Select[Position]:
    """Live positions of the owner's live portfolio, with their tags loaded."""
    return (
        select(Position)
        .join(Position.portfolio)
        .where(
            Portfolio.owner_id == owner_id,
            Portfolio.deleted_at.is_(None),
            Position.portfolio_id == portfolio_id,
            Position.deleted_at.is_(None),
        )
        .options(selectinload(Position.tags))
        .order_by(Position.id)
    )


def _owned_position(uow: UnitOfWork, owner_id: int, portfolio_id: int, pos_id: int) -> Position:
    query = _owned_positions(owner_id, portfolio_id).where(Position.id == pos_id)
    position: Position | None = uow.session.scalars(query).first()
    if position is None:
        raise NotFoundError("position", pos_id)
    return position


def _apply(position: Position, p: ParsedPosition, notes: str | None) -> Position:
    for field in (*FIELD_OF_COLUMN.values(), "position_type"):
        if field != "option_type":  # stored as the position type (LC, LP, SC, SP)
            setattr(position, field, getattr(p, field))
    position.notes = notes
    return position


def list_positions(uow_factory: UowFactory, owner_id: int, portfolio_id: int) -> list[Position]:
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        return detached(uow, list(uow.session.scalars(_owned_positions(owner_id, portfolio_id))))


def get_position(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, pos_id: int
) -> Position:
    with uow_factory() as uow:
        return detached(uow, [_owned_position(uow, owner_id, portfolio_id, pos_id)])[0]


def _add(
    uow: UnitOfWork,
    portfolio_id: int,
    parsed: Sequence[ParsedPosition],
    notes: Sequence[str | None],
) -> list[Position]:
    rows = [
        _apply(Position(portfolio_id=portfolio_id, tags=[]), p, note)
        for p, note in zip(parsed, notes, strict=True)
    ]
    uow.positions.add_many(rows)
    uow.commit()
    return detached(uow, rows)


def add_positions(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    drafts: Sequence[PositionDraft],
    *,
    today: date,
) -> list[Position]:
    """Add every draft or none (see :func:`.position_rules.validate_drafts`)."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        parsed = validate_drafts(drafts, today=today)
        return _add(uow, portfolio_id, parsed, [d.notes for d in drafts])


def import_positions(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, data: bytes, *, today: date
) -> list[Position]:
    """Add a CSV file's positions to an existing portfolio, all rows or nothing."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        parsed = parse_import(data, today)
        return _add(uow, portfolio_id, parsed, [None] * len(parsed))


def _draft_of(position: Position) -> PositionDraft:
    option_type = None
    if position.position_type.is_option:
        option_type = OptionType.CALL if position.position_type in _CALLS else OptionType.PUT
    fields = {f: getattr(position, f) for f in FIELD_OF_COLUMN.values() if f != "option_type"}
    return PositionDraft(**fields, option_type=option_type, notes=position.notes)


def _merge(position: Position, changes: Mapping[str, Any]) -> PositionDraft:
    """The stored position with ``changes`` applied.

    A new symbol without option terms drops the old terms (they described the old
    instrument); new option terms without a symbol rebuild the OCC symbol from them.
    """
    draft = replace(_draft_of(position), **changes)
    touches_terms = bool(_OPTION_TERMS & changes.keys())
    if "symbol" in changes and not touches_terms:
        return replace(draft, underlying_symbol=None, strike=None, expiry=None, option_type=None)
    if touches_terms and "symbol" not in changes and draft.underlying_symbol:
        return replace(draft, symbol=draft.underlying_symbol)
    return draft


def update_position(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    pos_id: int,
    changes: Mapping[str, Any],
    *,
    today: date,
) -> Position:
    """Change fields of a position; the result must pass the import rules as a whole."""
    with uow_factory() as uow:
        position = _owned_position(uow, owner_id, portfolio_id, pos_id)
        draft = _merge(position, changes)
        _apply(position, validate_drafts([draft], today=today)[0], draft.notes)
        uow.commit()
        return detached(uow, [position])[0]


def delete_position(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, pos_id: int, *, now: datetime
) -> None:
    """Soft delete, as for portfolios: history computed while it was held stays."""
    with uow_factory() as uow:
        _owned_position(uow, owner_id, portfolio_id, pos_id).deleted_at = now
        uow.commit()


def set_position_tags(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    pos_id: int,
    tag_ids: Sequence[int],
) -> Position:
    """Replace a position's tags by ``tag_ids``; every one must be the owner's tag."""
    with uow_factory() as uow:
        position = _owned_position(uow, owner_id, portfolio_id, pos_id)
        query = select(Tag).where(Tag.user_id == owner_id, Tag.id.in_(list(tag_ids)))
        tags = {tag.id: tag for tag in uow.session.scalars(query)}
        missing = [i for i in tag_ids if i not in tags]
        if missing:
            raise NotFoundError("tag", missing[0])
        position.tags = [tags[i] for i in dict.fromkeys(tag_ids)]
        uow.commit()
        return detached(uow, [position])[0]
