"""Tags: list, create, rename or recolour, delete, and set the tags of a position."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from sigmasight.api.deps import CurrentUser, UowFactoryDep
from sigmasight.api.schemas_resources import (
    IdPath,
    PositionPublic,
    PositionTagsUpdate,
    TagCreate,
    TagPublic,
    TagUpdate,
    error_responses,
    service_errors,
)
from sigmasight.services.resources import positions, tags
from sigmasight.storage.models import Position, Tag

router = APIRouter(
    tags=["tags"],
    dependencies=[Depends(service_errors)],
    responses=error_responses(404, 409, 422),
)


@router.get("/tags", response_model=list[TagPublic])
def list_tags(user: CurrentUser, uow_factory: UowFactoryDep) -> list[Tag]:
    """Your tags, by name."""
    return tags.list_tags(uow_factory, user.id)


@router.post("/tags", status_code=status.HTTP_201_CREATED, response_model=TagPublic)
def create_tag(body: TagCreate, user: CurrentUser, uow_factory: UowFactoryDep) -> Tag:
    """A new tag (409 TAG_EXISTS if you have one of that name)."""
    return tags.create_tag(uow_factory, user.id, body.name, body.color)


@router.patch("/tags/{tag_id}", response_model=TagPublic)
def update_tag(
    tag_id: IdPath, body: TagUpdate, user: CurrentUser, uow_factory: UowFactoryDep
) -> Tag:
    return tags.update_tag(uow_factory, user.id, tag_id, body.changes())


@router.delete("/tags/{tag_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_tag(tag_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep) -> Response:
    """Delete a tag; positions that had it keep everything else."""
    tags.delete_tag(uow_factory, user.id, tag_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/portfolios/{portfolio_id}/positions/{position_id}/tags", response_model=PositionPublic
)
def set_position_tags(
    portfolio_id: IdPath,
    position_id: IdPath,
    body: PositionTagsUpdate,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
) -> Position:
    """Replace the position's tags by ``tag_ids`` (404 for a tag that is not yours)."""
    return positions.set_position_tags(
        uow_factory, user.id, portfolio_id, position_id, body.tag_ids
    )
