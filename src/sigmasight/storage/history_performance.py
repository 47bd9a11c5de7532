"""The performance family (docs/methodology.md, "Performance and benchmarks").

- ``portfolio_benchmarks``: a portfolio's benchmarks (configuration, not history): a
  priced symbol or a fixed-weight blend of symbols rebalanced daily or monthly; one is
  primary. A portfolio without rows is compared with its ``primary_benchmark`` symbol
  (the S&P 500 by default).
- ``portfolio_performance_history``: one row per portfolio and date: NAV, flows, daily
  and cumulative time-weighted return, the period returns ending at the date.
- ``portfolio_benchmark_metrics``: one row per portfolio, benchmark, window and date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.storage.models import Base
from sigmasight.storage.types import UTCDateTime, utcnow

#: Length of a benchmark's name (its symbol, or a blend's label).
BENCHMARK_NAME = 64
#: Stored benchmark windows: name -> sessions (None: since inception).
BENCHMARK_WINDOWS: dict[str, int | None] = {"3m": 63, "1y": 252, "3y": 756, "inception": None}
#: Period columns of the history: period name -> column suffix.
PERIOD_COLUMNS: dict[str, str] = {
    "1D": "1d",
    "MTD": "mtd",
    "QTD": "qtd",
    "YTD": "ytd",
    "1m": "1m",
    "3m": "3m",
    "6m": "6m",
    "1y": "1y",
    "3y": "3y",
    "5y": "5y",
    "inception": "inception",
}
#: Periods whose annualised figure is stored too (when longer than a year).
ANNUALIZED_PERIODS = ("3y", "5y", "inception")


class PortfolioBenchmark(Base):
    __tablename__ = "portfolio_benchmarks"
    __table_args__ = (UniqueConstraint("portfolio_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(BENCHMARK_NAME))
    #: ``[{"symbol": ..., "weight": ...}, ...]``, weights summing to 1
    legs: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: "daily" or "monthly" (weights restored at the first session of each month)
    rebalance: Mapped[str] = mapped_column(String(8), default="daily")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PortfolioPerformanceHistory(Base):
    __tablename__ = "portfolio_performance_history"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    inception_date: Mapped[date] = mapped_column(Date)
    nav: Mapped[float] = mapped_column(Float)
    inflow: Mapped[float] = mapped_column(Float)
    outflow: Mapped[float] = mapped_column(Float)
    #: None when no capital was at risk in the session (base of zero or less)
    twr_daily: Mapped[float | None] = mapped_column(Float)
    twr_cumulative: Mapped[float] = mapped_column(Float)
    return_1d: Mapped[float | None] = mapped_column(Float)
    return_mtd: Mapped[float | None] = mapped_column(Float)
    return_qtd: Mapped[float | None] = mapped_column(Float)
    return_ytd: Mapped[float | None] = mapped_column(Float)
    return_1m: Mapped[float | None] = mapped_column(Float)
    return_3m: Mapped[float | None] = mapped_column(Float)
    return_6m: Mapped[float | None] = mapped_column(Float)
    return_1y: Mapped[float | None] = mapped_column(Float)
    return_3y: Mapped[float | None] = mapped_column(Float)
    return_5y: Mapped[float | None] = mapped_column(Float)
    return_inception: Mapped[float | None] = mapped_column(Float)
    annualized_3y: Mapped[float | None] = mapped_column(Float)
    annualized_5y: Mapped[float | None] = mapped_column(Float)
    annualized_inception: Mapped[float | None] = mapped_column(Float)
    sessions_inception: Mapped[int] = mapped_column(Integer)
    #: the session's P&L by sector bucket (``batch.performance.PNL_BUCKETS``; buckets
    #: with no P&L left out): the return attribution by sector reads it
    sector_pnl: Mapped[dict[str, float]] = mapped_column(JSON)


class PortfolioBenchmarkMetrics(Base):
    __tablename__ = "portfolio_benchmark_metrics"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    benchmark: Mapped[str] = mapped_column(String(BENCHMARK_NAME), primary_key=True)
    window: Mapped[str] = mapped_column(String(12), primary_key=True)
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    observations: Mapped[int] = mapped_column(Integer)
    portfolio_return: Mapped[float | None] = mapped_column(Float)
    benchmark_return: Mapped[float | None] = mapped_column(Float)
    excess_return: Mapped[float | None] = mapped_column(Float)
    tracking_error: Mapped[float | None] = mapped_column(Float)
    information_ratio: Mapped[float | None] = mapped_column(Float)
    beta: Mapped[float | None] = mapped_column(Float)
    alpha: Mapped[float | None] = mapped_column(Float)
    correlation: Mapped[float | None] = mapped_column(Float)
    up_capture: Mapped[float | None] = mapped_column(Float)
    down_capture: Mapped[float | None] = mapped_column(Float)
    hit_rate: Mapped[float | None] = mapped_column(Float)
