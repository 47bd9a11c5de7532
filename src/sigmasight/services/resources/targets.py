"""Target allocations of one owner's portfolio: list, add, replace all, change, delete.

Every write validates the portfolio's whole resulting set of targets
(:func:`target_problems`) and writes nothing when anything is wrong: the refusal is
``INVALID_TARGETS`` with one ``{index, field, code, message}`` per problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import select

from sigmasight.analytics.sectors import BUCKETS
from sigmasight.domain.enums import InvestmentClass
from sigmasight.domain.rebalancing import RebalanceFrequency, TargetLevel, ThresholdKind
from sigmasight.services.resources.common import (
    ConflictError,
    InvalidError,
    NotFoundError,
    UowFactory,
    commit_or_conflict,
    detached,
    owned_portfolio,
)
from sigmasight.storage.models import Position, PositionTag, Security, Tag
from sigmasight.storage.rebalancing import PortfolioTarget
from sigmasight.storage.uow import UnitOfWork

#: Tolerance on sums of weights (weights are binary floats).
WEIGHT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TargetDraft:
    """A target as requested; ``threshold_kind`` is None exactly when ``threshold`` is."""

    level: TargetLevel
    key: str
    target_weight: float
    min_weight: float
    max_weight: float
    threshold_kind: ThresholdKind | None = None
    threshold: float | None = None
    frequency: RebalanceFrequency = RebalanceFrequency.NONE


_DRAFT_FIELDS = tuple(f.name for f in fields(TargetDraft))


def _problem(index: int, field: str, code: str, message: str) -> dict[str, Any]:
    return {"index": index, "field": field, "code": code, "message": message}


def _band_problems(drafts: Sequence[TargetDraft]) -> list[dict[str, Any]]:
    problems = []
    for i, d in enumerate(drafts):
        if not d.min_weight <= d.target_weight <= d.max_weight:
            message = (
                f"the band [{d.min_weight}, {d.max_weight}] does not contain the target "
                f"{d.target_weight}"
            )
            problems.append(_problem(i, "target_weight", "BAND_EXCLUDES_TARGET", message))
        if (d.threshold is None) != (d.threshold_kind is None):
            message = "a threshold needs both its kind and its value"
            problems.append(_problem(i, "threshold", "INCOMPLETE_THRESHOLD", message))
        if d.threshold_kind is ThresholdKind.RELATIVE and d.target_weight == 0:
            message = "a relative threshold needs a non-zero target (drift / target)"
            problems.append(_problem(i, "threshold", "RELATIVE_THRESHOLD_ZERO_TARGET", message))
    return problems


def _set_problems(drafts: Sequence[TargetDraft]) -> list[dict[str, Any]]:
    problems = []
    total = sum(d.target_weight for d in drafts)
    if total > 1 + WEIGHT_TOLERANCE:
        message = f"the targets sum to {total:.6g}, above 100 % of NAV"
        problems.append(_problem(len(drafts) - 1, "target_weight", "WEIGHTS_ABOVE_100", message))
    levels = {d.level for d in drafts}
    if len(levels) > 1:
        message = (
            f"targets mix levels {sorted(level.value for level in levels)}: one holding would "
            "count under two "
            "targets; use a single level per portfolio"
        )
        problems.append(_problem(len(drafts) - 1, "level", "OVERLAPPING_LEVELS", message))
    seen: dict[tuple[str, str], int] = {}
    for i, d in enumerate(drafts):
        if (d.level, d.key) in seen:
            message = f"{d.level} {d.key!r} already has a target (item {seen[(d.level, d.key)]})"
            problems.append(_problem(i, "key", "DUPLICATE_TARGET", message))
        seen.setdefault((d.level, d.key), i)
    return problems


def _key_problems(uow: UnitOfWork, owner_id: int, drafts: Sequence[TargetDraft]) -> list[Any]:
    keys = {level: {d.key for d in drafts if d.level is level} for level in TargetLevel}
    symbols = keys[TargetLevel.SYMBOL]
    known = {
        TargetLevel.SYMBOL: set(
            uow.session.scalars(select(Security.symbol).where(Security.symbol.in_(symbols)))
        )
        if symbols
        else set(),
        TargetLevel.SECTOR: set(BUCKETS),
        TargetLevel.ASSET_CLASS: {c.value for c in InvestmentClass},
        TargetLevel.TAG: set(uow.session.scalars(select(Tag.name).where(Tag.user_id == owner_id)))
        if keys[TargetLevel.TAG]
        else set(),
    }
    problems = []
    for i, d in enumerate(drafts):
        if d.key not in known[d.level]:
            code = f"UNKNOWN_{d.level.value.upper()}"
            message = f"{d.level} {d.key!r} is not known"
            problems.append(_problem(i, "key", code, message))
    return problems


def _tag_overlaps(uow: UnitOfWork, portfolio_id: int, drafts: Sequence[TargetDraft]) -> list[Any]:
    """A live position carrying two targeted tags would count under both."""
    names = [d.key for d in drafts if d.level is TargetLevel.TAG]
    if len(names) < 2:
        return []
    query = (
        select(Position.symbol, Tag.name)
        .join(PositionTag, PositionTag.position_id == Position.id)
        .join(Tag, Tag.id == PositionTag.tag_id)
        .where(
            Position.portfolio_id == portfolio_id,
            Position.deleted_at.is_(None),
            Tag.name.in_(names),
        )
    )
    tags_of: dict[str, set[str]] = {}
    for symbol, name in uow.session.execute(query):
        tags_of.setdefault(symbol, set()).add(name)
    return [
        _problem(
            len(drafts) - 1,
            "key",
            "OVERLAPPING_LEVELS",
            f"position {symbol} carries the targeted tags {sorted(tags)}: it would count twice",
        )
        for symbol, tags in sorted(tags_of.items())
        if len(tags) > 1
    ]


def target_problems(
    uow: UnitOfWork, owner_id: int, portfolio_id: int, drafts: Sequence[TargetDraft]
) -> list[dict[str, Any]]:
    """Every problem of a portfolio's whole set of targets (empty when it is valid)."""
    return (
        _band_problems(drafts)
        + _set_problems(drafts)
        + _key_problems(uow, owner_id, drafts)
        + _tag_overlaps(uow, portfolio_id, drafts)
    )


