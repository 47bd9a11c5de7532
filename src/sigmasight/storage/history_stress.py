"""History of the stress-test family (docs/methodology.md, "Stress tests and option
Greeks").

- ``stress_scenario_moves``: per run date and scenario, what the scenario was on that
  date (episode dates, factor moves after propagation, rate and volatility change,
  sessions of the covariance);
- ``security_stress_returns``: each security's return under each scenario and date, with
  how it was obtained (replay / proxy), once per symbol: a position's P&L is its value
  times that return (options are repriced);
- ``portfolio_stress_results``: each book's P&L per scenario and date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.storage.models import Base


class StressScenarioMoves(Base):
    __tablename__ = "stress_scenario_moves"

    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    scenario_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    #: factor key -> simple return of the factor under the scenario (after propagation)
    factor_moves: Mapped[dict[str, Any]] = mapped_column(JSON)
    rate_change: Mapped[float] = mapped_column(Float)
    vol_points: Mapped[float] = mapped_column(Float)
    covariance_observations: Mapped[int] = mapped_column(Integer)


class SecurityStressReturn(Base):
    __tablename__ = "security_stress_returns"

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    scenario_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    scenario_return: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(8))


class PortfolioStressResult(Base):
    __tablename__ = "portfolio_stress_results"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    scenario_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    nav: Mapped[float | None] = mapped_column(Float)
    pnl: Mapped[float] = mapped_column(Float)
    pnl_percent: Mapped[float | None] = mapped_column(Float)
    option_pnl: Mapped[float] = mapped_column(Float)
    option_delta_gamma: Mapped[float] = mapped_column(Float)
    positions: Mapped[int] = mapped_column(Integer)
    missing: Mapped[int] = mapped_column(Integer)
    excluded: Mapped[int] = mapped_column(Integer)


class UserStressScenario(Base):
    """A user's own hypothetical scenario (name, factor shocks, rate bp, vol points)."""

    __tablename__ = "stress_scenarios"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_stress_scenarios_user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    shocks: Mapped[dict[str, Any]] = mapped_column(JSON)
    rate_bp: Mapped[float] = mapped_column(Float)
    vol_points: Mapped[float] = mapped_column(Float)
