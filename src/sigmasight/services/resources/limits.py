"""Risk limits of one owner's portfolio (list, add, delete) and the alerts the batch
recorded when one was breached."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from sigmasight.analytics.sectors import BUCKETS
from sigmasight.domain.rebalancing import RiskLimitMetric
from sigmasight.services.resources.common import (
    ConflictError,
    InvalidError,
    UowFactory,
    commit_or_conflict,
    delete_portfolio_row,
    detached,
    owned_portfolio,
)
from sigmasight.storage.rebalancing import PortfolioRiskAlert, PortfolioRiskLimit


def list_limits(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int
) -> list[PortfolioRiskLimit]:
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        query = select(PortfolioRiskLimit).where(PortfolioRiskLimit.portfolio_id == portfolio_id)
        return detached(uow, list(uow.session.scalars(query.order_by(PortfolioRiskLimit.id))))


def _problems(
    metric: RiskLimitMetric, key: str, lower: float | None, upper: float | None
) -> list[dict[str, str]]:
    problems = []
    if lower is None and upper is None:
        problems.append(
            {"field": "upper", "code": "NO_BOUND", "message": "give lower, upper or both"}
        )
    if lower is not None and upper is not None and lower > upper:
        problems.append(
            {
                "field": "lower",
                "code": "EMPTY_RANGE",
                "message": f"lower {lower} is above upper {upper}",
            }
        )
    if metric is RiskLimitMetric.SECTOR_WEIGHT and key not in BUCKETS:
        problems.append(
            {"field": "key", "code": "UNKNOWN_SECTOR", "message": f"sector {key!r} is not known"}
        )
    if metric is not RiskLimitMetric.SECTOR_WEIGHT and key:
        problems.append(
            {"field": "key", "code": "KEY_NOT_ALLOWED", "message": f"{metric} takes no key"}
        )
    return problems


def add_limit(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    metric: RiskLimitMetric,
    key: str,
    lower: float | None,
    upper: float | None,
) -> PortfolioRiskLimit:
    """A new limit (409 LIMIT_EXISTS for a metric and key that has one)."""
    problems = _problems(metric, key, lower, upper)
    if problems:
        raise InvalidError("INVALID_LIMIT", f"{len(problems)} problem(s) with the limit", problems)
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        row = PortfolioRiskLimit(
            portfolio_id=portfolio_id, metric=metric.value, key=key, lower=lower, upper=upper
        )
        uow.session.add(row)
        exists = ConflictError("LIMIT_EXISTS", f"a {metric} limit {key!r} already exists")
        commit_or_conflict(uow, exists)
        return detached(uow, [row])[0]


def delete_limit(uow_factory: UowFactory, owner_id: int, portfolio_id: int, limit_id: int) -> None:
    delete_portfolio_row(uow_factory, owner_id, portfolio_id, PortfolioRiskLimit, limit_id, "limit")


def list_alerts(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    start: date | None = None,
    end: date | None = None,
) -> list[PortfolioRiskAlert]:
    """Recorded breaches, latest first."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        a = PortfolioRiskAlert
        query = select(a).where(a.portfolio_id == portfolio_id)
        if start:
            query = query.where(a.calc_date >= start)
        if end:
            query = query.where(a.calc_date <= end)
        query = query.order_by(a.calc_date.desc(), a.metric, a.key)
        return detached(uow, list(uow.session.scalars(query)))
