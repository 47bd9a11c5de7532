"""Risk limits of a portfolio and the alerts the batch recorded on their breaches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import TypeAdapter

from sigmasight.api.answers import AnswerCache, Rendered
from sigmasight.api.deps import CurrentUser, UowFactoryDep
from sigmasight.api.readers import CurrentReader
from sigmasight.api.schemas_rebalancing import AlertPublic, LimitCreate, LimitPublic
from sigmasight.api.schemas_resources import IdPath, IsoDate, error_responses, service_errors
from sigmasight.services.resources import limits as service

router = APIRouter(
    prefix="/portfolios/{portfolio_id}",
    tags=["rebalancing"],
    dependencies=[Depends(service_errors)],
    responses=error_responses(404, 409, 422),
)


@router.get("/limits", response_model=list[LimitPublic])
def list_limits(portfolio_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep) -> Any:
    return service.list_limits(uow_factory, user.id, portfolio_id)


@router.post("/limits", status_code=status.HTTP_201_CREATED, response_model=LimitPublic)
def create_limit(
    portfolio_id: IdPath, body: LimitCreate, user: CurrentUser, uow_factory: UowFactoryDep
) -> Any:
    """A limit on var_95, volatility, beta, sector_weight (key: the sector) or
    single_name_weight; 422 INVALID_LIMIT with details, 409 LIMIT_EXISTS."""
    return service.add_limit(
        uow_factory, user.id, portfolio_id, body.metric, body.key, body.lower, body.upper
    )


@router.delete("/limits/{limit_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_limit(
    portfolio_id: IdPath, limit_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> Response:
    service.delete_limit(uow_factory, user.id, portfolio_id, limit_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


#: The alerts as served (the route answers JSON bytes from the answer cache).
ALERTS = TypeAdapter(list[AlertPublic])


@router.get("/alerts", response_model=list[AlertPublic])
async def list_alerts(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    start: Annotated[IsoDate | None, Query()] = None,
    end: Annotated[IsoDate | None, Query()] = None,
) -> Response:
    """Each breach the batch recorded (date, metric, key, value, bounds), latest first.
    Cached per data revision like the analytics answers (alerts are batch rows)."""
    uow_factory = request.app.state.uow_factory

    def compute() -> Rendered:
        found = service.list_alerts(uow_factory, reader.user_id, portfolio_id, start, end)
        served = ALERTS.validate_python(found, from_attributes=True)
        return Rendered(ALERTS.dump_json(served), "application/json")

    answers: AnswerCache = request.app.state.answers
    return await answers.respond(request, reader, ("alerts", portfolio_id, start, end), compute)
