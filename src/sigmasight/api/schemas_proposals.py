"""Response schema of ``/portfolios/{id}/rebalancing/proposals``.

Weights, volatility (annualised), VaR (1-day historical 95 %, positive = loss) and
turnover are fractions; quantities are units; money is in the portfolio's currency.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from sigmasight.api.schemas_analytics import Num
from sigmasight.api.schemas_resources import _no_nul


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


class AuditOut(_Out):
    actor_id: int | None = Field(description="The user; null for the batch.")
    at: datetime
    action: str
    detail: dict[str, Any]


class EventOut(_Out):
    id: int
    portfolio_id: int
    kind: str = Field(description="threshold | scheduled | manual")
    trigger_date: date
    reason: str
    status: str = Field(description="pending | approved | completed | cancelled | failed")
    proposal: dict[str, Any]
    post_state: dict[str, Any] | None
    failure: str | None
    created_by: int | None
    created_at: datetime | None


class EventDetailOut(EventOut):
    audit: list[AuditOut]


class EventCreate(BaseModel):
    """A manual event: the variant's proposal on the latest snapshot, with these limits."""

    model_config = ConfigDict(extra="forbid")

    variant: Literal["back_to_target", "min_tracking_error", "min_variance", "risk_parity"] = (
        "back_to_target"
    )
    note: Annotated[str, StringConstraints(max_length=2000), AfterValidator(_no_nul)] | None = None
    cost_bps: Annotated[float, Field(ge=0, le=1000)] = 5.0
    min_trade: Annotated[float, Field(ge=0, le=1e12)] = 0.0
    max_turnover: Annotated[float, Field(ge=0, le=100)] | None = None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, StringConstraints(max_length=2000), AfterValidator(_no_nul)] | None = None
