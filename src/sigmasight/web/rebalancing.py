"""The rebalancing page: allocation against target bands, drift history, the
back-to-target proposal with its before/after risk, events (approve, cancel) and alerts.

Every figure comes from the services the API uses; the forms are CSRF-protected and name
only the signed-in user's things (another user's ids are 404, as in the API)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.status import HTTP_303_SEE_OTHER

from sigmasight.analytics.rebalancing import Constraints
from sigmasight.api.deps import UowFactoryDep, utcnow
from sigmasight.api.schemas_resources import IdPath, service_errors
from sigmasight.charts import rebalancing as charts_rebalancing
from sigmasight.services.analytics import rebalancing as views
from sigmasight.services.resources import limits
from sigmasight.services.resources import rebalancing_events as events
from sigmasight.web.manage import _portfolio
from sigmasight.web.routes import AsOf, _page, _script_json
from sigmasight.web.session import check_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(service_errors)])
CsrfField = Annotated[str, Form(alias="csrf_token")]
#: Alerts listed on the page (latest first).
ALERTS_SHOWN = 20


@router.get("/portfolios/{portfolio_id}/rebalancing", name="web_rebalancing")
def rebalancing_page(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: int, as_of: AsOf = None
) -> HTMLResponse:
    def build(owner: int, day: date | None) -> dict[str, Any]:
        when, targets = views.drift_history(uow_factory, owner, portfolio_id, day)
        found = views.proposals(
            uow_factory, owner, portfolio_id, when, Constraints(), (views.SIMPLE,)
        )
        proposal = found.proposals[0] if found.proposals else None
        figures = {}
        if targets:
            figures["allocation-chart"] = charts_rebalancing.allocation_bands(targets, proposal)
            figures["drift-chart"] = charts_rebalancing.drift_lines(targets)
        return {
            "as_of": when,
            "targets": targets,
            "proposal": proposal,
            "events": events.list_events(uow_factory, owner, portfolio_id)[:20],
            "alerts": limits.list_alerts(uow_factory, owner, portfolio_id, end=when)[:ALERTS_SHOWN],
            "figures_json": _script_json(figures),
        }

    return _page(
        request, uow_factory, portfolio_id, "web_rebalancing", "rebalancing.html", as_of, build
    )


def _decide(action: str) -> Any:
    def decide(
        request: Request,
        uow_factory: UowFactoryDep,
        portfolio_id: IdPath,
        event_id: IdPath,
        csrf: CsrfField = "",
    ) -> RedirectResponse:
        check_csrf(request, csrf)
        user, _, _ = _portfolio(request, uow_factory, portfolio_id)
        events.decide(
            uow_factory, user.id, portfolio_id, event_id, action, note="dashboard", now=utcnow()
        )
        target = request.app.url_path_for("web_rebalancing", portfolio_id=portfolio_id)
        return RedirectResponse(str(target), HTTP_303_SEE_OTHER)

    return decide


for _action in ("approve", "cancel"):
    router.post(
        f"/portfolios/{{portfolio_id}}/rebalancing/events/{{event_id}}/{_action}",
        name=f"web_event_{_action}",
    )(_decide(_action))
