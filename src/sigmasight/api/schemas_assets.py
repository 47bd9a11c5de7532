"""Response schemas of the asset-metrics routes (docs/methodology.md, "Asset metrics").

Prices in the security's currency on the adjusted-close scale, returns and drawdowns as
fractions (0.12 = 12 %), volatility annualised. A null figure has its reason in
``reasons``; NaN never appears.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from sigmasight.api.schemas_analytics import Num, _Dated, _Out


class IndicatorsOut(_Out):
    sma_20: Num
    sma_50: Num
    sma_200: Num
    ema_12: Num
    ema_26: Num
    rsi_14: Num = Field(description="Wilder RSI, 0-100.")
    macd: Num
    macd_signal: Num
    macd_hist: Num
    bb_upper: Num
    bb_middle: Num
    bb_lower: Num
    atr_14: Num
    stoch_k: Num = Field(description="Fast stochastic %K (14), 0-100.")
    stoch_d: Num = Field(description="%D: 3-session mean of %K.")
    obv: Num = Field(description="On-balance volume summed over the trailing 252 sessions.")
    high_52w: Num = Field(description="Highest close of the trailing 252 sessions.")
    low_52w: Num
    bb_percent_b: Num = Field(description="(close - lower) / (upper - lower).")
    bb_bandwidth: Num = Field(description="(upper - lower) / middle.")
    dist_high_52w: Num = Field(description="close / high_52w - 1 (<= 0).")
    dist_low_52w: Num = Field(description="close / low_52w - 1 (>= 0).")


class RiskOut(_Out):
    volatility_1y: Num = Field(description="Annualised, 252 daily returns.")
    sharpe_1y: Num = Field(description="Mean daily excess return / deviation x sqrt(252).")
    max_drawdown_1y: Num = Field(description="Worst fall from the running peak, <= 0.")
    beta: Num = Field(description="The stored 90-session OLS market beta.")


class AssetMetricsOut(_Out):
    symbol: str
    as_of: dt.date
    indicators: IndicatorsOut
    returns: dict[str, Num] = Field(
        description="Simple returns over 1m, 3m, 6m (21, 63, 126 sessions), YTD, 1y (252); "
        "3y and 5y (756, 1,260 sessions) annualised."
    )
    risk: RiskOut
    reasons: dict[str, str] = Field(description="Why each null figure is null.")


class PositionMetricsOut(_Out):
    position_id: int
    symbol: str
    security: str | None = Field(description="Whose figures these are (an option's underlying).")
    metrics: AssetMetricsOut | None
    close: Num = Field(description="The security's adjusted close on as_of.")
    dist_sma_200: Num = Field(description="close / sma_200 - 1.")
    note: str | None


class PositionMetricsViewOut(_Dated):
    portfolio_id: int
    as_of: dt.date
    positions: list[PositionMetricsOut]
