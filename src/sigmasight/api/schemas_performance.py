"""Schemas of the performance routes (field names as issue #19 fixes them)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sigmasight.api.schemas_analytics import Num, _Out


class TwrOut(_Out):
    cumulative: Num
    annualized: Num = Field(description="Only when the period is longer than 252 sessions.")
    sessions: int


class MwrOut(_Out):
    xirr: Num
    reason: str | None = Field(description="Why there is no XIRR (no solution), else null.")


class PeriodOut(_Out):
    total: Num
    annualized: Num


class SeriesPointOut(_Out):
    date: dt.date
    nav: float
    flow: float
    twr_daily: Num
    twr_cumulative: Num


class PerformanceOut(_Out):
    portfolio_id: int
    as_of: dt.date
    start: dt.date
    inception: dt.date
    flow_timing: str
    twr: TwrOut
    mwr: MwrOut
    periods: dict[str, PeriodOut]
    series: list[SeriesPointOut]
    conventions: str
    as_of_requested: dt.date | None = None
    as_of_note: str | None = None


class BenchmarkComparisonOut(_Out):
    portfolio_id: int
    as_of: dt.date
    benchmark: str
    window: str
    observations: int
    portfolio_return: Num
    benchmark_return: Num
    excess_return: Num
    tracking_error: Num
    information_ratio: Num
    beta: Num
    alpha: Num
    correlation: Num
    up_capture: Num
    down_capture: Num
    hit_rate: Num
    conventions: str
    as_of_requested: dt.date | None = None
    as_of_note: str | None = None


class BenchmarkLegIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: Annotated[str, Field(min_length=1, max_length=32)]
    weight: Annotated[float, Field(gt=0, le=1)]


class BenchmarkCreate(BaseModel):
    """A symbol (``legs`` of one, weight 1) or a fixed-weight blend."""

    model_config = ConfigDict(extra="forbid")
    legs: Annotated[list[BenchmarkLegIn], Field(min_length=1, max_length=10)]
    rebalance: Literal["daily", "monthly"] = "daily"
    name: Annotated[str | None, Field(max_length=64)] = None
    is_primary: bool = False


class BenchmarkLegOut(_Out):
    symbol: str
    weight: float


class BenchmarkOut(_Out):
    id: int | None = Field(description="null: the portfolio's default, not stored")
    name: str
    legs: list[BenchmarkLegOut]
    rebalance: str
    is_primary: bool


class ContributionOut(_Out):
    key: str
    name: str
    contribution: Num


class AttributionOut(_Out):
    portfolio_id: int
    start: dt.date
    end: dt.date
    sessions: int
    total_return: Num
    factors: list[ContributionOut]
    specific: Num = Field(description="The remainder: the period return the factors leave.")
    sum_of_parts: Num
    sessions_without_loadings: int
    method: str
    sectors: list[ContributionOut] = Field(
        description="Each sector bucket's contribution (P&L over capital at risk, linked)."
    )
    sector_method: str
