"""Response schemas of the analytics routes (the public contract of the service results).

Ratios are fractions (0.12 = 12 %), volatilities annualised, money in the portfolio's
base currency, and a short has a negative exposure. A figure that could not be computed
is ``null`` with the reason in ``notes``/``reason``; NaN never appears.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sigmasight.domain.exposure import (
    EXPOSURE_DEFINITION,
    MARKET_VALUE_DEFINITION,
    RISK_WEIGHT_DEFINITION,
)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


#: A float that serialises as a number or ``null``, never NaN or infinity.
Num = Annotated[float | None, AfterValidator(_finite)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class _Dated(_Out):
    """An answer for one date: says so when the date asked was not a trading session."""

    as_of_requested: dt.date | None = Field(
        None, description="The date asked, when it was not a trading session (else null)."
    )
    as_of_note: str | None = Field(
        None, description="Why as_of differs from the date asked: the previous session."
    )


class ExposuresOut(_Out):
    """Delta-adjusted exposure (see the field descriptions); private holdings apart."""

    long: float = Field(description="Long " + EXPOSURE_DEFINITION)
    short: float = Field(description="Negative: the short side's signed delta-adjusted exposure.")
    gross: float = Field(description="long - short: the gross denominator of the sector view.")
    net: float = Field(description="long + short.")
    leverage: Num = Field(description="Gross exposure / NAV.")
    private_value: Num = Field(
        description="Carried value of the private holdings (market value, not an exposure)."
    )
    private_share_of_nav: Num = Field(description="private_value / NAV (% of NAV).")


class CountsOut(_Out):
    positions: int
    long: int
    short: int
    options: int
    private: int


class WeightedBetaOut(_Out):
    beta: Num = Field(description="Sum of delta-adjusted exposure x security beta, / NAV.")
    mean_security_r_squared: Num = Field(
        description="Mean of the included securities' R², weighted by |exposure|. Not an "
        "R² of the portfolio (see beta_direct.r_squared). Served as r_squared before "
        "issue #13 renamed it."
    )
    positions_covered: int = Field(description="Securities with a beta (lots merged).")


class DirectBetaOut(_Out):
    beta: Num = Field(description="OLS beta of the portfolio's daily returns on the market's.")
    r_squared: Num = Field(
        description="Share of the variance of the portfolio's ex-ante daily returns "
        "(today's holdings over the window) explained by the market."
    )
    observations: int


class VolatilityOut(_Out):
    realized_21d: Num
    realized_63d: Num
    expected_21d: Num = Field(description="HAR forecast of the next 21 sessions' volatility.")
    trend: str | None
    percentile: Num = Field(description="Rank of today's 21-session volatility, 0-100.")
    expected_21d_fallback: bool = Field(
        default=False,
        description="True when the HAR path forecast a non-positive daily variance: "
        "expected_21d is then the realized 21-session volatility.",
    )


class OverviewOut(_Dated):
    portfolio_id: int
    name: str
    as_of: dt.date
    nav: float
    cash: float
    daily_pnl: float
    daily_return: Num
    cumulative_pnl: float
    flows: float
    exposures: ExposuresOut
    counts: CountsOut
    beta_weighted: WeightedBetaOut
    beta_direct: DirectBetaOut
    volatility: VolatilityOut
    is_complete: bool = Field(description="False when a figure the snapshot carries is missing.")
    notes: list[str]


class PositionBetaOut(_Out):
    position_id: int
    symbol: str
    position_type: str
    investment_class: str
    quantity: float
    beta_symbol: str | None = Field(description="Security regressed (an option's underlying).")
    beta: Num = Field(description="Capped beta, the one the portfolio beta uses.")
    beta_uncapped: Num
    alpha: Num = Field(description="Daily intercept of the regression.")
    r_squared: Num
    std_error: Num
    t_stat: Num
    p_value: Num
    observations: int | None
    capped: bool | None
    reason: str = Field(description="OK, a data reason, EXCLUDED_PRIVATE or NO_DATA.")
    included: bool = Field(description="Has a beta and enters the weighted portfolio beta.")
    note: str | None


class MarketBetaOut(_Dated):
    portfolio_id: int
    as_of: dt.date
    method: str
    window: int = Field(description="Sessions in the regression window.")
    market_index: str
    weighted: WeightedBetaOut
    direct: DirectBetaOut
    positions: list[PositionBetaOut]


class VolatilityPointOut(_Out):
    date: dt.date
    realized_21d: Num
    realized_63d: Num
    expected_21d: Num


class VolatilityViewOut(_Dated):
    portfolio_id: int
    as_of: dt.date
    current: VolatilityOut
    truncated: bool = Field(description="Older snapshots in the range were left out.")
    history: list[VolatilityPointOut] = Field(description="Ascending, ending at as_of.")


class SectorBucketOut(_Out):
    sector: str
    long: Num
    short: Num
    net: Num
    benchmark: Num
    active: Num = Field(description="Net minus benchmark: over (+) or under (-) weight.")


class SectorSumsOut(_Out):
    long: Num
    short: Num
    net: Num
    benchmark: Num
    active: Num


class SectorViewOut(_Dated):
    portfolio_id: int
    as_of: dt.date
    benchmark: str
    benchmark_as_of: dt.date | None = Field(description="Weights published on or before as_of.")
    benchmark_source: str | None
    long_total: Num = Field(description="Long (delta-adjusted) exposure, the long denominator.")
    short_total: Num = Field(description="Short exposure (negative), the short denominator.")
    gross: Num = Field(
        description="Gross delta-adjusted exposure, the net denominator; equals the "
        "overview's gross exposure (private holdings in neither)."
    )
    buckets: list[SectorBucketOut]
    sums: SectorSumsOut = Field(description="What each column adds up to.")
    convention: str
    notes: list[str]
    private_value: Num = Field(
        description="Carried value of the private holdings: in no bucket and no denominator."
    )
    private_share_of_nav: Num = Field(description="private_value / NAV (% of NAV).")


class HoldingWeightOut(_Out):
    symbol: str
    market_value: Num
    weight: Num = Field(description="|value| / sum of |values| (% of gross market value).")


class ConcentrationOut(_Dated):
    portfolio_id: int
    as_of: dt.date
    hhi: Num = Field(description="10,000 x sum of squared weights.")
    effective_positions: Num = Field(description="1 / sum of squared weights.")
    top3_weight: Num
    top10_weight: Num
    basis: str
    holdings: list[HoldingWeightOut] = Field(description="Largest weight first.")
    includes_private: bool = Field(
        description="Whether private holdings (at carried value) are in the figures."
    )


class PositionRiskOut(_Out):
    position_id: int
    symbol: str
    position_type: str
    investment_class: str
    quantity: float = Field(description="Signed; options in contracts.")
    price: Num = Field(description="Close on as_of; option: model value; private: cost.")
    price_date: dt.date | None
    market_value: Num = Field(description=MARKET_VALUE_DEFINITION)
    exposure: Num = Field(description=EXPOSURE_DEFINITION + " Null for private holdings.")
    delta: Num = Field(description="Black-Scholes delta per share (options only).")
    weight: Num = Field(description="Weight (% of NAV): " + RISK_WEIGHT_DEFINITION + ".")
    beta: Num
    r_squared: Num
    realized_21d: Num
    realized_63d: Num
    expected_21d: Num
    note: str | None


class PositionRiskViewOut(_Dated):
    portfolio_id: int
    as_of: dt.date
    nav: float
    positions: list[PositionRiskOut]


class SnapshotPointOut(_Out):
    date: dt.date
    nav: float
    cash: float
    daily_pnl: float
    daily_return: Num
    cumulative_pnl: float
    long_exposure: float
    short_exposure: float
    gross_exposure: float
    net_exposure: float
    leverage: Num
    beta_weighted: Num
    beta_direct: Num
    volatility_21d: Num
    volatility_63d: Num
    volatility_expected_21d: Num
    hhi: Num
    is_complete: bool = Field(description="False when a figure the snapshot carries is missing.")
    notes: list[str] = Field(description="Why the snapshot is incomplete (empty when complete).")


class SnapshotSeriesOut(_Out):
    portfolio_id: int
    start: dt.date | None
    end: dt.date
    truncated: bool = Field(description="More snapshots exist in the range than returned.")
    next_start: dt.date | None = Field(description="The start of the next page (with start).")
    rows: list[SnapshotPointOut]
