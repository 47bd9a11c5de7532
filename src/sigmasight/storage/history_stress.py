"""History of the stress-test family (docs/methodology.md, "Stress tests and option
Greeks").

- ``stress_scenario_moves``: per run date and scenario, what the scenario was on that
  date (episode dates, factor moves after propagation, rate and volatility change,
  sessions of the covariance);
- ``security_stress_returns``: each security's return under each scenario of a date,
  with how it was obtained (replay / proxy), one row per symbol and date: a position's
  P&L is its value times that return (options are repriced);
- ``portfolio_stress_results``: each book's P&L under each scenario, one row per book
  and date (the scenarios as lists, like the VaR table of the risk metrics: eleven
  scenarios cost one row, not eleven).
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
    """A security's return under each of the date's scenarios: entry ``k`` of
    ``returns`` and ``methods`` belongs to ``scenario_keys[k]`` (one row per symbol and
    date, not one per scenario)."""

    __tablename__ = "security_stress_returns"

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    scenario_keys: Mapped[list[str]] = mapped_column(JSON)
    #: simple return per scenario, null without one
    returns: Mapped[list[float | None]] = mapped_column(JSON)
    #: replay / proxy / missing per scenario
    methods: Mapped[list[str]] = mapped_column(JSON)

    def by_scenario(self) -> dict[str, tuple[float | None, str]]:
        return {key: (self.returns[k], self.methods[k]) for k, key in enumerate(self.scenario_keys)}


class PortfolioStressResult(Base):
    """A book's P&L under each of the date's scenarios: entry ``k`` of each list belongs
    to ``scenario_keys[k]`` (one row per book and date); the worst scenario also as
    columns, for queries and the overview."""

    __tablename__ = "portfolio_stress_results"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    nav: Mapped[float | None] = mapped_column(Float)
    positions: Mapped[int] = mapped_column(Integer)
    excluded: Mapped[int] = mapped_column(Integer)
    worst_scenario: Mapped[str | None] = mapped_column(String(64))
    worst_pnl: Mapped[float | None] = mapped_column(Float)
    scenario_keys: Mapped[list[str]] = mapped_column(JSON)
    pnl: Mapped[list[float]] = mapped_column(JSON)
    pnl_percent: Mapped[list[float | None]] = mapped_column(JSON)
    option_pnl: Mapped[list[float]] = mapped_column(JSON)
    option_delta_gamma: Mapped[list[float]] = mapped_column(JSON)
    missing: Mapped[list[int]] = mapped_column(JSON)

    def entries(self) -> list[dict[str, Any]]:
        """One dict per scenario: key, pnl, pnl_percent, option_pnl, option_delta_gamma,
        missing."""
        names = ("pnl", "pnl_percent", "option_pnl", "option_delta_gamma", "missing")
        return [
            {"key": key, **{n: getattr(self, n)[k] for n in names}}
            for k, key in enumerate(self.scenario_keys)
        ]


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
