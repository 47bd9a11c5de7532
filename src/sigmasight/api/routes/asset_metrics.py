"""Asset metrics of one security: public market data, read-only, for signed-in users."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from sigmasight.api.answers import AnswerCache
from sigmasight.api.errors import ApiError
from sigmasight.api.readers import CurrentReader
from sigmasight.api.routes.securities import EARLIEST, LATEST
from sigmasight.api.routes.securities import _symbol as path_symbol
from sigmasight.api.schemas_assets import AssetMetricsOut
from sigmasight.api.schemas_resources import error_responses
from sigmasight.services.analytics import asset_metrics as service

router = APIRouter(tags=["market data"], responses=error_responses(404, 422))


@router.get("/securities/{symbol}/metrics", response_model=AssetMetricsOut)
async def security_metrics(
    request: Request,
    symbol: str,
    reader: CurrentReader,
    as_of: Annotated[
        date | None,
        Query(ge=EARLIEST, le=LATEST, description="Session (YYYY-MM-DD); default: latest."),
    ] = None,
) -> Response:
    """Indicators, period returns and one-year risk of ``symbol`` on ``as_of`` (404
    ``NO_METRICS`` when the batch stored none for that date). Cached per data revision
    like the analytics answers."""
    wanted = path_symbol(symbol)
    uow_factory = request.app.state.uow_factory

    def compute() -> AssetMetricsOut:
        try:
            found = service.security_metrics(uow_factory, wanted, as_of)
        except service.NoAssetMetricsError as exc:
            raise ApiError(404, "NO_METRICS", str(exc), {"symbol": wanted}) from exc
        return AssetMetricsOut.model_validate(found)

    answers: AnswerCache = request.app.state.answers
    return await answers.respond(request, reader, ("security-metrics", wanted, as_of), compute)