def _check(
    uow: UnitOfWork, owner_id: int, portfolio_id: int, drafts: Sequence[TargetDraft]
) -> None:
    problems = target_problems(uow, owner_id, portfolio_id, drafts)
    if problems:
        message = f"{len(problems)} problem(s) with the targets; nothing was written"
        raise InvalidError("INVALID_TARGETS", message, problems)


def _stored(uow: UnitOfWork, portfolio_id: int) -> list[PortfolioTarget]:
    query = (
        select(PortfolioTarget)
        .where(PortfolioTarget.portfolio_id == portfolio_id)
        .order_by(PortfolioTarget.id)
    )
    return list(uow.session.scalars(query))


def _draft_of(row: PortfolioTarget) -> TargetDraft:
    return TargetDraft(**{f: getattr(row, f) for f in _DRAFT_FIELDS})


def _conflict(draft: TargetDraft) -> ConflictError:
    return ConflictError(
        "TARGET_EXISTS", f"{draft.level} {draft.key!r} already has a target in this portfolio"
    )


def list_targets(uow_factory: UowFactory, owner_id: int, portfolio_id: int) -> list[Any]:
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        return detached(uow, _stored(uow, portfolio_id))


def add_target(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, draft: TargetDraft
) -> PortfolioTarget:
    """Add one target; the portfolio's targets with it must pass every rule."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        _check(uow, owner_id, portfolio_id, [*map(_draft_of, _stored(uow, portfolio_id)), draft])
        row = PortfolioTarget(portfolio_id=portfolio_id, **vars(draft))
        uow.session.add(row)
        commit_or_conflict(uow, _conflict(draft))
        return detached(uow, [row])[0]


def replace_targets(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, drafts: Sequence[TargetDraft]
) -> list[PortfolioTarget]:
    """Replace the portfolio's targets by ``drafts`` (all or nothing; [] clears them)."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        _check(uow, owner_id, portfolio_id, drafts)
        for row in _stored(uow, portfolio_id):
            uow.session.delete(row)
        uow.session.flush()
        rows = [PortfolioTarget(portfolio_id=portfolio_id, **vars(d)) for d in drafts]
        uow.session.add_all(rows)
        uow.session.flush()
        uow.commit()
        return detached(uow, rows)


def _owned_target(uow: UnitOfWork, portfolio_id: int, target_id: int) -> PortfolioTarget:
    row = uow.session.scalar(
        select(PortfolioTarget).where(
            PortfolioTarget.portfolio_id == portfolio_id, PortfolioTarget.id == target_id
        )
    )
    if row is None:
        raise NotFoundError("target", target_id)
    return row


def update_target(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    target_id: int,
    changes: Mapping[str, Any],
) -> PortfolioTarget:
    """Change fields of a target; the portfolio's targets after the change must pass."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        row = _owned_target(uow, portfolio_id, target_id)
        changed = replace(_draft_of(row), **changes)
        drafts = [changed if r.id == row.id else _draft_of(r) for r in _stored(uow, portfolio_id)]
        _check(uow, owner_id, portfolio_id, drafts)
        for field in _DRAFT_FIELDS:
            setattr(row, field, getattr(changed, field))
        commit_or_conflict(uow, _conflict(changed))
        return detached(uow, [row])[0]


def delete_target(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, target_id: int
) -> None:
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        uow.session.delete(_owned_target(uow, portfolio_id, target_id))
        uow.commit()
