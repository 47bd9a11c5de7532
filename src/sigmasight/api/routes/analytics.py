"""Analytics of one of the caller's portfolios, read from the batch's persisted history.

Every route takes ``as_of`` (default: the portfolio's latest snapshot) and answers 404
``NO_SNAPSHOT`` when the batch has not run for that date. Routes only call the service
and serialise its result; the numbers are the service's. Answers are cached per data
revision (:mod:`sigmasight.api.answers`) and carry an ETag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from sigmasight.api.answers import AnswerCache
from sigmasight.api.deps import UowFactory
from sigmasight.api.errors import ApiError, not_found
from sigmasight.api.readers import CurrentReader, Reader
from sigmasight.api.schemas_analytics import (
    ConcentrationOut,
    MarketBetaOut,
    OverviewOut,
    PositionRiskViewOut,
    SectorViewOut,
    SnapshotSeriesOut,
    VolatilityViewOut,
)
from sigmasight.api.schemas_resources import IdPath, IsoDate
from sigmasight.services import analytics as service

router = APIRouter(prefix="/analytics/portfolio/{portfolio_id}", tags=["analytics"])

#: Each route's service function and response schema (the service's figures, as served).
VIEWS: dict[str, tuple[Callable[..., Any], type[BaseModel]]] = {
    "overview": (service.portfolio_overview, OverviewOut),
    "market-beta": (service.market_beta, MarketBetaOut),
    "volatility": (service.volatility, VolatilityViewOut),
    "sector-exposure": (service.sector_exposure, SectorViewOut),
    "concentration": (service.concentration, ConcentrationOut),
    "positions/risk": (service.position_risk, PositionRiskViewOut),
    "snapshots": (service.snapshot_series, SnapshotSeriesOut),
}

AsOf = Annotated[
    IsoDate | None,
    Query(description="Date of the figures (YYYY-MM-DD); default: the latest snapshot."),
]
Start = Annotated[IsoDate | None, Query(description="First date of the series (YYYY-MM-DD).")]


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


async def _answer(request: Request, reader: Reader, view: str, *args: Any) -> Response:
    """The answer of ``view`` (see :data:`VIEWS`) for the caller and ``args`` (the
    service's arguments after the owner): cached, or computed by the service."""
    function, model = VIEWS[view]
    uow_factory: UowFactory = request.app.state.uow_factory

    def compute() -> BaseModel:
        return model.model_validate(function(uow_factory, reader.user_id, *args))

    answers: AnswerCache = request.app.state.answers
    with _service_errors():
        return await answers.respond(request, reader, (view, *args), compute)


@router.get("/overview", response_model=OverviewOut)
async def overview(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """NAV, P&L, exposures, counts, betas, volatility and completeness on ``as_of``."""
    return await _answer(request, reader, "overview", portfolio_id, as_of)


@router.get("/market-beta", response_model=MarketBetaOut)
async def market_beta(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Each held position's regression beta and the portfolio's weighted and direct betas.

    Options show their underlying's beta; private holdings are listed as excluded."""
    return await _answer(request, reader, "market-beta", portfolio_id, as_of)


@router.get("/volatility", response_model=VolatilityViewOut)
async def volatility(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
    start: Start = None,
) -> Response:
    """Volatility on ``as_of`` and its daily history up to it.

    Without ``start``: the last 252 snapshots; with it, at most the last 2,520 from it."""
    return await _answer(request, reader, "volatility", portfolio_id, as_of, start)


@router.get("/sector-exposure", response_model=SectorViewOut)
async def sector_exposure(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Long, short and net weights per GICS sector against the S&P 500's weights."""
    return await _answer(request, reader, "sector-exposure", portfolio_id, as_of)


@router.get("/concentration", response_model=ConcentrationOut)
async def concentration(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """HHI, effective number of positions, top-3/top-10 and the weights behind them."""
    return await _answer(request, reader, "concentration", portfolio_id, as_of)


@router.get("/positions/risk", response_model=PositionRiskViewOut)
async def positions_risk(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Each held position's price, value, weight of NAV, beta and volatility."""
    return await _answer(request, reader, "positions/risk", portfolio_id, as_of)


@router.get("/snapshots", response_model=SnapshotSeriesOut)
async def snapshots(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    start: Start = None,
    end: Annotated[
        IsoDate | None,
        Query(description="Last date (YYYY-MM-DD); default: the latest snapshot."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_SERIES_ROWS)] = service.MAX_SERIES_ROWS,
) -> Response:
    """Daily snapshot rows, ascending. Without ``start``: the latest ``limit`` up to ``end``;
    with it, the first ``limit`` from ``start`` and ``next_start`` for the next page."""
    return await _answer(request, reader, "snapshots", portfolio_id, start, end, limit)
