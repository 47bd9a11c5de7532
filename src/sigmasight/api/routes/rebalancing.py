"""Rebalancing of a portfolio: proposals for its targets (computed on request) and
events (triggered by the batch or made by hand) with their approval, cancellation,
completion and audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status

from sigmasight.analytics.rebalancing import Constraints
from sigmasight.api.answers import AnswerCache
from sigmasight.api.deps import CurrentUser, UowFactoryDep, utcnow
from sigmasight.api.errors import ApiError, not_found
from sigmasight.api.readers import CurrentReader
from sigmasight.api.schemas_proposals import (
    Decision,
    EventCreate,
    EventDetailOut,
    EventOut,
    ProposalsOut,
)
from sigmasight.api.schemas_resources import IdPath, IsoDate, error_responses, service_errors
from sigmasight.services import analytics as analytics_errors
from sigmasight.services.analytics import rebalancing as service
from sigmasight.services.resources import rebalancing_events as events


def _errors() -> Iterator[None]:
    try:
        yield
    except analytics_errors.PortfolioNotFoundError as exc:
        raise not_found("portfolio", exc.portfolio_id) from exc
    except analytics_errors.NoSnapshotError as exc:
        raise ApiError(404, "NO_SNAPSHOT", str(exc)) from exc


router = APIRouter(
    prefix="/portfolios/{portfolio_id}/rebalancing",
    tags=["rebalancing"],
    dependencies=[Depends(_errors), Depends(service_errors)],
    responses=error_responses(404, 409, 422),
)
EventStatus = Literal["pending", "approved", "completed", "cancelled", "failed"]


@router.get("/proposals", response_model=ProposalsOut)
async def list_proposals(
    request: Request,
    portfolio_id: IdPath,
    reader: CurrentReader,
    as_of: Annotated[IsoDate | None, Query(description="Default: the latest snapshot.")] = None,
    cost_bps: Annotated[float, Query(ge=0, le=1000, description="Cost per trade, bp")] = 5.0,
    min_trade: Annotated[float, Query(ge=0, le=1e12, description="Smallest notional")] = 0.0,
    max_turnover: Annotated[
        float | None, Query(ge=0, le=100, description="Σ |notional| / NAV; none: no limit")
    ] = None,
    allow_short: Annotated[bool, Query(description="May trades open or add to shorts")] = False,
    variant: Annotated[
        Literal["back_to_target", "min_tracking_error", "min_variance", "risk_parity"] | None,
        Query(description="Only this variant (default: all)"),
    ] = None,
) -> Response:
    """One proposal per variant that brings every target inside its band, respecting
    cash, whole shares, the minimum trade, no new shorts and the turnover limit; each
    with its trades and the book's weights, volatility, beta, VaR and sectors before
    and after. ``feasible: false`` lists reasons naming the constraint that binds.
    Cached per data revision like the analytics answers (the targets are stored data)."""
    constraints = Constraints(
        cost_rate=cost_bps / 10_000,
        min_trade=min_trade,
        allow_short=allow_short,
        max_turnover=float("inf") if max_turnover is None else max_turnover,
    )
    variants = (variant,) if variant else service.ALL_VARIANTS
    uow_factory = request.app.state.uow_factory

    def compute() -> ProposalsOut:
        view = service.proposals(
            uow_factory, reader.user_id, portfolio_id, as_of, constraints, variants
        )
        view.constraints["max_turnover"] = max_turnover
        return ProposalsOut.model_validate(view)

    answers: AnswerCache = request.app.state.answers
    key = ("proposals", portfolio_id, as_of, cost_bps, min_trade, max_turnover, allow_short,
           variant)  # fmt: skip
    return await answers.respond(request, reader, key, compute)


def _detail(found: events.EventDetail) -> dict[str, Any]:
    out = EventOut.model_validate(found.event).model_dump()
    return {**out, "audit": found.audit}


@router.get("/events", response_model=list[EventOut])
def list_events(
    portfolio_id: IdPath,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
    status: Annotated[EventStatus | None, Query(description="Only this status")] = None,
) -> Any:
    """The portfolio's events, latest trigger date first."""
    return events.list_events(uow_factory, user.id, portfolio_id, status)


@router.post("/events", status_code=status.HTTP_201_CREATED, response_model=EventDetailOut)
def create_event(
    portfolio_id: IdPath,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
    body: Annotated[EventCreate | None, Body()] = None,
) -> Any:
    """A manual, pending event with the variant's proposal on the latest snapshot (422
    NO_TARGETS without targets; 404 NO_SNAPSHOT before the batch has run)."""
    body = body or EventCreate()
    constraints = Constraints(
        cost_rate=body.cost_bps / 10_000,
        min_trade=body.min_trade,
        max_turnover=float("inf") if body.max_turnover is None else body.max_turnover,
    )
    return _detail(
        events.create_manual(
            uow_factory,
            user.id,
            portfolio_id,
            variant=body.variant,
            constraints=constraints,
            note=body.note,
            now=utcnow(),
        )
    )


@router.get("/events/{event_id}", response_model=EventDetailOut)
def get_event(
    portfolio_id: IdPath, event_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> Any:
    """An event with its audit trail (who did what, when)."""
    return _detail(events.get_event(uow_factory, user.id, portfolio_id, event_id))


def _decide(action: str) -> Any:
    def decide(
        portfolio_id: IdPath,
        event_id: IdPath,
        user: CurrentUser,
        uow_factory: UowFactoryDep,
        body: Annotated[Decision | None, Body()] = None,
    ) -> Any:
        note = body.note if body else None
        found = events.decide(
            uow_factory, user.id, portfolio_id, event_id, action, note=note, now=utcnow()
        )
        return _detail(found)

    return decide


router.post(
    "/events/{event_id}/approve",
    response_model=EventDetailOut,
    summary="Approve a pending event (409 INVALID_STATUS otherwise)",
)(_decide("approve"))
router.post(
    "/events/{event_id}/cancel",
    response_model=EventDetailOut,
    summary="Cancel a pending or approved event (409 INVALID_STATUS otherwise)",
)(_decide("cancel"))


@router.post("/events/{event_id}/complete", response_model=EventDetailOut)
def complete_event(
    portfolio_id: IdPath, event_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> Any:
    """Apply an approved event's trades as position changes, all or nothing, today at the
    proposal's prices; a trade that no longer fits the positions marks the event
    ``failed`` with the reason and changes nothing else."""
    return _detail(events.complete(uow_factory, user.id, portfolio_id, event_id, now=utcnow()))
