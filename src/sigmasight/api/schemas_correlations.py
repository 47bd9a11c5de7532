"""Response schemas of the correlation and risk-contribution routes (field names as
issue #18 fixes them)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from sigmasight.api.schemas_analytics import Num, _Dated, _Out


class CorrelationSummaryOut(_Out):
    window: int
    observations: int
    securities: int
    average_correlation: Num = Field(description="Gross-exposure-weighted, pairs i != j.")
    market_correlation: Num = Field(description="Ex-ante series with the S&P 500.")
    effective_bets: Num = Field(description="exp(entropy) of principal-component shares.")
    effective_bets_method: str


class CorrelationMatrixOut(_Dated):
    portfolio_id: int
    as_of: dt.date
    horizon: str
    window: int = Field(description="Sessions of the horizon (1m = 21, 3y = 756).")
    min_observations: int = Field(description="Fewest paired sessions a correlation needs.")
    symbols: list[str] = Field(description="Held securities in hierarchical clustering order.")
    matrix: list[list[Num]] = Field(description="Correlations; null below the minimum.")
    observations: list[list[int]] = Field(description="Sessions where both have a return.")
    p_values: list[list[Num]] = Field(description="Two-sided t-test of zero correlation.")
    t_stats: list[list[Num]]
    ci_low: list[list[Num]] = Field(description="Fisher-z 95 % interval, lower end.")
    ci_high: list[list[Num]]
    summary: CorrelationSummaryOut | None = Field(
        description="The book's stored summary of the date (one-year window)."
    )


class RollingCorrelationOut(_Dated):
    portfolio_id: int
    as_of: dt.date
    a: str
    b: str
    window: int
    min_observations: int
    dates: list[dt.date]
    correlations: list[Num]
    observations: list[int]


class ContributionOut(_Out):
    key: str
    weight: Num = Field(description="Delta-adjusted exposure / NAV (factors: exposure).")
    marginal: Num = Field(description="Derivative of the measure by the weight.")
    component: Num = Field(description="weight x marginal; the components sum to total.")
    percent: Num = Field(description="component / total (a fraction).")


class RiskContributionsOut(_Dated):
    portfolio_id: int
    as_of: dt.date
    measure: str
    by: str
    total: Num
    window: int
    observations: int
    confidence: float | None
    conventions: str
    contributions: list[ContributionOut]
