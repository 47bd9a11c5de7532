"""Dashboard forms that change things: edit and delete a position, run the computation.

Each form calls the same service as the API route (positions: ``services.resources.
positions``; runs: ``services.resources.batch_runs``, the API's batch-run mechanism),
is CSRF-protected, and names only the signed-in user's things: another user's ids are
404, as in the API.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER

from sigmasight.api.deps import SettingsDep, UowFactoryDep, utcnow
from sigmasight.api.errors import ApiError
from sigmasight.api.schemas_resources import IdPath, service_errors
from sigmasight.services.portfolios import list_portfolios
from sigmasight.services.resources import batch_runs
from sigmasight.services.resources.common import InvalidError
from sigmasight.services.resources.positions import delete_position, get_position, update_position
from sigmasight.web.routes import _render, _user
from sigmasight.web.session import check_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(service_errors)])
CsrfField = Annotated[str, Form(alias="csrf_token")]
#: Form fields of the edit form and the position field each one sets.
DECIMALS = ("quantity", "entry_price", "exit_price", "modified_duration", "convexity")
DATES = ("entry_date", "exit_date")


def _portfolio(request: Request, uow_factory: UowFactoryDep, portfolio_id: int) -> Any:
    user = _user(request, uow_factory)
    owned = list_portfolios(uow_factory, user.id)
    portfolio = next((p for p in owned if p.id == portfolio_id), None)
    if portfolio is None:
        raise ApiError(404, "NOT_FOUND", f"portfolio {portfolio_id} not found")
    return user, portfolio, owned


def _changes(form: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Typed changes from the form's text; an empty exit field clears the exit."""
    changes: dict[str, Any] = {}
    errors = []
    for name in DECIMALS:
        text = form.get(name, "").strip().replace(",", "")
        try:
            changes[name] = Decimal(text) if text else None
        except InvalidOperation:
            errors.append(f"{name.replace('_', ' ')}: {text!r} is not a number")
    for name in DATES:
        text = form.get(name, "").strip()
        try:
            changes[name] = date.fromisoformat(text) if text else None
        except ValueError:
            errors.append(f"{name.replace('_', ' ')}: {text!r} is not a date YYYY-MM-DD")
    changes["notes"] = form.get("notes", "").strip() or None
    for required in ("quantity", "entry_price", "entry_date"):
        if changes.get(required) is None:
            changes.pop(required, None)  # left unchanged rather than cleared
    return changes, errors


@router.get("/portfolios/{portfolio_id}/positions/{position_id}/edit", name="web_edit_position")
def edit_page(
    request: Request, uow_factory: UowFactoryDep, portfolio_id: IdPath, position_id: IdPath
) -> HTMLResponse:
    user, portfolio, owned = _portfolio(request, uow_factory, portfolio_id)
    position = get_position(uow_factory, user.id, portfolio_id, position_id)
    return _render(
        request,
        "position_edit.html",
        user,
        portfolio=portfolio,
        portfolios=owned,
        page="web_holdings",
        as_of_param="",
        position=position,
        form=None,
        errors=[],
    )


@router.post("/portfolios/{portfolio_id}/positions/{position_id}/edit")
def edit_position(
    request: Request,
    uow_factory: UowFactoryDep,
    portfolio_id: IdPath,
    position_id: IdPath,
    quantity: Annotated[str, Form(max_length=40)] = "",
    entry_price: Annotated[str, Form(max_length=40)] = "",
    entry_date: Annotated[str, Form(max_length=20)] = "",
    exit_price: Annotated[str, Form(max_length=40)] = "",
    exit_date: Annotated[str, Form(max_length=20)] = "",
    modified_duration: Annotated[str, Form(max_length=40)] = "",
    convexity: Annotated[str, Form(max_length=40)] = "",
    notes: Annotated[str, Form(max_length=1000)] = "",
    csrf_token_field: CsrfField = "",
) -> Response:
    check_csrf(request, csrf_token_field)
    user, portfolio, owned = _portfolio(request, uow_factory, portfolio_id)
    form = {
        "quantity": quantity,
        "entry_price": entry_price,
        "entry_date": entry_date,
        "exit_price": exit_price,
        "exit_date": exit_date,
        "modified_duration": modified_duration,
        "convexity": convexity,
        "notes": notes,
    }
    changes, errors = _changes(form)
    position = get_position(uow_factory, user.id, portfolio_id, position_id)
    if not errors:
        try:
            update_position(
                uow_factory,
                user.id,
                portfolio_id,
                position_id,
                changes,
                today=utcnow().date(),
            )
        except InvalidError as exc:
            details = exc.details if isinstance(exc.details, list) else []
            errors = [f"{d.get('field') or '-'}: {d.get('message')}" for d in details]
            errors = errors or [exc.message]
        else:
            target = f"/portfolios/{portfolio_id}/holdings"
            return RedirectResponse(target, HTTP_303_SEE_OTHER)
    response = _render(
        request,
        "position_edit.html",
        user,
        portfolio=portfolio,
        portfolios=owned,
        page="web_holdings",
        as_of_param="",
        position=position,
        form=form,
        errors=errors,
    )
    response.status_code = 422
    return response


@router.post(
    "/portfolios/{portfolio_id}/positions/{position_id}/delete", name="web_delete_position"
)
def delete(
    request: Request,
    uow_factory: UowFactoryDep,
    portfolio_id: IdPath,
    position_id: IdPath,
    csrf_token_field: CsrfField = "",
) -> RedirectResponse:
    """Soft delete, as the API's DELETE: history computed while it was held stays."""
    check_csrf(request, csrf_token_field)
    user, _, _ = _portfolio(request, uow_factory, portfolio_id)
    delete_position(uow_factory, user.id, portfolio_id, position_id, now=utcnow())
    return RedirectResponse(f"/portfolios/{portfolio_id}/holdings", HTTP_303_SEE_OTHER)


@router.post("/portfolios/{portfolio_id}/runs", name="web_start_run")
def start_run(
    request: Request,
    uow_factory: UowFactoryDep,
    settings: SettingsDep,
    portfolio_id: IdPath,
    csrf_token_field: CsrfField = "",
) -> RedirectResponse:
    """Compute this portfolio's figures for the last priced session, through the API's
    batch-run mechanism: recorded as queued here, run by a worker process (never in the
    server's own process)."""
    check_csrf(request, csrf_token_field)
    user, _, _ = _portfolio(request, uow_factory, portfolio_id)
    secret = settings.jwt_secret.get_secret_value()
    plan = batch_runs.plan_run(
        uow_factory,
        user.id,
        batch_runs.mint_run_id(secret, user.id),
        start=None,
        end=None,
        portfolio_ids=[portfolio_id],
        now=utcnow(),
    )
    return RedirectResponse(f"/portfolios/{portfolio_id}/runs/{plan.run_id}", HTTP_303_SEE_OTHER)


@router.get("/portfolios/{portfolio_id}/runs/{run_id}", name="web_run")
def run_page(
    request: Request,
    uow_factory: UowFactoryDep,
    settings: SettingsDep,
    portfolio_id: IdPath,
    run_id: str,
) -> HTMLResponse:
    user, portfolio, owned = _portfolio(request, uow_factory, portfolio_id)
    secret = settings.jwt_secret.get_secret_value()
    run = batch_runs.get_run(uow_factory, secret, user.id, run_id)
    return _render(
        request,
        "run.html",
        user,
        portfolio=portfolio,
        portfolios=owned,
        page="web_overview",
        as_of_param="",
        run=run,
        finished=run.status not in ("queued", "running"),
    )
