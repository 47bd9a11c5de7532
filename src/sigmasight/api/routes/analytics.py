"""Analytics of one of the caller's portfolios, read from the batch's persisted history.

Every route takes ``as_of`` (default: the portfolio's latest snapshot) and answers 404
``NO_SNAPSHOT`` when the batch has not run for that date. Routes only call the service
and serialise its result; the numbers are the service's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from sigmasight.api.deps import CurrentUser, UowFactoryDep
from sigmasight.api.errors import ApiError, not_found
from sigmasight.api.schemas_analytics import (
    ConcentrationOut,
    MarketBetaOut,
    OverviewOut,
    PositionRiskViewOut,
    SectorViewOut,
    SnapshotSeriesOut,
    VolatilityViewOut,
)
from sigmasight.api.schemas_resources import IdPath
from sigmasight.services import analytics as service

router = APIRouter(prefix="/analytics/portfolio/{portfolio_id}", tags=["analytics"])

AsOf = Annotated[
    date | None,
    Query(description="Date of the figures (YYYY-MM-DD); default: the latest snapshot."),
]
Start = Annotated[date | None, Query(description="First date of the series (YYYY-MM-DD).")]


@contextmanager
def _service_errors() -> Iterator[None]:
    """Service exceptions as API errors with stable codes."""
    try:
        yield
    except service.PortfolioNotFoundError as exc:
        raise not_found("portfolio", exc.portfolio_id) from exc
    except service.NoSnapshotError as exc:
        details = {
            "portfolio_id": exc.portfolio_id,
            "as_of": exc.as_of.isoformat() if exc.as_of else None,
            "latest_available": exc.latest_available.isoformat() if exc.latest_available else None,
        }
        raise ApiError(404, "NO_SNAPSHOT", str(exc), details) from exc
    except service.InvalidRangeError as exc:
        raise ApiError(422, "INVALID_RANGE", str(exc)) from exc


@router.get("/overview", response_model=OverviewOut)
def overview(
    portfolio_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep, as_of: AsOf = None
) -> OverviewOut:
    """NAV, P&L, exposures, counts, betas, volatility and completeness on ``as_of``."""
    with _service_errors():
        result = service.portfolio_overview(uow_factory, user.id, portfolio_id, as_of)
    return OverviewOut.model_validate(result)


@router.get("/market-beta", response_model=MarketBetaOut)
def market_beta(
    portfolio_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep, as_of: AsOf = None
) -> MarketBetaOut:
    """Each held position's regression beta and the portfolio's weighted and direct betas.

    Options show their underlying's beta; private holdings are listed as excluded."""
    with _service_errors():
        result = service.market_beta(uow_factory, user.id, portfolio_id, as_of)
    return MarketBetaOut.model_validate(result)


@router.get("/volatility", response_model=VolatilityViewOut)
def volatility(
    portfolio_id: IdPath,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
    as_of: AsOf = None,
    start: Start = None,
) -> VolatilityViewOut:
    """Volatility on ``as_of`` and its daily history up to it.

    Without ``start``: the last 252 snapshots; with it, at most the last 2,520 from it."""
    with _service_errors():
        result = service.volatility(uow_factory, user.id, portfolio_id, as_of, start)
    return VolatilityViewOut.model_validate(result)


@router.get("/sector-exposure", response_model=SectorViewOut)
def sector_exposure(
    portfolio_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep, as_of: AsOf = None
) -> SectorViewOut:
    """Long, short and net weights per GICS sector against the S&P 500's weights."""
    with _service_errors():
        result = service.sector_exposure(uow_factory, user.id, portfolio_id, as_of)
    return SectorViewOut.model_validate(result)


@router.get("/concentration", response_model=ConcentrationOut)
def concentration(
    portfolio_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep, as_of: AsOf = None
) -> ConcentrationOut:
    """HHI, effective number of positions, top-3/top-10 and the weights behind them."""
    with _service_errors():
        result = service.concentration(uow_factory, user.id, portfolio_id, as_of)
    return ConcentrationOut.model_validate(result)


@router.get("/positions/risk", response_model=PositionRiskViewOut)
def positions_risk(
    portfolio_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep, as_of: AsOf = None
) -> PositionRiskViewOut:
    """Each held position's price, value, weight of NAV, beta and volatility."""
    with _service_errors():
        result = service.position_risk(uow_factory, user.id, portfolio_id, as_of)
    return PositionRiskViewOut.model_validate(result)


@router.get("/snapshots", response_model=SnapshotSeriesOut)
def snapshots(
    portfolio_id: IdPath,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
    start: Start = None,
    end: Annotated[
        date | None, Query(description="Last date (YYYY-MM-DD); default: the latest snapshot.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_SERIES_ROWS)] = service.MAX_SERIES_ROWS,
) -> SnapshotSeriesOut:
    """Daily snapshot rows, ascending. Without ``start``: the latest ``limit`` up to ``end``;
    with it, the first ``limit`` from ``start`` and ``next_start`` for the next page."""
    with _service_errors():
        result = service.snapshot_series(uow_factory, user.id, portfolio_id, start, end, limit)
    return SnapshotSeriesOut.model_validate(result)
