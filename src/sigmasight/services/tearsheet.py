"""The tearsheet's content: every figure read through the services the API and the
dashboard use (one place computes a number), each section kept or left out with the
reason when its family has no stored row for the date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sigmasight.services.analytics.errors import (
    InvalidParameterError,
    InvalidRangeError,
    NoSnapshotError,
)
from sigmasight.services.analytics.views import UowFactory

#: Positions listed among the top risk contributors.
TOP_CONTRIBUTORS = 5


@dataclass(frozen=True)
class Tearsheet:
    portfolio_id: int
    name: str
    as_of: date
    views: dict[str, Any]  # section -> the service's view
    missing: dict[str, str] = field(default_factory=dict)  # section -> why it is absent


def build_tearsheet(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> Tearsheet:
    """Every section of the tearsheet on ``as_of`` (default: the latest snapshot).
    Raises :class:`NoSnapshotError` (or portfolio not found) when there is nothing."""
    from sigmasight.services import analytics
    from sigmasight.services.analytics import attribution, correlations, factors, performance

    overview = analytics.portfolio_overview(uow_factory, owner_id, portfolio_id, as_of)
    day = overview.as_of
    args = (uow_factory, owner_id, portfolio_id)
    calls: dict[str, Callable[[], Any]] = {
        "performance": lambda: performance.performance_page(*args, day),
        "attribution": lambda: attribution.attribution(*args, None, day),
        "risk": lambda: analytics.risk_metrics(*args, day),
        "drawdowns": lambda: analytics.drawdowns(*args, day),
        "series": lambda: analytics.snapshot_series(*args, None, day),
        "sectors": lambda: analytics.sector_exposure(*args, day),
        "factors": lambda: factors.portfolio_factor_exposures(*args, day),
        "contributors": lambda: correlations.risk_contributions(
            *args, day, "volatility", "position"
        ),
    }
    views: dict[str, Any] = {"overview": overview}
    missing: dict[str, str] = {}
    for name, call in calls.items():
        try:
            views[name] = call()
        except (NoSnapshotError, InvalidRangeError, InvalidParameterError, LookupError) as exc:
            missing[name] = str(exc)
    return Tearsheet(portfolio_id, overview.name, day, views, missing)
