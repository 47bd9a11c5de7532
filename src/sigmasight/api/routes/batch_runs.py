"""Batch runs: queue one over your portfolios (a worker process runs it), then poll it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response, status

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
    responses=error_responses(404, 422, 429),
)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=BatchRunPublic)
def start_run(
    body: BatchRunCreate,
    user: CurrentUser,
    settings: SettingsDep,
    uow_factory: UowFactoryDep,
    request: Request,
    response: Response,
) -> RunView:
    """Queue the computation of risk history for ``[start, end]`` over your portfolios
    (all by default; another user's id is 404). Returns at once with the queued run; a
    worker process runs it; poll its Location. Dates must lie inside the stored prices
    (422 OUTSIDE_PRICED_RANGE gives the range); a run covers at most 366 days and
    500,000 positions x sessions (422 RUN_TOO_LARGE); at most 3 of your runs may be
    queued or running (429 TOO_MANY_RUNS)."""
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
    response.headers["Location"] = str(request.url_for("get_run", run_id=plan.run_id))
    return service.get_run(uow_factory, secret, user.id, plan.run_id)


@router.get("/{run_id}", response_model=BatchRunPublic)
def get_run(
    run_id: str, user: CurrentUser, settings: SettingsDep, uow_factory: UowFactoryDep
) -> RunView:
    """Status, step timings and errors of a run you started (404 for any other id)."""
    secret = settings.jwt_secret.get_secret_value()
    return service.get_run(uow_factory, secret, user.id, run_id)
