"""Performance of one of the caller's portfolios: track record, benchmarks, comparison."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, TypeAdapter

from sigmasight.api.answers import AnswerCache, Rendered
from sigmasight.api.deps import CurrentUser, UowFactoryDep
from sigmasight.api.errors import ApiError, not_found
from sigmasight.api.readers import CurrentReader, Reader
from sigmasight.api.routes.analytics import AsOf, Start, _service_errors
from sigmasight.api.schemas_performance import (
    AttributionOut,
    BenchmarkComparisonOut,
    BenchmarkCreate,
    BenchmarkOut,
    PerformanceOut,
)
from sigmasight.api.schemas_resources import IdPath, IsoDate, error_responses
from sigmasight.services import benchmarks as benchmark_service
from sigmasight.services.analytics import attribution as attribution_service
from sigmasight.services.analytics import performance as service
from sigmasight.services.sessions import moved_note
from sigmasight.storage.history_performance import BENCHMARK_WINDOWS

router = APIRouter(
    prefix="/analytics/portfolio/{portfolio_id}",
    tags=["performance"],
    responses=error_responses(404, 422),
)

Window = Annotated[
    str,
    Query(
        description=f"One of {', '.join(BENCHMARK_WINDOWS)}.",
        pattern="^(" + "|".join(BENCHMARK_WINDOWS) + ")$",
    ),
]


@contextmanager
def _errors() -> Iterator[None]:
    with _service_errors():
        try:
            yield
        except service.NoBenchmarkMetricsError as exc:
            raise ApiError(404, "NO_BENCHMARK_METRICS", str(exc)) from exc
        except benchmark_service.BenchmarkError as exc:
            code = 409 if exc.code == "DUPLICATE_BENCHMARK" else 422
            raise ApiError(code, exc.code, str(exc), exc.details) from exc
        except benchmark_service.BenchmarkNotFoundError as exc:
            raise not_found("benchmark", exc.args[0]) from exc


async def _answer(
    request: Request,
    reader: Reader,
    key: tuple[Any, ...],
    model: type[BaseModel],
    function: Any,
    *args: Any,
    asked: date | None,
) -> Response:
    def compute() -> BaseModel:
        answer = model.model_validate(
            function(request.app.state.uow_factory, reader.user_id, *args)
        )
        answered = getattr(answer, "as_of", None)
        if asked is None or answered is None or answered == asked:
            return answer
        return answer.model_copy(
            update={"as_of_requested": asked, "as_of_note": moved_note(asked, answered)}
        )

    answers: AnswerCache = request.app.state.answers
    with _errors():
        return await answers.respond(request, reader, key, compute)


@router.get("/performance", response_model=PerformanceOut)
async def performance(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
    start: Start = None,
) -> Response:
    """Time-weighted return (cumulative, annualised beyond a year), XIRR (null with the
    reason when there is no solution), period returns ending at ``as_of`` and the daily
    NAV, flow and TWR series from ``start`` (default: inception)."""
    key = ("performance", portfolio_id, as_of, start)
    return await _answer(
        request, reader, key, PerformanceOut, service.performance, portfolio_id, as_of, start,
        asked=as_of,
    )  # fmt: skip


@router.get("/benchmark-comparison", response_model=BenchmarkComparisonOut)
async def benchmark_comparison(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: AsOf = None,
    benchmark: Annotated[
        str | None, Query(max_length=64, description="Name; default: the primary.")
    ] = None,
    window: Window = "1y",
) -> Response:
    """Excess return, tracking error, information ratio, beta, Jensen's alpha,
    correlation, capture ratios and hit rate against a benchmark over a window."""
    key = ("benchmark-comparison", portfolio_id, as_of, benchmark, window)
    return await _answer(
        request, reader, key, BenchmarkComparisonOut, service.benchmark_comparison,
        portfolio_id, as_of, benchmark, window, asked=as_of,
    )  # fmt: skip


@router.get("/attribution", response_model=AttributionOut)
async def attribution(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    start: Start = None,
    end: Annotated[
        IsoDate | None, Query(description="Last date (YYYY-MM-DD); default: the latest.")
    ] = None,
) -> Response:
    """The period's time-weighted return split into the market, each registry factor
    (exposures at the previous close) and the specific remainder, summing exactly."""
    key = ("attribution", portfolio_id, start, end)
    return await _answer(
        request, reader, key, AttributionOut, attribution_service.attribution,
        portfolio_id, start, end, asked=None,
    )  # fmt: skip


#: The benchmarks as served (the route answers JSON bytes from the answer cache).
BENCHMARKS = TypeAdapter(list[BenchmarkOut])


@router.get("/benchmarks", response_model=list[BenchmarkOut])
async def list_benchmarks(
    request: Request, portfolio_id: IdPath, reader: CurrentReader
) -> Response:
    """The portfolio's benchmarks, the primary flagged (the default S&P 500 when none).
    Cached per data revision like the analytics answers."""
    uow_factory = request.app.state.uow_factory

    def compute() -> Rendered:
        found = benchmark_service.list_benchmarks(uow_factory, reader.user_id, portfolio_id)
        served = [BenchmarkOut.model_validate(b) for b in found]
        return Rendered(BENCHMARKS.dump_json(served), "application/json")

    answers: AnswerCache = request.app.state.answers
    with _errors():
        return await answers.respond(request, reader, ("benchmarks", portfolio_id), compute)


@router.post(
    "/benchmarks",
    status_code=status.HTTP_201_CREATED,
    response_model=BenchmarkOut,
    responses=error_responses(404, 409, 422),
)
def add_benchmark(
    portfolio_id: IdPath, body: BenchmarkCreate, user: CurrentUser, uow_factory: UowFactoryDep
) -> BenchmarkOut:
    """Attach a symbol or a fixed-weight blend (rebalanced daily or monthly). Refused,
    with nothing written: UNKNOWN_SYMBOL, WEIGHTS_NOT_ONE, NO_PRICE_HISTORY,
    DUPLICATE_BENCHMARK (409). The figures follow at the next batch run."""
    legs = [benchmark_service.BenchmarkLeg(leg.symbol, leg.weight) for leg in body.legs]
    with _errors():
        added = benchmark_service.add_benchmark(
            uow_factory, user.id, portfolio_id, legs, body.rebalance, body.name, body.is_primary
        )
    return BenchmarkOut.model_validate(added)


@router.delete("/benchmarks/{benchmark_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_benchmark(
    portfolio_id: IdPath, benchmark_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> Response:
    """Detach a benchmark; a removed primary passes to the oldest remaining one."""
    with _errors():
        benchmark_service.remove_benchmark(uow_factory, user.id, portfolio_id, benchmark_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


#: The formats of the report; a PDF is the HTML printed by the server's Chromium.
REPORT_FORMATS = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


@router.get(
    "/report",
    response_class=Response,
    responses={
        200: {"content": {kind: {} for kind in REPORT_FORMATS.values()}},
        **error_responses(404, 422, 503),
    },
)
async def report(
    portfolio_id: IdPath,
    reader: CurrentReader,
    request: Request,
    as_of: AsOf = None,
    format: Annotated[
        str,
        Query(
            pattern="^(html|md|json|pdf)$",
            description="html (one offline file), md, json or pdf (printed by Chromium).",
        ),
    ] = "html",
) -> Response:
    """The tearsheet (the report ``sigmasight report`` writes) as a download: summary and
    coverage, performance against the benchmarks, period and monthly returns,
    attribution, drawdowns, rolling volatility and beta, risk metrics, sectors, factors
    and top risk contributors, read from the stored figures of ``as_of``. A PDF needs
    Playwright (the ``pdf`` extra) and Chromium on the server: without them the answer
    is 503 ``PDF_UNAVAILABLE`` saying what is missing. The text formats are cached per
    data revision like the analytics answers; a PDF is printed on every request, by
    Playwright's synchronous API in a worker thread, outside the event loop."""
    uow_factory = request.app.state.uow_factory
    chromium = request.app.state.settings.chromium

    def compute() -> Rendered:
        return _report(uow_factory, reader.user_id, portfolio_id, as_of, format, chromium)

    with _errors():
        if format == "pdf":
            rendered = await run_in_threadpool(compute)
            return Response(
                rendered.body, media_type=rendered.media_type, headers=dict(rendered.headers)
            )
        answers: AnswerCache = request.app.state.answers
        key = ("report", portfolio_id, as_of, format)
        return await answers.respond(request, reader, key, compute)


def _report(
    uow_factory: Any, user_id: int, portfolio_id: int, as_of: date | None, format: str,
    chromium: Path,
) -> Rendered:  # fmt: skip
    """The tearsheet of ``as_of`` in ``format``, with its download name."""
    from sigmasight.reports.tearsheet import PdfUnavailableError, render
    from sigmasight.services.tearsheet import build_tearsheet

    sheet = build_tearsheet(uow_factory, user_id, portfolio_id, as_of)
    try:
        body = render(sheet, format, chromium)
    except PdfUnavailableError as exc:
        raise ApiError(503, "PDF_UNAVAILABLE", str(exc)) from exc
    name = f"tearsheet-{portfolio_id}-{sheet.as_of.isoformat()}.{format}"
    disposition = (("content-disposition", f'attachment; filename="{name}"'),)
    return Rendered(_bytes(body), REPORT_FORMATS[format], disposition)


def _bytes(body: str | bytes) -> bytes:
    return body.encode() if isinstance(body, str) else body
