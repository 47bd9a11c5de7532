"""Response and request schemas of the stress-test routes (field names as issue #22
fixes them: ``{as_of, scenarios: [{key, name, kind, start, end, pnl, pnl_percent,
positions: [{position_id, symbol, pnl, method}]}]}``, with the figures behind them)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sigmasight.api.schemas_analytics import Num, _Out
from sigmasight.domain.stress import MAX_RATE_BP, MAX_VOL_POINTS, scenario_errors


class StressPositionOut(_Out):
    position_id: int
    symbol: str
    sector: str | None
    pnl: Num = Field(description="Position P&L under the scenario (currency; loss < 0).")
    method: Literal["replay", "proxy", "repriced", "duration", "missing"]
    delta_gamma: Num = Field(description="Options: the delta-gamma approximation of pnl.")


class ExcludedPositionOut(_Out):
    position_id: int
    symbol: str
    reason: str


class ScenarioResultOut(_Out):
    key: str
    name: str
    kind: Literal["historical", "hypothetical"]
    start: dt.date | None = Field(description="First day of a historical episode.")
    end: dt.date | None = Field(description="Last day of a historical episode.")
    pnl: float = Field(description="Book P&L (currency; loss < 0).")
    pnl_percent: Num = Field(description="pnl / NAV (a fraction).")
    option_pnl: float
    option_delta_gamma: float
    factor_moves: dict[str, float] = Field(
        description="Simple return of each factor under the scenario (after propagation)."
    )
    rate_change_bp: float
    vol_points: float
    covariance_observations: int
    missing: int = Field(description="Positions without a scenario return (no P&L).")
    positions: list[StressPositionOut]


class StressTestsOut(_Out):
    portfolio_id: int
    as_of: dt.date
    nav: float
    scenarios: list[ScenarioResultOut] = Field(description="Largest loss first.")
    excluded: list[ExcludedPositionOut]
    not_rate_sensitive: list[ExcludedPositionOut] = Field(
        description="Public positions without a modified duration, with the reason: a "
        "rate shock gives them no duration P&L."
    )
    notes: list[str]


class StressScenarioIn(BaseModel):
    """A hypothetical scenario: factor shocks (simple returns of the registry's factors,
    -0.1 = -10 %), a rate change in basis points and a volatility change in points."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    shocks: dict[str, float] = Field(default_factory=dict)
    rate_bp: float = Field(0.0, ge=-MAX_RATE_BP, le=MAX_RATE_BP, allow_inf_nan=False)
    vol_points: float = Field(0.0, ge=-MAX_VOL_POINTS, le=MAX_VOL_POINTS, allow_inf_nan=False)

    @model_validator(mode="after")
    def _valid(self) -> StressScenarioIn:
        errors = scenario_errors(self.name, self.shocks, self.rate_bp, self.vol_points)
        if errors:
            raise ValueError("; ".join(errors))
        return self


class StressRunOut(_Out):
    portfolio_id: int
    as_of: dt.date
    scenario: ScenarioResultOut
    not_rate_sensitive: list[ExcludedPositionOut] = Field(
        description="Public positions without a modified duration, with the reason: a "
        "rate shock gives them no duration P&L."
    )


class StressScenarioPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    shocks: dict[str, float]
    rate_bp: float
    vol_points: float
