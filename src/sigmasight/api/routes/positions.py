"""Positions of a portfolio: list, add (one, a list, a CSV file), read, change, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Response, UploadFile, status

from sigmasight.api.deps import CurrentUser, UowFactoryDep, utcnow
from sigmasight.api.routes.portfolios import read_upload
from sigmasight.api.schemas_resources import (
    IdPath,
    PositionCreate,
    PositionPublic,
    PositionUpdate,
    error_responses,
    service_errors,
)
from sigmasight.services.resources import positions as service
from sigmasight.services.resources.position_rules import PositionDraft
from sigmasight.storage.models import Position

router = APIRouter(
    prefix="/portfolios/{portfolio_id}/positions",
    tags=["positions"],
    dependencies=[Depends(service_errors)],
    responses=error_responses(404, 422),
)
#: Most positions one bulk request adds.
MAX_BULK = 1_000


@router.get("", response_model=list[PositionPublic])
def list_positions(
    portfolio_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> list[Position]:
    """The portfolio's live positions with their tags, by id."""
    return service.list_positions(uow_factory, user.id, portfolio_id)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PositionPublic)
def create_position(
    portfolio_id: IdPath, body: PositionCreate, user: CurrentUser, uow_factory: UowFactoryDep
) -> Position:
    """Add a position. It obeys the CSV import's rules; a broken one gives 422
    INVALID_POSITION with details [{row, field, code, message}]."""
    draft = PositionDraft(**body.values())
    return service.add_positions(
        uow_factory, user.id, portfolio_id, [draft], today=utcnow().date()
    )[0]


@router.post("/bulk", status_code=status.HTTP_201_CREATED, response_model=list[PositionPublic])
def create_positions(
    portfolio_id: IdPath,
    body: Annotated[list[PositionCreate], Body(min_length=1, max_length=MAX_BULK)],
    user: CurrentUser,
    uow_factory: UowFactoryDep,
) -> list[Position]:
    """Add a list of positions, all or none; ``row`` in errors is the 1-based item."""
    drafts = [PositionDraft(**item.values()) for item in body]
    return service.add_positions(uow_factory, user.id, portfolio_id, drafts, today=utcnow().date())


@router.post("/import", status_code=status.HTTP_201_CREATED, response_model=list[PositionPublic])
def import_positions(
    portfolio_id: IdPath, file: UploadFile, user: CurrentUser, uow_factory: UowFactoryDep
) -> list[Position]:
    """Add a CSV file's positions, all rows or none: any bad row gives 422 IMPORT_ERRORS
    listing every {row, column, code, message}, and nothing is written."""
    return service.import_positions(
        uow_factory, user.id, portfolio_id, read_upload(file), today=utcnow().date()
    )


@router.get("/{position_id}", response_model=PositionPublic)
def get_position(
    portfolio_id: IdPath, position_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> Position:
    return service.get_position(uow_factory, user.id, portfolio_id, position_id)


@router.patch("/{position_id}", response_model=PositionPublic)
def update_position(
    portfolio_id: IdPath,
    position_id: IdPath,
    body: PositionUpdate,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
) -> Position:
    """Change the fields sent; the changed position must pass every rule (422
    INVALID_POSITION otherwise)."""
    return service.update_position(
        uow_factory, user.id, portfolio_id, position_id, body.changes(), today=utcnow().date()
    )


@router.delete("/{position_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_position(
    portfolio_id: IdPath, position_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> Response:
    service.delete_position(uow_factory, user.id, portfolio_id, position_id, now=utcnow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
