"""Dashboard pages. Every number comes from the same services as the API."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.status import HTTP_303_SEE_OTHER

from sigmasight.api.deps import LoginGuardDep, UowFactoryDep
from sigmasight.api.errors import NUL_MESSAGE, ApiError
from sigmasight.api.login import InvalidCredentialsError, TooManyAttemptsError
from sigmasight.api.schemas_resources import IsoDate
from sigmasight.charts import portfolio as charts
from sigmasight.charts import risk as charts_risk
from sigmasight.services import analytics
from sigmasight.services.analytics import asset_metrics
from sigmasight.services.holdings import holdings, pnl_periods
from sigmasight.services.holdings_summary import holdings_totals, overview_holdings, position_cost
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
from sigmasight.services.sessions import session_on_or_before
from sigmasight.storage.models import User
from sigmasight.storage.sessions import live_user, revoke
from sigmasight.web.formatting import FILTERS
from sigmasight.web.session import (
    SESSION_SECONDS,
    check_csrf,
    csrf_token,
    current_session,
    sign_in,
    sign_out,
)

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
templates.env.filters.update(FILTERS)
templates.env.globals.update(FILTERS)


@pass_context
def _path_for(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    """Links as paths: Starlette's ``url_for`` makes absolute URLs from the request's
    ``Host`` header, which a client chooses."""
    request: Request = context["request"]
    root: str = request.scope.get("root_path", "")
    return root + str(request.app.url_path_for(name, **path_params))


templates.env.globals["url_for"] = _path_for

MAX_UPLOAD_BYTES = 5_000_000
AsOf = Annotated[IsoDate | None, Query(description="Date of the snapshot to show.")]


class LoginRequiredError(Exception):
    """Raised by pages when there is no session; answered with a redirect to /login."""


def _user(request: Request, uow_factory: UowFactoryDep) -> User:
    claimed = current_session(request)
    if claimed is None:
        raise LoginRequiredError
    with uow_factory() as uow:
        user = live_user(uow.session, claimed.user_id, claimed.user_key, (claimed.session_id,))
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
async def login(
    request: Request,
    uow_factory: UowFactoryDep,
    guard: LoginGuardDep,
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
    try:
        user = await guard.log_in(request, uow_factory, email, password)
    except TooManyAttemptsError as exc:
        error = f"Too many failed logins; try again in {exc.wait} seconds."
        response = _render(request, "login.html", None, error=error, email=email)
        response.status_code = 429
        return response
    except InvalidCredentialsError:
        error = "E-mail or password is wrong."
        response = _render(request, "login.html", None, error=error, email=email)
        response.status_code = 401
        return response
    sign_in(request, user.user_id, user.user_key)
    return RedirectResponse("/portfolios", HTTP_303_SEE_OTHER)


@router.post("/logout", name="web_logout")
def logout(
    request: Request,
    uow_factory: UowFactoryDep,
    csrf_token_field: Annotated[str, Form(alias="csrf_token")] = "",
) -> RedirectResponse:
    """End the session server-side too: a copy of the cookie no longer works."""
    check_csrf(request, csrf_token_field)
    claimed = current_session(request)
    if claimed is not None:
        expiry = datetime.now(UTC) + timedelta(seconds=SESSION_SECONDS)
        with uow_factory() as uow:
            if uow.users.get(claimed.user_id) is not None:
                revoke(uow.session, claimed.user_id, {claimed.session_id: expiry})
                uow.commit()
    sign_out(request)
    return RedirectResponse("/login", HTTP_303_SEE_OTHER)


@router.get("/portfolios", name="web_portfolios")
def portfolios(request: Request, uow_factory: UowFactoryDep) -> HTMLResponse:
    user = _user(request, uow_factory)
    cards = []
    for summary in list_portfolios(uow_factory, user.id):
        try:
            overview = analytics.portfolio_overview(uow_factory, user.id, summary.id)
            nav, as_of, held = overview.nav, overview.as_of, overview.counts.positions
        except analytics.NoSnapshotError:
            nav, as_of, held = None, None, None
        cards.append(
            {
                "id": summary.id,
                "name": summary.name,
                "account_type": summary.account_type,
                "lots": summary.positions,
                "open_positions": held,
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
        "as_of_note": session_on_or_before(as_of).note if as_of else None,
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


def _factor_headline(uow_factory: Any, owner: int, portfolio_id: int, day: date) -> Any:
    """The overview's factor card: the Factors page's view, or None before the batch."""
    from sigmasight.services.analytics import factors as factor_views

    try:
        return factor_views.portfolio_factor_exposures(uow_factory, owner, portfolio_id, day)
    except analytics.NoSnapshotError:
        return None


def _performance_headline(uow_factory: Any, owner: int, portfolio_id: int, day: date) -> Any:
    """The overview's performance card: the Performance page's view, or None before the
    family stored a row for the date."""
    from sigmasight.services.analytics import performance as performance_views

    try:
        return performance_views.performance(uow_factory, owner, portfolio_id, day)
    except analytics.NoSnapshotError:
        return None


def _correlation_headline(uow_factory: Any, owner: int, portfolio_id: int, day: date) -> Any:
    """The overview's correlation card: the stored summary, or None before the batch."""
    from sigmasight.services.analytics import correlations as correlation_views

    return correlation_views.correlation_summary(uow_factory, owner, portfolio_id, day)


