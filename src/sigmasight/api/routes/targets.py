"""Target allocations of a portfolio: list, add one, replace all, change, delete.

A write that would leave the portfolio's targets invalid answers 422 INVALID_TARGETS with
``details`` ``[{index, field, code, message}]`` (codes: WEIGHTS_ABOVE_100,
BAND_EXCLUDES_TARGET, UNKNOWN_SYMBOL, UNKNOWN_SECTOR, UNKNOWN_ASSET_CLASS, UNKNOWN_TAG,
OVERLAPPING_LEVELS, DUPLICATE_TARGET, RELATIVE_THRESHOLD_ZERO_TARGET) and writes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response, status

from sigmasight.api.deps import CurrentUser, UowFactoryDep
from sigmasight.api.schemas_rebalancing import TargetCreate, TargetPublic, TargetUpdate
from sigmasight.api.schemas_resources import IdPath, error_responses, service_errors
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


@router.get("", response_model=list[TargetPublic])
def list_targets(portfolio_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep) -> Any:
    """The portfolio's targets, in the order they were added."""
    return service.list_targets(uow_factory, user.id, portfolio_id)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TargetPublic)
def create_target(
    portfolio_id: IdPath, body: TargetCreate, user: CurrentUser, uow_factory: UowFactoryDep
) -> Any:
    """Add a target (409 TARGET_EXISTS for a level and key that already has one)."""
    draft = TargetDraft(**body.draft_fields())
    return service.add_target(uow_factory, user.id, portfolio_id, draft)


@router.put("", response_model=list[TargetPublic])
def replace_targets(
    portfolio_id: IdPath,
    body: Annotated[list[TargetCreate], Body(max_length=MAX_TARGETS)],
    user: CurrentUser,
    uow_factory: UowFactoryDep,
) -> Any:
    """Replace every target of the portfolio by the list sent, all or nothing."""
    drafts = [TargetDraft(**item.draft_fields()) for item in body]
    return service.replace_targets(uow_factory, user.id, portfolio_id, drafts)


@router.patch("/{target_id}", response_model=TargetPublic)
def update_target(
    portfolio_id: IdPath,
    target_id: IdPath,
    body: TargetUpdate,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
) -> Any:
    """Change the fields sent (``threshold: null`` removes the threshold)."""
    return service.update_target(
        uow_factory, user.id, portfolio_id, target_id, body.draft_changes()
    )


@router.delete("/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_target(
    portfolio_id: IdPath, target_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> Response:
    service.delete_target(uow_factory, user.id, portfolio_id, target_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
