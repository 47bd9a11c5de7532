"""Response schema of ``/portfolios/{id}/rebalancing/proposals``.

Weights, volatility (annualised), VaR (1-day historical 95 %, positive = loss) and
turnover are fractions; quantities are units; money is in the portfolio's currency.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sigmasight.api.schemas_analytics import Num


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TradeOut(_Out):
    symbol: str
    side: str = Field(description="buy or sell")
    quantity: float
    price: float
    notional: float = Field(description="|quantity x price|")
    cost: float = Field(description="Estimated trading cost (cost_bps of the notional).")
    realized_gain: float = Field(description="Against the position's lots, FIFO; before cost.")


class RiskSideOut(_Out):
    weights: dict[str, float] = Field(description="Weight of each target's key (of NAV).")
    holdings: dict[str, float] = Field(description="Exposure / NAV per symbol.")
    sector_exposure: dict[str, float] = Field(description="Net exposure / NAV per sector.")
    volatility: Num = Field(description="Annualised ex-ante volatility.")
    beta: Num = Field(description="Σ weight x stored security beta.")
    var_95: Num = Field(description="1-day historical VaR 95 %, positive = loss.")
    nav: float


class ProposalOut(_Out):
    variant: str
    feasible: bool
    reasons: list[str]
    trades: list[TradeOut]
    before: RiskSideOut
    after: RiskSideOut
    turnover: Num
    cash_after: float


class ProposalsOut(_Out):
    portfolio_id: int
    as_of: date
    constraints: dict[str, Any]
    proposals: list[ProposalOut]