def _stress_headline(uow_factory: Any, owner: int, portfolio_id: int, day: date) -> Any:
    """The overview's stress card: the date's worst stored scenario, or None before the
    family stored a row for the date."""
    from sigmasight.services.analytics import stress as stress_views

    return stress_views.stress_headline(uow_factory, owner, portfolio_id, day)


def _limit_alerts(uow_factory: Any, owner: int, portfolio_id: int, day: date) -> Any:
    """The overview's limit card: the date's alerts, or None without limits."""
    from sigmasight.services.resources import limits

    if not limits.list_limits(uow_factory, owner, portfolio_id):
        return None
    return limits.list_alerts(uow_factory, owner, portfolio_id, day, day)


@router.get("/portfolios/{portfolio_id}", name="web_overview")
def overview(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> HTMLResponse:
    def build(owner: int, day: date | None) -> dict[str, Any]:
        view = analytics.portfolio_overview(uow_factory, owner, portfolio_id, day)
        extra = overview_holdings(uow_factory, owner, portfolio_id, view.as_of)
        figures = _script_json({"allocation-chart": charts.allocation(extra)})
        try:
            risk = analytics.risk_metrics(uow_factory, owner, portfolio_id, view.as_of)
        except analytics.NoSnapshotError:  # a snapshot written before the family existed
            risk = None
        return {
            "o": view,
            "pnl": pnl_periods(uow_factory, owner, portfolio_id, view.as_of),
            "risk": risk,
            "factors": _factor_headline(uow_factory, owner, portfolio_id, view.as_of),
            "trend": asset_metrics.trend_breadth(
                asset_metrics.position_metrics(uow_factory, owner, portfolio_id, view.as_of)
            ),
            "corr": _correlation_headline(uow_factory, owner, portfolio_id, view.as_of),
            "perf": _performance_headline(uow_factory, owner, portfolio_id, view.as_of),
            "alerts": _limit_alerts(uow_factory, owner, portfolio_id, view.as_of),
            "stress": _stress_headline(uow_factory, owner, portfolio_id, view.as_of),
            "oh": extra,
            "figures_json": figures,
        }

    return _page(request, uow_factory, portfolio_id, "web_overview", "overview.html", as_of, build)


@router.get("/portfolios/{portfolio_id}/holdings", name="web_holdings")
def holdings_page(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> HTMLResponse:
    def build(owner: int, day: date | None) -> dict[str, Any]:
        view = holdings(uow_factory, owner, portfolio_id, day)
        metrics = asset_metrics.position_metrics(uow_factory, owner, portfolio_id, view.as_of)
        return {
            "h": view,
            "am": {p.position_id: p for p in metrics.positions},
            "totals": holdings_totals(view),
            "cost": position_cost,
        }

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


#: Rows of the History page's table per page (newest first).
HISTORY_PAGE_ROWS = 50


@router.get("/portfolios/{portfolio_id}/history", name="web_history")
def history(
    request: Request,
    uow_factory: UowFactoryDep,
    portfolio_id: int,
    as_of: AsOf = None,
    page: Annotated[int, Query(ge=1, le=10_000, description="Page of the table.")] = 1,
) -> HTMLResponse:
    def build(owner: int, day: date | None) -> dict[str, Any]:
        series = analytics.snapshot_series(uow_factory, owner, portfolio_id, end=day)
        view = analytics.portfolio_overview(uow_factory, owner, portfolio_id, day)
        figure = charts.nav_history(series)
        figures = _script_json({"nav-chart": figure})
        newest_first = list(reversed(series.rows))
        pages = max(1, -(-len(newest_first) // HISTORY_PAGE_ROWS))
        shown = min(page, pages)
        first = (shown - 1) * HISTORY_PAGE_ROWS
        return {
            "series": series,
            "o": view,
            "figures_json": figures,
            "rows": newest_first[first : first + HISTORY_PAGE_ROWS],
            "page_no": shown,
            "page_count": pages,
            "first_row": first + 1,
            "total_rows": len(newest_first),
        }

    return _page(request, uow_factory, portfolio_id, "web_history", "history.html", as_of, build)


@router.get("/portfolios/{portfolio_id}/risk-metrics", name="web_risk_metrics")
def risk_metrics_page(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> HTMLResponse:
    def build(owner: int, day: date | None) -> dict[str, Any]:
        m = analytics.risk_metrics(uow_factory, owner, portfolio_id, day)
        dd = analytics.drawdowns(uow_factory, owner, portfolio_id, m.as_of)
        bt = analytics.var_backtest(uow_factory, owner, portfolio_id, m.as_of)
        figures = {
            "hist-chart": charts_risk.return_histogram(m, bt),
            "underwater-chart": charts_risk.underwater(dd),
            "backtest-chart": charts_risk.backtest(bt),
        }
        var99 = next(
            (
                e
                for e in m.ex_ante.var
                if (e.method, e.confidence, e.scaling) == ("historical", 0.99, "one_day")
            ),
            None,
        )
        return {"m": m, "bt": bt, "var99": var99, "figures_json": _script_json(figures)}

    return _page(
        request, uow_factory, portfolio_id, "web_risk_metrics", "risk_metrics.html", as_of, build
    )


@router.get("/portfolios/{portfolio_id}/performance", name="web_performance")
def performance_page(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> HTMLResponse:
    return render_performance(request, uow_factory, portfolio_id, as_of)


@router.get("/portfolios/{portfolio_id}/tearsheet.html", name="web_tearsheet")
def tearsheet_download(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> Response:
    """The Performance page's "Download tearsheet (HTML)": the report (one offline file)
    the API's ``/report`` and ``sigmasight report`` give, as an attachment."""
    return _tearsheet(request, uow_factory, portfolio_id, as_of, "html")


@router.get("/portfolios/{portfolio_id}/tearsheet.pdf", name="web_tearsheet_pdf")
def tearsheet_pdf_download(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> Response:
    """The same report printed to PDF by the server's Chromium (a ``def`` route: the
    synchronous Playwright runs in a worker thread); 503 ``PDF_UNAVAILABLE`` without it."""
    return _tearsheet(request, uow_factory, portfolio_id, as_of, "pdf")


TEARSHEET_MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _tearsheet(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: date | None, fmt: str
) -> Response:
    from sigmasight.reports.tearsheet import PdfUnavailableError, render
    from sigmasight.services.analytics.errors import PortfolioNotFoundError
    from sigmasight.services.tearsheet import build_tearsheet

    user = _user(request, uow_factory)
    try:
        sheet = build_tearsheet(uow_factory, user.id, portfolio_id, as_of)
    except PortfolioNotFoundError as exc:
        raise ApiError(404, "NOT_FOUND", f"portfolio {portfolio_id} not found") from exc
    except analytics.NoSnapshotError as exc:
        raise ApiError(404, "NO_SNAPSHOT", str(exc)) from exc
    try:
        body = render(sheet, fmt, request.app.state.settings.chromium)
    except PdfUnavailableError as exc:
        raise ApiError(503, "PDF_UNAVAILABLE", str(exc)) from exc
    name = f"tearsheet-{portfolio_id}-{sheet.as_of.isoformat()}.{fmt}"
    return Response(
        body,
        media_type=TEARSHEET_MEDIA[fmt],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def render_performance(
    request: Request,
    uow_factory: UowFactoryDep,
    portfolio_id: int,
    as_of: date | None = None,
    benchmark_error: str | None = None,
) -> HTMLResponse:
    """The Performance page (with the benchmark form's refusal, when there is one)."""
    from sigmasight.charts import performance as charts_performance
    from sigmasight.services import benchmarks as benchmark_service
    from sigmasight.services.analytics import performance as performance_views
    from sigmasight.services.analytics.attribution import attribution

    def build(owner: int, day: date | None) -> dict[str, Any]:
        p = performance_views.performance_page(uow_factory, owner, portfolio_id, day)
        try:
            a = attribution(uow_factory, owner, portfolio_id, None, p.view.as_of)
        except analytics.InvalidRangeError:  # a single stored session: nothing to split
            a = None
        figures = {
            "cumulative-chart": charts_performance.cumulative(p),
            "monthly-chart": charts_performance.monthly_heatmap(p),
            "tracking-chart": charts_performance.rolling_tracking_error(p),
        }
        if a is not None:
            figures["attribution-chart"] = charts_performance.attribution_bars(a)
        attached = benchmark_service.list_benchmarks(uow_factory, owner, portfolio_id)
        return {
            "p": p,
            "a": a,
            "attached": attached,
            "benchmark_error": benchmark_error,
            "figures_json": _script_json(figures),
        }

    return _page(
        request, uow_factory, portfolio_id, "web_performance", "performance.html", as_of, build
    )


@router.get("/portfolios/{portfolio_id}/factors", name="web_factors")
def factors_page(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> HTMLResponse:
    from sigmasight.charts import factors as charts_factors
    from sigmasight.services.analytics import factors as factor_views

    def build(owner: int, day: date | None) -> dict[str, Any]:
        view = factor_views.portfolio_factor_exposures(uow_factory, owner, portfolio_id, day)
        history = factor_views.portfolio_factor_history(uow_factory, owner, portfolio_id, day)
        figures = {
            "loadings-chart": charts_factors.loadings(view),
            "risk-chart": charts_factors.risk_shares(view),
            "history-chart": charts_factors.loadings_over_time(history),
        }
        return {
            "f": view,
            "positions": factor_views.position_factor_exposures(
                uow_factory, owner, portfolio_id, view.as_of
            ),
            "figures_json": _script_json(figures),
        }

    return _page(request, uow_factory, portfolio_id, "web_factors", "factors.html", as_of, build)


@router.get("/portfolios/{portfolio_id}/correlations", name="web_correlations")
def correlations_page(
    request: Request,
    uow_factory: UowFactoryDep,
    portfolio_id: int,
    as_of: AsOf = None,
    horizon: str = "1y",
    measure: str = "volatility",
    a: str | None = None,
    b: str | None = None,
    window: int = 60,
) -> HTMLResponse:
    from sigmasight.analytics.correlations import CORRELATION_HORIZONS
    from sigmasight.charts import correlations as charts
    from sigmasight.services.analytics import correlations as views

    measures = (("volatility", "Volatility"), ("var", "VaR 95%"), ("cvar", "CVaR 95%"))
    measure = measure if measure in dict(measures) else "volatility"
    horizon = horizon if horizon in CORRELATION_HORIZONS else "1y"

    def build(owner: int, day: date | None) -> dict[str, Any]:
        m = views.correlation_matrix(uow_factory, owner, portfolio_id, day, horizon)
        splits = {
            by: views.risk_contributions(uow_factory, owner, portfolio_id, m.as_of, measure, by)
            for by in views.GROUPINGS
        }
        figures = {"heatmap-chart": charts.heatmap(m)}
        figures |= {f"contrib-{by}-chart": charts.contributions(v) for by, v in splits.items()}
        pair = [s for s in (a, b) if s in m.symbols]
        pair += [s for s in m.symbols if s not in pair][: 2 - len(pair)]
        r = None
        if len(pair) == 2:
            size = window if window in (20, 60) else 60
            r = views.rolling_correlation(
                uow_factory, owner, portfolio_id, pair[0], pair[1], size, m.as_of
            )
            figures["rolling-chart"] = charts.rolling(r)
        return {
            "m": m,
            "r": r,
            "splits": splits,
            "measure": measure,
            "measures": measures,
            "measure_label": dict(measures)[measure],
            "horizons": list(CORRELATION_HORIZONS),
            "figures_json": _script_json(figures),
        }

    return _page(
        request, uow_factory, portfolio_id, "web_correlations", "correlations.html", as_of, build
    )


@router.get("/portfolios/{portfolio_id}/stress", name="web_stress")
def stress_page(
    request: Request,
    uow_factory: UowFactoryDep,
    portfolio_id: int,
    as_of: AsOf = None,
    scenario: str | None = None,
    by: str = "position",
) -> HTMLResponse:
    from sigmasight.charts import stress as charts_stress
    from sigmasight.services.analytics.greeks import option_greeks
    from sigmasight.services.analytics.stress import stress_tests

    by = by if by in charts_stress.GROUPINGS else "position"

    def build(owner: int, day: date | None) -> dict[str, Any]:
        view = stress_tests(uow_factory, owner, portfolio_id, day)
        chosen = next((s for s in view.scenarios if s.key == scenario), None)
        chosen = chosen or (view.scenarios[0] if view.scenarios else None)
        figures = {"waterfall-chart": charts_stress.waterfall(chosen, by)} if chosen else {}
        return {
            "s": view,
            "chosen": chosen,
            "by": by,
            "parts": charts_stress.contributions(chosen, by) if chosen else [],
            "g": option_greeks(uow_factory, owner, portfolio_id, view.as_of),
            "figures_json": _script_json(figures),
        }

    return _page(request, uow_factory, portfolio_id, "web_stress", "stress.html", as_of, build)


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


@router.get("/portfolios/{portfolio_id}/securities/{symbol}", name="web_security")
def security_page(
    request: Request,
    uow_factory: UowFactoryDep,
    portfolio_id: int,
    symbol: str,
    as_of: AsOf = None,
) -> HTMLResponse:
    """One security's chart and asset metrics, reached from a holding of the portfolio."""
    wanted = symbol.strip().upper()

    def build(owner: int, day: date | None) -> dict[str, Any]:
        snapshot_day = analytics.portfolio_overview(uow_factory, owner, portfolio_id, day).as_of
        try:
            found = asset_metrics.security_metrics(uow_factory, wanted, snapshot_day)
        except asset_metrics.NoAssetMetricsError as exc:
            return {"symbol": wanted, "m": None, "message": str(exc), "figures_json": "{}"}
        points = asset_metrics.security_history(uow_factory, wanted, found.as_of)
        figures = _script_json({"security-chart": charts.security_chart(points)})
        return {"symbol": wanted, "m": found, "message": None, "figures_json": figures}

    return _page(request, uow_factory, portfolio_id, "web_holdings", "security.html", as_of, build)
