"""Target allocations of one owner's portfolio: list, add, replace all, change, delete.

Every write validates the portfolio's whole resulting set of targets
(:func:`target_problems`) and writes nothing when anything is wrong: the refusal is
``INVALID_TARGETS`` with one ``{index, field, code, message}`` per problem.

Targets are point in time. Every write takes the date it is effective from (the caller's
today unless given): an addition starts a version on that date; a change closes the
current version on that date (``effective_to``) and the target, keeping its id, carries
the new values from it; a deletion closes the current version; a replacement closes
every current version and starts new ones. History is append only: a write cannot be
dated before the portfolio's last recorded change (``EFFECTIVE_BEFORE_HISTORY``), so
versions of a key never overlap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select

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
from sigmasight.storage.rebalancing import PortfolioTarget, targets_on
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


def _history_problems(uow: UnitOfWork, portfolio_id: int, effective: date) -> list[Any]:
    """A write dated before the last recorded change would rewrite history."""
    t = PortfolioTarget
    last = uow.session.execute(
        select(func.max(t.effective_from), func.max(t.effective_to)).where(
            t.portfolio_id == portfolio_id
        )
    ).one()
    latest = max((d for d in last if d is not None), default=None)
    if latest is None or effective >= latest:
        return []
    message = (
        f"effective from {effective.isoformat()} is before the last recorded change of the "
        f"portfolio's targets ({latest.isoformat()}): history is append only"
    )
    return [_problem(0, "effective_from", "EFFECTIVE_BEFORE_HISTORY", message)]


def _check(
    uow: UnitOfWork,
    owner_id: int,
    portfolio_id: int,
    drafts: Sequence[TargetDraft],
    effective: date,
) -> None:
    problems = _history_problems(uow, portfolio_id, effective) + target_problems(
        uow, owner_id, portfolio_id, drafts
    )
    if problems:
        message = f"{len(problems)} problem(s) with the targets; nothing was written"
        raise InvalidError("INVALID_TARGETS", message, problems)


def _stored(uow: UnitOfWork, portfolio_id: int) -> list[PortfolioTarget]:
    return targets_on(uow.session, portfolio_id, None)


def _close(uow: UnitOfWork, row: PortfolioTarget, effective: date) -> None:
    """End the row's current version on ``effective``: a closed copy keeps its values."""
    values = {f: getattr(row, f) for f in _DRAFT_FIELDS}
    uow.session.add(
        PortfolioTarget(
            portfolio_id=row.portfolio_id,
            effective_from=row.effective_from,
            effective_to=effective,
            created_at=row.created_at,
            **values,
        )
    )


def _draft_of(row: PortfolioTarget) -> TargetDraft:
    return TargetDraft(**{f: getattr(row, f) for f in _DRAFT_FIELDS})


def _conflict(draft: TargetDraft) -> ConflictError:
    return ConflictError(
        "TARGET_EXISTS", f"{draft.level} {draft.key!r} already has a target in this portfolio"
    )


def list_targets(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> list[Any]:
    """The current targets, or the versions valid on ``as_of``."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        return detached(uow, targets_on(uow.session, portfolio_id, as_of))


def add_target(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    draft: TargetDraft,
    effective: date,
) -> PortfolioTarget:
    """Add one target from ``effective``; the portfolio's targets with it must pass."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        current = [*map(_draft_of, _stored(uow, portfolio_id)), draft]
        _check(uow, owner_id, portfolio_id, current, effective)
        row = PortfolioTarget(portfolio_id=portfolio_id, effective_from=effective, **vars(draft))
        uow.session.add(row)
        commit_or_conflict(uow, _conflict(draft))
        return detached(uow, [row])[0]


def replace_targets(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    drafts: Sequence[TargetDraft],
    effective: date,
) -> list[PortfolioTarget]:
    """Replace the portfolio's targets by ``drafts`` from ``effective`` (all or nothing;
    [] ends them all)."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        _check(uow, owner_id, portfolio_id, drafts, effective)
        for row in _stored(uow, portfolio_id):
            row.effective_to = effective
        uow.session.flush()
        rows = [
            PortfolioTarget(portfolio_id=portfolio_id, effective_from=effective, **vars(d))
            for d in drafts
        ]
        uow.session.add_all(rows)
        uow.session.flush()
        uow.commit()
        return detached(uow, rows)


def _owned_target(uow: UnitOfWork, portfolio_id: int, target_id: int) -> PortfolioTarget:
    """A current target of the portfolio (an ended one is not found)."""
    row = uow.session.scalar(
        select(PortfolioTarget).where(
            PortfolioTarget.portfolio_id == portfolio_id,
            PortfolioTarget.id == target_id,
            PortfolioTarget.effective_to.is_(None),
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
    effective: date,
) -> PortfolioTarget:
    """Change fields of a target from ``effective`` (the values before stay as a closed
    version); the portfolio's targets after the change must pass."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        row = _owned_target(uow, portfolio_id, target_id)
        changed = replace(_draft_of(row), **changes)
        drafts = [changed if r.id == row.id else _draft_of(r) for r in _stored(uow, portfolio_id)]
        _check(uow, owner_id, portfolio_id, drafts, effective)
        _close(uow, row, effective)
        uow.session.flush()
        row.effective_from = effective
        for field in _DRAFT_FIELDS:
            setattr(row, field, getattr(changed, field))
        commit_or_conflict(uow, _conflict(changed))
        return detached(uow, [row])[0]


def delete_target(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, target_id: int, effective: date
) -> None:
    """End a target on ``effective`` (its history stays)."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        row = _owned_target(uow, portfolio_id, target_id)
        problems = _history_problems(uow, portfolio_id, effective)
        if problems:
            raise InvalidError("INVALID_TARGETS", problems[0]["message"], problems)
        row.effective_to = effective
        uow.commit()
