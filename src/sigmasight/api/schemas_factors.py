"""Response schemas of the factor-exposure routes (field names as in issue #16).

Loadings are per unit of factor return and, for a portfolio, per unit of NAV;
``exposure`` is in the portfolio's currency (loading x delta-adjusted exposure, or
x NAV for the portfolio); variances are annualised; factor keys are the registry's.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from sigmasight.api.schemas_analytics import Num, _Out


class FactorOut(_Out):
    key: str = Field(description="Stable key used in every table and answer.")
    name: str
    kind: str = Field(description="market, style, spread or rates.")
    proxy: str = Field(description="The symbol that defines the factor (its long leg).")
    long: str
    short: str | None = Field(description="Subtracted leg (the market for spreads).")
    description: str


class PortfolioFactorOut(FactorOut):
    active: bool = Field(description="Estimated on this date (its legs have prices).")
    reason: str | None = Field(description="Why the factor is absent, when it is.")
    weighted: Num = Field(description="Sum of delta-adjusted exposure x loading, / NAV.")
    weighted_se: Num = Field(description="OLS only; residuals independent across securities.")
    direct: Num = Field(description="Loading of the portfolio's ex-ante return series.")
    direct_se: Num
    direct_t: Num
    direct_p: Num
    difference: Num = Field(description="weighted - direct.")
    exposure: Num = Field(description="weighted x NAV, in currency.")
    risk_contribution: Num = Field(description="Euler share of annual variance: b_k (Σ b)_k.")
    risk_share: Num = Field(description="risk_contribution / total variance.")


class FactorDiagnosticsOut(_Out):
    r_squared: Num
    adj_r_squared: Num
    residual_vol: Num = Field(description="Annualised residual volatility.")
    condition_number: Num = Field(description="sqrt(max/min eigenvalue), factor correlations.")
    observations: int
    reason: str


class FactorRiskOut(_Out):
    total_variance: Num
    total_volatility: Num
    factor_variance: Num
    specific_variance: Num
    specific_share: Num


class PortfolioFactorExposuresOut(_Out):
    portfolio_id: int
    as_of: dt.date
    method: str
    window: int = Field(description="Sessions in the regression window.")
    observations: int = Field(description="Returns in the direct regression.")
    nav: Num
    positions_covered: int
    positions_held: int
    factors: list[PortfolioFactorOut]
    diagnostics: FactorDiagnosticsOut
    risk: FactorRiskOut


class PositionFactorOut(_Out):
    loading: Num
    std_error: Num
    t_stat: Num
    p_value: Num
    exposure: Num = Field(description="loading x the position's delta-adjusted exposure.")
    reason: str | None


class PositionFactorsOut(_Out):
    position_id: int
    symbol: str
    exposure_symbol: str | None = Field(description="Security regressed (an option's underlying).")
    delta_adjusted_exposure: Num
    exposures: dict[str, PositionFactorOut]
    r_squared: Num
    vif: dict[str, Num]
    observations: int | None
    flags: list[str]
    reason: str | None = Field(description="Why the row is empty, when it is.")


class PositionFactorExposuresOut(_Out):
    portfolio_id: int
    as_of: dt.date
    method: str
    window: int
    observations: int
    positions: list[PositionFactorsOut]
