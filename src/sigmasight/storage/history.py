"""History tables written by the batch: one row per key, every rerun an upsert.

Security-level analytics (beta, volatility) are stored once per symbol and date and
joined to positions by the views ``position_market_betas`` and ``position_volatility``
(see the migration), instead of one row per position per portfolio per day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.storage.models import SYMBOL, Base
from sigmasight.storage.types import UTCDateTime


class SecurityMarketBeta(Base):
    __tablename__ = "security_market_betas"

    symbol: Mapped[str] = mapped_column(String(SYMBOL), primary_key=True)
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    method: Mapped[str] = mapped_column(String(16), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    market_index: Mapped[str] = mapped_column(String(SYMBOL), primary_key=True)
    beta: Mapped[float | None] = mapped_column(Float)
    beta_uncapped: Mapped[float | None] = mapped_column(Float)
    capped: Mapped[bool] = mapped_column(Boolean)
    alpha: Mapped[float | None] = mapped_column(Float)
    r_squared: Mapped[float | None] = mapped_column(Float)
    std_error: Mapped[float | None] = mapped_column(Float)
    t_stat: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    observations: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(24))


class SecurityVolatility(Base):
    __tablename__ = "security_volatility"

    symbol: Mapped[str] = mapped_column(String(SYMBOL), primary_key=True)
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    realized_21d: Mapped[float | None] = mapped_column(Float)
    realized_63d: Mapped[float | None] = mapped_column(Float)
    har_const: Mapped[float | None] = mapped_column(Float)
    har_daily: Mapped[float | None] = mapped_column(Float)
    har_weekly: Mapped[float | None] = mapped_column(Float)
    har_monthly: Mapped[float | None] = mapped_column(Float)
    expected_21d: Mapped[float | None] = mapped_column(Float)
    trend: Mapped[str | None] = mapped_column(String(12))
    trend_strength: Mapped[float | None] = mapped_column(Float)
    percentile: Mapped[float | None] = mapped_column(Float)
    observations: Mapped[int] = mapped_column(Integer)
    model_r_squared: Mapped[float | None] = mapped_column(Float)
    #: True when the HAR path had a non-positive day and ``expected_21d`` is the
    #: realized 21-day volatility instead (docs/methodology.md, HAR forecast).
    har_fallback: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PortfolioSnapshot(Base):
    __tablename__ = "portfolio_snapshots"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    snapshot_date: Mapped[date] = mapped_column(Date, primary_key=True)
    nav: Mapped[float] = mapped_column(Float)
    cash: Mapped[float] = mapped_column(Float)
    long_exposure: Mapped[float] = mapped_column(Float)
    short_exposure: Mapped[float] = mapped_column(Float)
    gross_exposure: Mapped[float] = mapped_column(Float)
    net_exposure: Mapped[float] = mapped_column(Float)
    leverage: Mapped[float | None] = mapped_column(Float)
    daily_pnl: Mapped[float] = mapped_column(Float)
    daily_return: Mapped[float | None] = mapped_column(Float)
    cumulative_pnl: Mapped[float] = mapped_column(Float)
    flows: Mapped[float] = mapped_column(Float)
    n_positions: Mapped[int] = mapped_column(Integer)
    n_long: Mapped[int] = mapped_column(Integer)
    n_short: Mapped[int] = mapped_column(Integer)
    n_options: Mapped[int] = mapped_column(Integer)
    n_private: Mapped[int] = mapped_column(Integer)
    beta_weighted: Mapped[float | None] = mapped_column(Float)
    beta_weighted_r_squared: Mapped[float | None] = mapped_column(Float)
    beta_weighted_positions: Mapped[int] = mapped_column(Integer)
    beta_direct: Mapped[float | None] = mapped_column(Float)
    beta_direct_r_squared: Mapped[float | None] = mapped_column(Float)
    beta_direct_observations: Mapped[int] = mapped_column(Integer)
    volatility_21d: Mapped[float | None] = mapped_column(Float)
    volatility_63d: Mapped[float | None] = mapped_column(Float)
    volatility_expected_21d: Mapped[float | None] = mapped_column(Float)
    volatility_trend: Mapped[str | None] = mapped_column(String(12))
    volatility_percentile: Mapped[float | None] = mapped_column(Float)
    sector_exposure: Mapped[dict[str, Any]] = mapped_column(JSON)
    hhi: Mapped[float | None] = mapped_column(Float)
    effective_positions: Mapped[float | None] = mapped_column(Float)
    top3_weight: Mapped[float | None] = mapped_column(Float)
    top10_weight: Mapped[float | None] = mapped_column(Float)
    #: False when any held public position lacked a price or any metric lacked data.
    is_complete: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[list[str]] = mapped_column(JSON)
    #: ``volatility_expected_21d`` is the realized 21-day figure (HAR path not positive).
    volatility_har_fallback: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: Carried value of the private holdings (market value family; not an exposure).
    private_value: Mapped[float | None] = mapped_column(Float, default=None)


class BenchmarkSectorWeight(Base):
    __tablename__ = "benchmark_sector_weights"

    benchmark: Mapped[str] = mapped_column(String(SYMBOL), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    sector: Mapped[str] = mapped_column(String(64), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)
    market_cap: Mapped[float | None] = mapped_column(Float)
    constituents: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300))


class BatchRun(Base):
    __tablename__ = "batch_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    status: Mapped[str] = mapped_column(String(16))
    timings: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    errors: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    portfolios: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    #: Where the run executes: a later run only abandons rows whose process is gone.
    host: Mapped[str | None] = mapped_column(String(255), default=None)
    pid: Mapped[int | None] = mapped_column(Integer, default=None)
    #: Who asked for a queued run (the API, an import); None for a CLI run.
    owner_id: Mapped[int | None] = mapped_column(Integer, default=None)
    #: The portfolios a queued run covers; None means every live portfolio.
    portfolio_ids: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    #: Times a worker has claimed the run (a run whose worker died is queued again).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Portfolios that got no figure, by id, with the reason ("TSLA, VOO: no prices").
    skipped: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)

    __table_args__ = (
        Index("ix_batch_runs_owner_status", "owner_id", "status"),
        Index("ix_batch_runs_status_started", "status", "started_at"),
    )


# Families' history models live in their own modules; importing them here registers
# them with the metadata wherever the history is imported.
from sigmasight.storage.history_correlations import (  # noqa: E402
    AssetCorrelation,
    PortfolioCorrelationSummary,
)
from sigmasight.storage.history_factors import (  # noqa: E402
    PortfolioFactorExposure,
    SecurityFactorExposure,
)
from sigmasight.storage.history_greeks import OptionGreeks  # noqa: E402
from sigmasight.storage.history_performance import (  # noqa: E402
    PortfolioBenchmark,
    PortfolioBenchmarkMetrics,
    PortfolioPerformanceHistory,
)
from sigmasight.storage.history_risk import PortfolioRiskMetrics  # noqa: E402
from sigmasight.storage.history_stress import (  # noqa: E402
    PortfolioStressResult,
    SecurityStressReturn,
    StressScenarioMoves,
)
from sigmasight.storage.rebalancing import (  # noqa: E402
    PortfolioRiskAlert,
    PortfolioRiskLimit,
    PortfolioTarget,
    PortfolioTargetDrift,
    RebalancingAudit,
    RebalancingEvent,
)

__all__ = [
    "AssetCorrelation",
    "BatchRun",
    "BenchmarkSectorWeight",
    "OptionGreeks",
    "PortfolioBenchmark",
    "PortfolioBenchmarkMetrics",
    "PortfolioCorrelationSummary",
    "PortfolioFactorExposure",
    "PortfolioPerformanceHistory",
    "PortfolioRiskAlert",
    "PortfolioRiskLimit",
    "PortfolioRiskMetrics",
    "PortfolioSnapshot",
    "PortfolioStressResult",
    "PortfolioTarget",
    "PortfolioTargetDrift",
    "RebalancingAudit",
    "RebalancingEvent",
    "SecurityFactorExposure",
    "SecurityMarketBeta",
    "SecurityStressReturn",
    "SecurityVolatility",
    "StressScenarioMoves",
]
