"""Dashboard pages. Every number comes from the same services as the API."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.status import HTTP_303_SEE_OTHER

from sigmasight.api.deps import RateLimiterDep, UowFactoryDep
from sigmasight.api.errors import NUL_MESSAGE, ApiError
from sigmasight.api.schemas_resources import IsoDate
from sigmasight.services import analytics
from sigmasight.services.holdings import holdings, pnl_periods
from sigmasight.services.passwords import verify_password
from sigmasight.services.portfolio_import import portfolio_template_csv
from sigmasight.services.portfolios import (
    PortfolioSpec,
    import_portfolio,
    list_portfolios,
    parse_equity,
)
from sigmasight.services.scheduling import (
    latest_computation,
    schedule_portfolio,
    why_not_computable,
)
from sigmasight.storage.models import User
from sigmasight.web import charts
from sigmasight.web.formatting import FILTERS
from sigmasight.web.session import check_csrf, csrf_token, session_user_id, sign_in, sign_out

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
templates.env.filters.update(FILTERS)
templates.env.globals.update(FILTERS)

MAX_UPLOAD_BYTES = 5_000_000
AsOf = Annotated[IsoDate | None, Query(description="Date of the snapshot to show.")]


class LoginRequiredError(Exception):
    """Raised by pages when there is no session; answered with a redirect to /login."""


def _user(request: Request, uow_factory: UowFactoryDep) -> User:
    user_id = session_user_id(request)
    if user_id is None:
        raise LoginRequiredError
    with uow_factory() as uow:
        user = uow.users.get(user_id)
        if user is None:
            sign_out(request)
            raise LoginRequiredError
        uow.session.expunge(user)
        return user


def _render(request: Request, template: str, user: User | None, **context: Any) -> HTMLResponse:
    context.update(request=request, user=user, csrf=csrf_token(request))
    return templates.TemplateResponse(request, template, context)


def _script_json(value: object) -> str:
    """JSON safe inside a <script> element (no "</script>" from user-provided names)."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")


@router.get("/", name="web_home")
def home() -> RedirectResponse:
    return RedirectResponse("/portfolios", HTTP_303_SEE_OTHER)


@router.get("/login", name="web_login")
def login_page(request: Request) -> HTMLResponse:
    return _render(request, "login.html", None, error=None, email=None)


@router.post("/login")
def login(
    request: Request,
    uow_factory: UowFactoryDep,
    limiter: RateLimiterDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token_field: Annotated[str, Form(alias="csrf_token")] = "",
) -> Response:
    check_csrf(request, csrf_token_field)
    email = email.strip().lower()
    if "\x00" in email or "\x00" in password:
        response = _render(request, "login.html", None, error=NUL_MESSAGE, email=None)
        response.status_code = 422
        return response
    key = f"web|{email}|{request.client.host if request.client else '-'}"
    if wait := limiter.retry_after(key):
        error = f"Too many failed logins; try again in {wait} seconds."
        return _render(request, "login.html", None, error=error, email=email)
    with uow_factory() as uow:
        user = uow.users.get_by_email(email)
        valid = user is not None and verify_password(user.password_hash, password)
        user_id = user.id if user is not None else 0
    if not valid:
        limiter.failed(key)
        response = _render(
            request, "login.html", None, error="E-mail or password is wrong.", email=email
        )
        response.status_code = 401
        return response
    limiter.succeeded(key)
    sign_in(request, user_id)
    return RedirectResponse("/portfolios", HTTP_303_SEE_OTHER)


@router.post("/logout", name="web_logout")
def logout(
    request: Request, csrf_token_field: Annotated[str, Form(alias="csrf_token")] = ""
) -> RedirectResponse:
    check_csrf(request, csrf_token_field)
    sign_out(request)
    return RedirectResponse("/login", HTTP_303_SEE_OTHER)


@router.get("/portfolios", name="web_portfolios")
def portfolios(request: Request, uow_factory: UowFactoryDep) -> HTMLResponse:
    user = _user(request, uow_factory)
    cards = []
    for summary in list_portfolios(uow_factory, user.id):
        try:
            overview = analytics.portfolio_overview(uow_factory, user.id, summary.id)
            nav, as_of = overview.nav, overview.as_of
        except analytics.NoSnapshotError:
            nav, as_of = None, None
        cards.append(
            {
                "id": summary.id,
                "name": summary.name,
                "account_type": summary.account_type.value,
                "positions": summary.positions,
                "benchmark": summary.benchmark,
                "nav": nav,
                "as_of": as_of,
            }
        )
    return _render(request, "portfolios.html", user, cards=cards)


