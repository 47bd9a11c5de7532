"""Equity changes of a portfolio: contributions and withdrawals."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from sigmasight.api.deps import CurrentUser, UowFactoryDep, utcnow
from sigmasight.api.schemas_resources import (
    EquityChangeCreate,
    EquityChangePublic,
    IdPath,
    error_responses,
    service_errors,
)
from sigmasight.services.resources import tags as service
from sigmasight.storage.models import EquityChange

router = APIRouter(
    prefix="/portfolios/{portfolio_id}/equity-changes",
    tags=["equity changes"],
    dependencies=[Depends(service_errors)],
    responses=error_responses(404, 422),
)


@router.get("", response_model=list[EquityChangePublic])
def list_equity_changes(
    portfolio_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> list[EquityChange]:
    """The portfolio's flows by date."""
    return service.list_equity_changes(uow_factory, user.id, portfolio_id)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EquityChangePublic)
def create_equity_change(
    portfolio_id: IdPath, body: EquityChangeCreate, user: CurrentUser, uow_factory: UowFactoryDep
) -> EquityChange:
    """Record a contribution or withdrawal; the date may not be after today (422
    FUTURE_DATE)."""
    return service.add_equity_change(
        uow_factory, user.id, portfolio_id, body.values(), today=utcnow().date()
    )


@router.delete("/{change_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_equity_change(
    portfolio_id: IdPath, change_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> Response:
    service.delete_equity_change(uow_factory, user.id, portfolio_id, change_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
