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
from typing import Annotated, Any, Literal

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
from sigmasight.api.schemas_assets import PositionMetricsViewOut
from sigmasight.api.schemas_correlations import (
    CorrelationMatrixOut,
    RiskContributionsOut,
    RollingCorrelationOut,
)
from sigmasight.api.schemas_factors import PortfolioFactorExposuresOut, PositionFactorExposuresOut
from sigmasight.api.schemas_resources import IdPath, IsoDate
from sigmasight.api.schemas_risk import DrawdownsOut, GreeksOut, RiskMetricsOut, VaRBacktestOut
from sigmasight.api.schemas_stress import StressRunOut, StressScenarioIn, StressTestsOut
from sigmasight.services import analytics as service
from sigmasight.services.analytics import asset_metrics, stress_run
from sigmasight.services.analytics import correlations as correlation_service
from sigmasight.services.analytics import factors as factor_service
from sigmasight.services.analytics import greeks as greeks_service
from sigmasight.services.analytics import stress as stress_service
from sigmasight.services.sessions import moved_note

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
    "risk-metrics": (service.risk_metrics, RiskMetricsOut),
    "drawdowns": (service.drawdowns, DrawdownsOut),
    "var-backtest": (service.var_backtest, VaRBacktestOut),
    "factor-exposures": (factor_service.portfolio_factor_exposures, PortfolioFactorExposuresOut),
    "positions/factor-exposures": (
        factor_service.position_factor_exposures,
        PositionFactorExposuresOut,
    ),
    "positions/metrics": (asset_metrics.position_metrics, PositionMetricsViewOut),
    "correlations": (correlation_service.correlation_matrix, CorrelationMatrixOut),
    "correlations/rolling": (correlation_service.rolling_correlation, RollingCorrelationOut),
    "risk-contributions": (correlation_service.risk_contributions, RiskContributionsOut),
    "greeks": (greeks_service.option_greeks, GreeksOut),
    "stress-tests": (stress_service.stress_tests, StressTestsOut),
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
    except service.InvalidParameterError as exc:
        raise ApiError(422, "INVALID_PARAMETER", str(exc)) from exc


async def _answer(
    request: Request, reader: Reader, view: str, *args: Any, asked: date | None = None
) -> Response:
    """The answer of ``view`` (see :data:`VIEWS`) for the caller and ``args`` (the
    service's arguments after the owner): cached, or computed by the service. ``asked``:
    the ``as_of`` requested, stated in the answer when it was not a session."""
    function, model = VIEWS[view]
    uow_factory: UowFactory = request.app.state.uow_factory

    def compute() -> BaseModel:
        answer = model.model_validate(function(uow_factory, reader.user_id, *args))
        answered = getattr(answer, "as_of", None)
        if asked is None or answered is None or answered == asked:
            return answer
        note = moved_note(asked, answered)
        return answer.model_copy(update={"as_of_requested": asked, "as_of_note": note})

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
    return await _answer(request, reader, "overview", portfolio_id, as_of, asked=as_of)


