"""Target allocations of a portfolio: list, add one, replace all, change, delete.

A write that would leave the portfolio's targets invalid answers 422 INVALID_TARGETS with
``details`` ``[{index, field, code, message}]`` (codes: WEIGHTS_ABOVE_100,
BAND_EXCLUDES_TARGET, UNKNOWN_SYMBOL, UNKNOWN_SECTOR, UNKNOWN_ASSET_CLASS, UNKNOWN_TAG,
OVERLAPPING_LEVELS, DUPLICATE_TARGET, RELATIVE_THRESHOLD_ZERO_TARGET,
EFFECTIVE_BEFORE_HISTORY) and writes nothing.

Targets are point in time: every write takes ``effective_from`` (default: today, UTC), the
first date the new values apply to; the values before stay as a closed version
(``effective_to``), which the batch uses for earlier dates. ``GET ?as_of=`` lists the
versions valid on a date.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response, status

from sigmasight.api.deps import CurrentUser, UowFactoryDep, utcnow
from sigmasight.api.schemas_rebalancing import TargetCreate, TargetPublic, TargetUpdate
from sigmasight.api.schemas_resources import IdPath, IsoDate, error_responses, service_errors
from sigmasight.services.resources import targets as service
from sigmasight.services.resources.targets import TargetDraft

router = APIRouter(
    prefix="/portfolios/{portfolio_id}/targets",
    tags=["rebalancing"],
    dependencies=[Depends(service_errors)],
    responses=error_responses(404, 409, 422),
)
#: Most targets a portfolio may have (one per holding of a large book).
MAX_TARGETS = 500
EffectiveFrom = Annotated[
    IsoDate | None,
    Query(description="First date the write applies to (default: today, UTC)."),
]


def _effective(day: date | None) -> date:
    return day if day is not None else utcnow().date()


@router.get("", response_model=list[TargetPublic])
def list_targets(
    portfolio_id: IdPath,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
    as_of: Annotated[
        IsoDate | None, Query(description="The versions valid on this date (default: current)")
    ] = None,
) -> Any:
    """The portfolio's targets, in the order they were added."""
    return service.list_targets(uow_factory, user.id, portfolio_id, as_of)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TargetPublic)
def create_target(
    portfolio_id: IdPath,
    body: TargetCreate,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
    effective_from: EffectiveFrom = None,
) -> Any:
    """Add a target (409 TARGET_EXISTS for a level and key that already has one)."""
    draft = TargetDraft(**body.draft_fields())
    day = _effective(effective_from)
    return service.add_target(uow_factory, user.id, portfolio_id, draft, day)


@router.put("", response_model=list[TargetPublic])
def replace_targets(
    portfolio_id: IdPath,
    body: Annotated[list[TargetCreate], Body(max_length=MAX_TARGETS)],
    user: CurrentUser,
    uow_factory: UowFactoryDep,
    effective_from: EffectiveFrom = None,
) -> Any:
    """Replace every target of the portfolio by the list sent, all or nothing."""
    drafts = [TargetDraft(**item.draft_fields()) for item in body]
    day = _effective(effective_from)
    return service.replace_targets(uow_factory, user.id, portfolio_id, drafts, day)


@router.patch("/{target_id}", response_model=TargetPublic)
def update_target(
    portfolio_id: IdPath,
    target_id: IdPath,
    body: TargetUpdate,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
    effective_from: EffectiveFrom = None,
) -> Any:
    """Change the fields sent (``threshold: null`` removes the threshold)."""
    changes, day = body.draft_changes(), _effective(effective_from)
    return service.update_target(uow_factory, user.id, portfolio_id, target_id, changes, day)


@router.delete("/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_target(
    portfolio_id: IdPath,
    target_id: IdPath,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
    effective_from: EffectiveFrom = None,
) -> Response:
    """End the target on ``effective_from`` (its history stays for earlier dates)."""
    day = _effective(effective_from)
    service.delete_target(uow_factory, user.id, portfolio_id, target_id, day)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
