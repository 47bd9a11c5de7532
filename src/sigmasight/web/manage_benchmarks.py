"""Dashboard forms of a portfolio's benchmarks: attach a symbol or a blend, detach one.

Each form calls the same service as the API (``services.benchmarks``), is
CSRF-protected and names only the signed-in user's things (another user's ids: 404).
A refused benchmark re-renders the Performance page with the reason; nothing is written.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER

from sigmasight.api.deps import UowFactoryDep
from sigmasight.api.errors import ApiError
from sigmasight.api.schemas_resources import IdPath, service_errors
from sigmasight.services import benchmarks as service
from sigmasight.services.analytics.errors import PortfolioNotFoundError
from sigmasight.web.manage import CsrfField, _portfolio
from sigmasight.web.routes import render_performance
from sigmasight.web.session import check_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(service_errors)])


def _legs(text: str) -> list[service.BenchmarkLeg]:
    """``SPY`` or ``SPY=0.6, AGG=0.4`` (weights as fractions or percentages)."""
    legs = []
    for part in text.replace(";", ",").split(","):
        symbol, _, weight = part.strip().partition("=")
        if not symbol:
            continue
        value = float(weight.strip().rstrip("%")) if weight.strip() else 1.0
        legs.append(service.BenchmarkLeg(symbol.strip(), value / 100 if "%" in weight else value))
    return legs


@router.post("/portfolios/{portfolio_id}/benchmarks", name="web_add_benchmark")
def add(
    request: Request,
    uow_factory: UowFactoryDep,
    portfolio_id: IdPath,
    legs: Annotated[str, Form(max_length=400)] = "",
    rebalance: Annotated[str, Form(max_length=10)] = "daily",
    primary: Annotated[str, Form(max_length=5)] = "",
    csrf_token_field: CsrfField = "",
) -> Response:
    check_csrf(request, csrf_token_field)
    user, _, _ = _portfolio(request, uow_factory, portfolio_id)
    try:
        parsed = _legs(legs)
        service.add_benchmark(
            uow_factory, user.id, portfolio_id, parsed, rebalance, None, primary == "on"
        )
    except ValueError as exc:  # BenchmarkError is one; so is a weight that is no number
        code = getattr(exc, "code", "INVALID_BENCHMARK")
        page: HTMLResponse = render_performance(
            request, uow_factory, portfolio_id, None, f"{code}: {exc}"
        )
        page.status_code = 422
        return page
    except PortfolioNotFoundError as exc:
        raise ApiError(404, "NOT_FOUND", str(exc)) from exc
    return RedirectResponse(f"/portfolios/{portfolio_id}/performance", HTTP_303_SEE_OTHER)


@router.post(
    "/portfolios/{portfolio_id}/benchmarks/{benchmark_id}/delete", name="web_remove_benchmark"
)
def remove(
    request: Request,
    uow_factory: UowFactoryDep,
    portfolio_id: IdPath,
    benchmark_id: IdPath,
    csrf_token_field: CsrfField = "",
) -> RedirectResponse:
    check_csrf(request, csrf_token_field)
    user, _, _ = _portfolio(request, uow_factory, portfolio_id)
    try:
        service.remove_benchmark(uow_factory, user.id, portfolio_id, benchmark_id)
    except (service.BenchmarkNotFoundError, PortfolioNotFoundError) as exc:
        raise ApiError(404, "NOT_FOUND", f"benchmark {benchmark_id} not found") from exc
    return RedirectResponse(f"/portfolios/{portfolio_id}/performance", HTTP_303_SEE_OTHER)