@router.get("/market-beta", response_model=MarketBetaOut)
async def market_beta(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Each held position's regression beta and the portfolio's weighted and direct betas.

    Options show their underlying's beta; private holdings are listed as excluded."""
    return await _answer(request, reader, "market-beta", portfolio_id, as_of, asked=as_of)


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
    return await _answer(request, reader, "volatility", portfolio_id, as_of, start, asked=as_of)


@router.get("/sector-exposure", response_model=SectorViewOut)
async def sector_exposure(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Long, short and net weights per GICS sector against the S&P 500's weights."""
    return await _answer(request, reader, "sector-exposure", portfolio_id, as_of, asked=as_of)


@router.get("/concentration", response_model=ConcentrationOut)
async def concentration(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """HHI, effective number of positions, top-3/top-10 and the weights behind them."""
    return await _answer(request, reader, "concentration", portfolio_id, as_of, asked=as_of)


@router.get("/positions/risk", response_model=PositionRiskViewOut)
async def positions_risk(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Each held position's price, value, weight of NAV, beta and volatility."""
    return await _answer(request, reader, "positions/risk", portfolio_id, as_of, asked=as_of)


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


@router.get("/risk-metrics", response_model=RiskMetricsOut)
async def risk_metrics(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """VaR/CVaR of the ex-ante series (positive = loss), ratios and drawdown of the
    realized series, risk level and diversification ratio on ``as_of``."""
    return await _answer(request, reader, "risk-metrics", portfolio_id, as_of)


@router.get("/drawdowns", response_model=DrawdownsOut)
async def drawdowns(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Maximum, current and five worst drawdowns of the realized return index, and the
    underwater curve."""
    return await _answer(request, reader, "drawdowns", portfolio_id, as_of)


@router.get("/var-backtest", response_model=VaRBacktestOut)
async def var_backtest(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
    method: Annotated[
        str, Query(description="historical, parametric or cornish_fisher.")
    ] = "historical",
    confidence: Annotated[float, Query(description="0.95 or 0.99.")] = 0.99,
) -> Response:
    """Exceptions of the 1-day VaR over the last 250 sessions, Kupiec and Christoffersen
    tests and the Basel traffic-light zone."""
    return await _answer(request, reader, "var-backtest", portfolio_id, as_of, method, confidence)


Method = Annotated[
    Literal["ols", "ridge"],
    Query(description="Estimator of the security loadings: ols or ridge."),
]


@router.get("/factor-exposures", response_model=PortfolioFactorExposuresOut)
async def factor_exposures(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
    method: Method = "ols",
) -> Response:
    """Portfolio loadings both ways (weighted and direct) with their difference, currency
    exposures, each factor's share of risk, definitions, window and diagnostics."""
    return await _answer(request, reader, "factor-exposures", portfolio_id, as_of, method)


@router.get("/positions/factor-exposures", response_model=PositionFactorExposuresOut)
async def positions_factor_exposures(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
    method: Method = "ols",
) -> Response:
    """Every held position with every registry factor: its security's loading, SE, t, p
    and the position's currency exposure, or the reason the row is empty."""
    return await _answer(request, reader, "positions/factor-exposures", portfolio_id, as_of, method)


@router.get("/positions/metrics", response_model=PositionMetricsViewOut)
async def positions_metrics(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Each held position with its security's indicators, returns and one-year risk."""
    return await _answer(request, reader, "positions/metrics", portfolio_id, as_of, asked=as_of)


@router.get("/correlations", response_model=CorrelationMatrixOut)
async def correlations(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
    horizon: Annotated[str, Query(description="1m, 3m, 6m, 1y or 3y.")] = "1y",
) -> Response:
    """Pairwise-complete correlations of the held securities, with observations,
    p-values and Fisher intervals, in hierarchical clustering order."""
    return await _answer(request, reader, "correlations", portfolio_id, as_of, horizon, asked=as_of)


@router.get("/correlations/rolling", response_model=RollingCorrelationOut)
async def rolling_correlation(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    a: Annotated[str | None, Query(description="A held security (an option's underlying).")] = None,
    b: Annotated[str | None, Query(description="Another held security.")] = None,
    window: Annotated[int, Query(description="20 or 60 sessions.")] = 60,
    as_of: AsOf = None,
) -> Response:
    """The pair's correlation over each trailing window, for the year to ``as_of``."""
    return await _answer(
        request, reader, "correlations/rolling", portfolio_id, a, b, window, as_of, asked=as_of
    )


@router.get("/risk-contributions", response_model=RiskContributionsOut)
async def risk_contributions(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
    measure: Annotated[str, Query(description="volatility, var or cvar.")] = "volatility",
    by: Annotated[str, Query(description="position, sector or factor.")] = "position",
) -> Response:
    """Euler contributions (marginal, component, percent) to the ex-ante volatility,
    historical 95 % VaR or CVaR, by position, sector or factor."""
    return await _answer(
        request, reader, "risk-contributions", portfolio_id, as_of, measure, by, asked=as_of
    )


@router.get("/greeks", response_model=GreeksOut)
async def greeks(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """Black-Scholes-Merton value and Greeks of each option held on ``as_of``, per contract
    and per position, with the inputs used, their sources and the units."""
    return await _answer(request, reader, "greeks", portfolio_id, as_of)


@router.get("/stress-tests", response_model=StressTestsOut)
async def stress_tests(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> Response:
    """P&L of the book and of each position under every stored scenario on ``as_of``
    (historical replays and hypothetical shocks), largest loss first."""
    return await _answer(request, reader, "stress-tests", portfolio_id, as_of)


@router.post("/stress-tests/run", response_model=StressRunOut)
def run_stress_test(
    request: Request,
    portfolio_id: IdPath,
    body: StressScenarioIn,
    reader: CurrentReader,
    as_of: AsOf = None,
) -> StressRunOut:
    """P&L of the book and each position under an ad-hoc hypothetical scenario on
    ``as_of``, computed from stored rows as the batch computes the library's."""
    scenario = stress_run.scenario_from(body.name, body.shocks, body.rate_bp, body.vol_points)
    with _service_errors():
        run = stress_run.run_scenario(
            request.app.state.uow_factory, reader.user_id, portfolio_id, scenario, as_of
        )
    return StressRunOut.model_validate(run)
