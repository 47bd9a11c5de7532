"""Response and request schemas of the stress-test routes (field names as issue #22
fixes them: ``{as_of, scenarios: [{key, name, kind, start, end, pnl, pnl_percent,
positions: [{position_id, symbol, pnl, method}]}]}``, with the figures behind them)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from sigmasight.api.schemas_analytics import Num, _Out


class StressPositionOut(_Out):
    position_id: int
    symbol: str
    sector: str | None
    pnl: Num = Field(description="Position P&L under the scenario (currency; loss < 0).")
    method: Literal["replay", "proxy", "repriced", "missing"]
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
    notes: list[str]
