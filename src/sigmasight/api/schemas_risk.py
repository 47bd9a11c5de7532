"""Response schemas of the risk-metrics routes (field names as issue #17 fixes them)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from sigmasight.api.schemas_analytics import Num, _Out


class VaREntryOut(_Out):
    method: str
    confidence: float
    horizon_days: int
    scaling: str
    var: Num
    cvar: Num
    var_amount: Num
    cvar_amount: Num


class ExAnteOut(_Out):
    window: int
    observations: int
    mean: Num
    volatility: Num
    skewness: Num
    excess_kurtosis: Num
    var: list[VaREntryOut]


class RealizedOut(_Out):
    window: int
    observations: int
    risk_free_rate: float
    annual_return: Num
    volatility: Num
    sharpe_daily: Num
    sharpe: Num
    sortino: Num
    downside_deviation: Num
    beta: Num
    treynor: Num
    calmar: Num
    omega: Num
    max_drawdown: Num
    current_drawdown: Num


class RiskMetricsOut(_Out):
    portfolio_id: int
    as_of: dt.date
    nav: float
    ex_ante: ExAnteOut
    realized: RealizedOut
    risk_level: str | None
    diversification_ratio: Num
    effective_positions: Num
    conventions: str
    notes: list[str]


class DrawdownEpisodeOut(_Out):
    peak: dt.date | None
    trough: dt.date | None
    recovery: dt.date | None
    depth: float
    decline_sessions: int
    recovery_sessions: int | None
    underwater_sessions: int
    recovered: bool


class UnderwaterPointOut(_Out):
    date: dt.date
    drawdown: float


class DrawdownsOut(_Out):
    portfolio_id: int
    as_of: dt.date
    window: int
    observations: int
    max_drawdown: Num
    peak: dt.date | None
    trough: dt.date | None
    recovery: dt.date | None
    current_drawdown: Num
    episodes: list[DrawdownEpisodeOut]
    underwater: list[UnderwaterPointOut]
    conventions: str


class BacktestPointOut(_Out):
    date: dt.date
    loss: Num
    var: Num
    exception: bool


class VaRBacktestOut(_Out):
    portfolio_id: int
    as_of: dt.date
    method: str
    confidence: float
    sessions: int
    exceptions: int
    expected_exceptions: float
    kupiec_lr: Num
    kupiec_p_value: Num
    christoffersen_independence_lr: Num
    christoffersen_independence_p_value: Num
    conditional_coverage_lr: Num
    conditional_coverage_p_value: Num
    traffic_light: str | None
    points: list[BacktestPointOut]
    conventions: str


class PositionGreeksOut(_Out):
    value: Num = Field(description="Model value of the position (per contract x contracts).")
    delta: Num
    gamma: Num
    vega: Num
    theta: Num
    rho: Num


class OptionGreeksOut(_Out):
    position_id: int
    symbol: str
    underlying: str
    option_type: str
    spot: Num
    strike: float
    expiry: dt.date
    time_to_expiry_years: float
    volatility: Num = Field(description="Annualised volatility used (a fraction).")
    volatility_source: str
    rate: float = Field(description="Continuously compounded annual rate used (a fraction).")
    rate_source: str
    dividend_yield: float = Field(description="Continuous annual dividend yield (a fraction).")
    contracts: float = Field(description="Signed number of contracts (short < 0).")
    multiplier: int
    price: Num = Field(description="Black-Scholes-Merton value per contract.")
    delta: Num = Field(description="Per contract: currency per 1 unit move of the underlying.")
    gamma: Num = Field(description="Per contract: delta per 1 unit move of the underlying.")
    vega: Num = Field(description="Per contract: currency per 1 volatility point.")
    theta: Num = Field(description="Per contract: currency per calendar day.")
    rho: Num = Field(description="Per contract: currency per 1 percentage point of rate.")
    position: PositionGreeksOut
    units: dict[str, str]


class GreeksOut(_Out):
    portfolio_id: int
    as_of: dt.date
    options: list[OptionGreeksOut]
    units: dict[str, str]
    inputs: dict[str, str]
