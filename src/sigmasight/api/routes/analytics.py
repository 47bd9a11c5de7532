"""Analytics of one of the caller's portfolios, read from the batch's persisted history.

Every route takes ``as_of`` (default: the portfolio's latest snapshot) and answers 404
``NO_SNAPSHOT`` when the batch has not run for that date. Routes only call the service
and serialise its result; the numbers are the service's. Answers are cached per data
revision (:mod:`sigmasight.api.answers`) and carry an ETag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
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
from sigmasight.api.schemas_resources import IdPath
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


async def _answer(
    request: Request, reader: Reader, key: tuple[Any, ...], compute: Callable[[], BaseModel]
) -> Response:
    """The cached answer for ``key`` or, on a miss, ``compute``'s."""
    answers: AnswerCache = request.app.state.answers
    with _service_errors():
        return await answers.respond(request, reader, key, compute)


def _uows(request: Request) -> UowFactory:
    factory: UowFactory = request.app.state.uow_factory
    return factory


@router.get("/overview", response_model=OverviewOut)
async def overview(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """NAV, P&L, exposures, counts, betas, volatility and completeness on ``as_of``."""

    def compute() -> OverviewOut:
        result = service.portfolio_overview(_uows(request), reader.user_id, portfolio_id, as_of)
        return OverviewOut.model_validate(result)

    key = ("overview", portfolio_id, as_of)
    return await _answer(request, reader, key, compute)


@router.get("/market-beta", response_model=MarketBetaOut)
async def market_beta(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Each held position's regression beta and the portfolio's weighted and direct betas.

    Options show their underlying's beta; private holdings are listed as excluded."""

    def compute() -> MarketBetaOut:
        result = service.market_beta(_uows(request), reader.user_id, portfolio_id, as_of)
        return MarketBetaOut.model_validate(result)

    key = ("market-beta", portfolio_id, as_of)
    return await _answer(request, reader, key, compute)


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

    def compute() -> VolatilityViewOut:
        result = service.volatility(_uows(request), reader.user_id, portfolio_id, as_of, start)
        return VolatilityViewOut.model_validate(result)

    key = ("volatility", portfolio_id, as_of, start)
    return await _answer(request, reader, key, compute)


@router.get("/sector-exposure", response_model=SectorViewOut)
async def sector_exposure(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Long, short and net weights per GICS sector against the S&P 500's weights."""

    def compute() -> SectorViewOut:
        result = service.sector_exposure(_uows(request), reader.user_id, portfolio_id, as_of)
        return SectorViewOut.model_validate(result)

    key = ("sector-exposure", portfolio_id, as_of)
    return await _answer(request, reader, key, compute)


@router.get("/concentration", response_model=ConcentrationOut)
async def concentration(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """HHI, effective number of positions, top-3/top-10 and the weights behind them."""

    def compute() -> ConcentrationOut:
        result = service.concentration(_uows(request), reader.user_id, portfolio_id, as_of)
        return ConcentrationOut.model_validate(result)

    key = ("concentration", portfolio_id, as_of)
    return await _answer(request, reader, key, compute)


@router.get("/positions/risk", response_model=PositionRiskViewOut)
async def positions_risk(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Each held position's price, value, weight of NAV, beta and volatility."""

    def compute() -> PositionRiskViewOut:
        result = service.position_risk(_uows(request), reader.user_id, portfolio_id, as_of)
        return PositionRiskViewOut.model_validate(result)

    key = ("positions/risk", portfolio_id, as_of)
    return await _answer(request, reader, key, compute)


@router.get("/snapshots", response_model=SnapshotSeriesOut)
async def snapshots(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    start: Start = None,
    end: Annotated[
        date | None, Query(description="Last date (YYYY-MM-DD); default: the latest snapshot.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_SERIES_ROWS)] = service.MAX_SERIES_ROWS,
) -> Response:
    """Daily snapshot rows, ascending. Without ``start``: the latest ``limit`` up to ``end``;
    with it, the first ``limit`` from ``start`` and ``next_start`` for the next page."""

    def compute() -> SnapshotSeriesOut:
        result = service.snapshot_series(
            _uows(request), reader.user_id, portfolio_id, start, end, limit
        )
        return SnapshotSeriesOut.model_validate(result)

    key = ("snapshots", portfolio_id, start, end, limit)
    return await _answer(request, reader, key, compute)
