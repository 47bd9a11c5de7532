"""Batch runs: start one over your portfolios in the background, then poll it."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, status

from sigmasight.api.deps import CurrentUser, SettingsDep, UowFactoryDep, utcnow
from sigmasight.api.schemas_resources import (
    BatchRunCreate,
    BatchRunPublic,
    error_responses,
    service_errors,
)
from sigmasight.services.resources import batch_runs as service
from sigmasight.services.resources.batch_runs import RunView

router = APIRouter(
    prefix="/batch/runs",
    tags=["batch"],
    dependencies=[Depends(service_errors)],
    responses=error_responses(404, 422),
)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=BatchRunPublic)
def start_run(
    body: BatchRunCreate,
    user: CurrentUser,
    settings: SettingsDep,
    uow_factory: UowFactoryDep,
    background: BackgroundTasks,
    request: Request,
    response: Response,
) -> RunView:
    """Compute risk history for ``[start, end]`` over your portfolios (all by default;
    another user's id is 404). Returns at once with the queued run; poll its Location."""
    secret = settings.jwt_secret.get_secret_value()
    plan = service.plan_run(
        uow_factory,
        user.id,
        service.mint_run_id(secret, user.id),
        start=body.start,
        end=body.end,
        portfolio_ids=body.portfolio_ids,
        now=utcnow(),
    )
    background.add_task(service.execute_run, uow_factory, settings, plan, clock=utcnow)
    response.headers["Location"] = str(request.url_for("get_run", run_id=plan.run_id))
    return service.get_run(uow_factory, secret, user.id, plan.run_id)


@router.get("/{run_id}", response_model=BatchRunPublic)
def get_run(
    run_id: str, user: CurrentUser, settings: SettingsDep, uow_factory: UowFactoryDep
) -> RunView:
    """Status, step timings and errors of a run you started (404 for any other id)."""
    secret = settings.jwt_secret.get_secret_value()
    return service.get_run(uow_factory, secret, user.id, run_id)
