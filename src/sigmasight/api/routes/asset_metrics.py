"""Asset metrics of one security: public market data, read-only, for signed-in users."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from sigmasight.api.deps import UowFactoryDep, get_current_user
from sigmasight.api.errors import ApiError
from sigmasight.api.routes.securities import EARLIEST, LATEST
from sigmasight.api.routes.securities import _symbol as path_symbol
from sigmasight.api.schemas_assets import AssetMetricsOut
from sigmasight.api.schemas_resources import error_responses
from sigmasight.services.analytics import asset_metrics as service

router = APIRouter(
    tags=["market data"],
    dependencies=[Depends(get_current_user)],
    responses=error_responses(404, 422),
)


@router.get("/securities/{symbol}/metrics", response_model=AssetMetricsOut)
def security_metrics(
    symbol: str,
    uow_factory: UowFactoryDep,
    as_of: Annotated[
        date | None,
        Query(ge=EARLIEST, le=LATEST, description="Session (YYYY-MM-DD); default: latest."),
    ] = None,
) -> AssetMetricsOut:
    """Indicators, period returns and one-year risk of ``symbol`` on ``as_of`` (404
    ``NO_METRICS`` when the batch stored none for that date)."""
    wanted = path_symbol(symbol)
    try:
        found = service.security_metrics(uow_factory, wanted, as_of)
    except service.NoAssetMetricsError as exc:
        raise ApiError(404, "NO_METRICS", str(exc), {"symbol": wanted}) from exc
    return AssetMetricsOut.model_validate(found)
