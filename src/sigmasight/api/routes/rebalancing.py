"""Rebalancing proposals of a portfolio for its targets (read-only, computed on request)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from sigmasight.analytics.rebalancing import Constraints
from sigmasight.api.deps import CurrentUser, UowFactoryDep
from sigmasight.api.errors import ApiError, not_found
from sigmasight.api.schemas_proposals import ProposalsOut
from sigmasight.api.schemas_resources import IdPath, IsoDate, error_responses
from sigmasight.services import analytics as analytics_errors
from sigmasight.services.analytics import rebalancing as service


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
    dependencies=[Depends(_errors)],
    responses=error_responses(404, 422),
)


@router.get("/proposals", response_model=ProposalsOut)
def list_proposals(
    portfolio_id: IdPath,
    user: CurrentUser,
    uow_factory: UowFactoryDep,
    as_of: Annotated[IsoDate | None, Query(description="Default: the latest snapshot.")] = None,
    cost_bps: Annotated[float, Query(ge=0, le=1000, description="Cost per trade, bp")] = 5.0,
    min_trade: Annotated[float, Query(ge=0, le=1e12, description="Smallest notional")] = 0.0,
    max_turnover: Annotated[
        float | None, Query(ge=0, le=100, description="Σ |notional| / NAV; none: no limit")
    ] = None,
    allow_short: Annotated[bool, Query(description="May trades open or add to shorts")] = False,
    variant: Annotated[
        Literal["back_to_target", "min_tracking_error", "min_variance"] | None,
        Query(description="Only this variant (default: all)"),
    ] = None,
) -> Any:
    """One proposal per variant that brings every target inside its band, respecting
    cash, whole shares, the minimum trade, no new shorts and the turnover limit; each
    with its trades and the book's weights, volatility, beta, VaR and sectors before
    and after. ``feasible: false`` lists reasons naming the constraint that binds."""
    constraints = Constraints(
        cost_rate=cost_bps / 10_000,
        min_trade=min_trade,
        allow_short=allow_short,
        max_turnover=float("inf") if max_turnover is None else max_turnover,
    )
    variants = (variant,) if variant else service.ALL_VARIANTS
    view = service.proposals(uow_factory, user.id, portfolio_id, as_of, constraints, variants)
    view.constraints["max_turnover"] = max_turnover
    return view
