"""Asset metrics history: technical indicators, period returns and one-year risk, one
row per symbol and session (docs/methodology.md, "Asset metrics")."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.storage.models import SYMBOL, Base

#: Indicator columns, in the order the API lists them (then the derived ones).
INDICATOR_COLUMNS: tuple[str, ...] = (
    "sma_20",
    "sma_50",
    "sma_200",
    "ema_12",
    "ema_26",
    "rsi_14",
    "macd",
    "macd_signal",
    "macd_hist",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "atr_14",
    "stoch_k",
    "stoch_d",
    "obv",
    "high_52w",
    "low_52w",
    "bb_percent_b",
    "bb_bandwidth",
    "dist_high_52w",
    "dist_low_52w",
)
#: Return columns by horizon name.
RETURN_COLUMNS: dict[str, str] = {
    "1m": "return_1m",
    "3m": "return_3m",
    "6m": "return_6m",
    "YTD": "return_ytd",
    "1y": "return_1y",
    "3y": "return_3y",
    "5y": "return_5y",
}
RISK_COLUMNS: tuple[str, ...] = ("volatility_1y", "sharpe_1y", "max_drawdown_1y", "beta")


class AssetPerformanceMetric(Base):
    __tablename__ = "asset_performance_metrics"

    symbol: Mapped[str] = mapped_column(String(SYMBOL), primary_key=True)
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    close: Mapped[float | None] = mapped_column(Float)
    #: True when the session has high, low and volume (the OHLCV indicators can exist).
    has_ohlcv: Mapped[bool] = mapped_column(Boolean)
    #: Valid closes in the 252 sessions ending at this one.
    observations: Mapped[int] = mapped_column(Integer)
    sma_20: Mapped[float | None] = mapped_column(Float)
    sma_50: Mapped[float | None] = mapped_column(Float)
    sma_200: Mapped[float | None] = mapped_column(Float)
    ema_12: Mapped[float | None] = mapped_column(Float)
    ema_26: Mapped[float | None] = mapped_column(Float)
    rsi_14: Mapped[float | None] = mapped_column(Float)
    macd: Mapped[float | None] = mapped_column(Float)
    macd_signal: Mapped[float | None] = mapped_column(Float)
    macd_hist: Mapped[float | None] = mapped_column(Float)
    bb_upper: Mapped[float | None] = mapped_column(Float)
    bb_middle: Mapped[float | None] = mapped_column(Float)
    bb_lower: Mapped[float | None] = mapped_column(Float)
    atr_14: Mapped[float | None] = mapped_column(Float)
    stoch_k: Mapped[float | None] = mapped_column(Float)
    stoch_d: Mapped[float | None] = mapped_column(Float)
    obv: Mapped[float | None] = mapped_column(Float)
    high_52w: Mapped[float | None] = mapped_column(Float)
    low_52w: Mapped[float | None] = mapped_column(Float)
    bb_percent_b: Mapped[float | None] = mapped_column(Float)
    bb_bandwidth: Mapped[float | None] = mapped_column(Float)
    dist_high_52w: Mapped[float | None] = mapped_column(Float)
    dist_low_52w: Mapped[float | None] = mapped_column(Float)
    return_1m: Mapped[float | None] = mapped_column(Float)
    return_3m: Mapped[float | None] = mapped_column(Float)
    return_6m: Mapped[float | None] = mapped_column(Float)
    return_ytd: Mapped[float | None] = mapped_column(Float)
    return_1y: Mapped[float | None] = mapped_column(Float)
    return_3y: Mapped[float | None] = mapped_column(Float)
    return_5y: Mapped[float | None] = mapped_column(Float)
    volatility_1y: Mapped[float | None] = mapped_column(Float)
    sharpe_1y: Mapped[float | None] = mapped_column(Float)
    max_drawdown_1y: Mapped[float | None] = mapped_column(Float)
    beta: Mapped[float | None] = mapped_column(Float)
    #: name -> why it is null (only the null figures; None when every figure is there)
    reasons: Mapped[dict[str, Any] | None] = mapped_column(JSON)