def _page(
    request: Request,
    uow_factory: UowFactoryDep,
    portfolio_id: int,
    page: str,
    template: str,
    as_of: date | None,
    build: Any,
) -> HTMLResponse:
    user = _user(request, uow_factory)
    owned = list_portfolios(uow_factory, user.id)
    portfolio = next((p for p in owned if p.id == portfolio_id), None)
    if portfolio is None:
        raise ApiError(404, "NOT_FOUND", f"portfolio {portfolio_id} not found")
    common = {
        "portfolio": portfolio,
        "portfolios": owned,
        "page": page,
        "as_of_param": as_of.isoformat() if as_of else "",
    }
    try:
        context = build(user.id, as_of)
    except analytics.NoSnapshotError as exc:
        latest = exc.latest_available
        response = _render(
            request,
            "no_snapshot.html",
            user,
            message=str(exc),
            latest=latest,
            as_of=as_of,
            computation=latest_computation(uow_factory, user.id, portfolio_id),
            blocked=why_not_computable(uow_factory, portfolio_id),
            **common,
        )
        response.status_code = 404
        return response
    return _render(request, template, user, **common, **context)


@router.get("/portfolios/{portfolio_id}", name="web_overview")
def overview(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> HTMLResponse:
    def build(owner: int, day: date | None) -> dict[str, Any]:
        view = analytics.portfolio_overview(uow_factory, owner, portfolio_id, day)
        return {"o": view, "pnl": pnl_periods(uow_factory, owner, portfolio_id, view.as_of)}

    return _page(request, uow_factory, portfolio_id, "web_overview", "overview.html", as_of, build)


@router.get("/portfolios/{portfolio_id}/holdings", name="web_holdings")
def holdings_page(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> HTMLResponse:
    def build(owner: int, day: date | None) -> dict[str, Any]:
        return {"h": holdings(uow_factory, owner, portfolio_id, day)}

    return _page(request, uow_factory, portfolio_id, "web_holdings", "holdings.html", as_of, build)


@router.get("/portfolios/{portfolio_id}/risk", name="web_risk")
def risk(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> HTMLResponse:
    def build(owner: int, day: date | None) -> dict[str, Any]:
        vol = analytics.volatility(uow_factory, owner, portfolio_id, day)
        sectors = analytics.sector_exposure(uow_factory, owner, portfolio_id, day)
        conc = analytics.concentration(uow_factory, owner, portfolio_id, day)
        betas = analytics.market_beta(uow_factory, owner, portfolio_id, day)
        figures = {
            "vol-chart": charts.volatility_history(vol),
            "sector-chart": charts.sector_bars(sectors),
            "weights-chart": charts.weights(conc),
            "beta-chart": charts.beta_intervals(betas),
        }
        return {
            "vol": vol,
            "sectors": sectors,
            "conc": conc,
            "betas": betas,
            "figures_json": _script_json(figures),
        }

    return _page(request, uow_factory, portfolio_id, "web_risk", "risk.html", as_of, build)


@router.get("/portfolios/{portfolio_id}/history", name="web_history")
def history(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> HTMLResponse:
    def build(owner: int, day: date | None) -> dict[str, Any]:
        series = analytics.snapshot_series(uow_factory, owner, portfolio_id, end=day)
        view = analytics.portfolio_overview(uow_factory, owner, portfolio_id, day)
        figure = charts.nav_history(series)
        figures = _script_json({"nav-chart": figure})
        return {"series": series, "o": view, "figures_json": figures}

    return _page(request, uow_factory, portfolio_id, "web_history", "history.html", as_of, build)


@router.get("/import", name="web_import")
def import_page(request: Request, uow_factory: UowFactoryDep) -> HTMLResponse:
    user = _user(request, uow_factory)
    return _render(request, "import.html", user, errors=None, message=None)


@router.post("/import")
async def import_upload(
    request: Request,
    uow_factory: UowFactoryDep,
    name: Annotated[str, Form(max_length=200)],
    file: Annotated[UploadFile, File()],
    equity: Annotated[str, Form(max_length=30)] = "",
    csrf_token_field: Annotated[str, Form(alias="csrf_token")] = "",
) -> Response:
    check_csrf(request, csrf_token_field)
    user = _user(request, uow_factory)
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    try:
        equity_balance = parse_equity(equity)
    except ValueError as exc:
        response = _render(
            request,
            "import.html",
            user,
            errors=None,
            name=name,
            equity=equity,
            message=str(exc),
        )
        response.status_code = 422
        return response
    spec = PortfolioSpec(name, equity_balance=equity_balance)
    outcome = import_portfolio(uow_factory, user.id, spec, data, today=date.today())
    if not outcome.ok:
        response = _render(
            request,
            "import.html",
            user,
            errors=outcome.errors,
            name=name,
            equity=equity,
            message=None,
        )
        response.status_code = 422
        return response
    assert outcome.portfolio_id is not None
    secret = request.app.state.settings.jwt_secret.get_secret_value()
    now = datetime.now(UTC)
    schedule_portfolio(uow_factory, secret, user.id, outcome.portfolio_id, now=now)
    target = f"/portfolios/{outcome.portfolio_id}"  # its page says how the computation goes
    return RedirectResponse(target, HTTP_303_SEE_OTHER)


@router.get("/import/template.csv", name="web_template")
def template() -> Response:
    return Response(
        portfolio_template_csv(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="sigmasight-template.csv"'},
    )
