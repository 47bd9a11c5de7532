"""The batch's declared steps: one entry per analytics family.

The runner walks :data:`SECURITY_STEPS` once per run (on the driver, every symbol at
once) and :data:`PORTFOLIO_STEPS` once per partition of books (locally or on Dask).
A family adds an entry here, not a block in the runner. Each step returns the rows of
its history tables as :class:`TableRows`; the runner times each step, isolates its
failures (one family failing does not lose the others' rows) and upserts its rows on
the table's natural key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sigmasight.batch.asset_metrics import ASSET_KEY, asset_metric_rows
from sigmasight.batch.columns import Columns, extend
from sigmasight.batch.correlations import asset_correlation_rows, portfolio_correlation_rows
from sigmasight.batch.factors import portfolio_factor_rows, security_factor_rows
from sigmasight.batch.greeks import option_greek_rows
from sigmasight.batch.inputs import BatchInputs, FloatArray
from sigmasight.batch.performance import performance_rows
from sigmasight.batch.rebalancing import complete_event_proposals, drift_and_events
from sigmasight.batch.risk_limits import alert_rows
from sigmasight.batch.risk_metrics import risk_metric_rows
from sigmasight.batch.security import SecurityMetrics, beta_rows, volatility_rows
from sigmasight.batch.snapshots import snapshot_rows
from sigmasight.batch.stress import (
    portfolio_stress_rows,
    scenario_rows,
    security_stress_rows,
    stress_moves,
)
from sigmasight.batch.valuation import Valuation, value_books
from sigmasight.config import get_settings
from sigmasight.storage.history import (
    PortfolioFactorExposure,
    PortfolioRiskMetrics,
    PortfolioSnapshot,
    SecurityFactorExposure,
    SecurityMarketBeta,
    SecurityVolatility,
)
from sigmasight.storage.history_assets import AssetPerformanceMetric
from sigmasight.storage.history_correlations import (
    AssetCorrelation,
    PortfolioCorrelationSummary,
)
from sigmasight.storage.history_greeks import OptionGreeks
from sigmasight.storage.history_performance import (
    PortfolioBenchmarkMetrics,
    PortfolioPerformanceHistory,
)
from sigmasight.storage.history_stress import (
    PortfolioStressResult,
    SecurityStressReturn,
    StressScenarioMoves,
)
from sigmasight.storage.rebalancing import (
    PortfolioRiskAlert,
    PortfolioTargetDrift,
    RebalancingEvent,
)

SNAPSHOT_KEY = ("portfolio_id", "snapshot_date")
BETA_KEY = ("symbol", "calc_date", "method", "window", "market_index")
VOL_KEY = ("symbol", "calc_date")
RISK_METRICS_KEY = ("portfolio_id", "calc_date")
SECURITY_FACTOR_KEY = ("symbol", "calc_date", "method", "window")
PORTFOLIO_FACTOR_KEY = ("portfolio_id", "calc_date")
ASSET_CORRELATION_KEY = ("symbol_a", "symbol_b", "calc_date")
CORRELATION_SUMMARY_KEY = ("portfolio_id", "calc_date")
OPTION_GREEKS_KEY = ("position_id", "calc_date")
SCENARIO_MOVES_KEY = ("calc_date", "scenario_key")
SECURITY_STRESS_KEY = ("symbol", "calc_date")
PORTFOLIO_STRESS_KEY = ("portfolio_id", "calc_date")
PERFORMANCE_KEY = ("portfolio_id", "calc_date")
BENCHMARK_METRICS_KEY = ("portfolio_id", "benchmark", "window", "calc_date")
TARGET_DRIFT_KEY = ("portfolio_id", "calc_date", "level", "key")
RISK_ALERT_KEY = ("portfolio_id", "calc_date", "metric", "key")
#: Upserts write only the key and the proposal: a user's decision on an event stays.
REBALANCING_EVENT_KEY = ("portfolio_id", "trigger_key")


@dataclass(frozen=True)
class TableRows:
    """Rows for one history table: its model, its natural key and the rows as columns.

    Portfolio-level tables carry a ``portfolio_id`` column (the runner falls back to
    writing them portfolio by portfolio when a bulk write fails).
    """

    model: type[Any]
    key: tuple[str, ...]
    columns: Columns

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)


@dataclass(frozen=True)
class SecurityContext:
    """What a security-level step sees: the whole price panel of the run."""

    inputs: BatchInputs
    #: aligned simple returns (T, S); row t is the return into session t
    returns: FloatArray
    #: beta, volatility and HAR for the run's rows, computed once and shared
    metrics: SecurityMetrics

    @property
    def rows(self) -> slice:
        """The sessions this run stores (indices into ``inputs.sessions``)."""
        return self.metrics.rows


@dataclass(frozen=True)
class PortfolioContext:
    """What a portfolio-level step sees: one partition of books and the shared panel."""

    inputs: BatchInputs
    returns: FloatArray
    metrics: SecurityMetrics

    @property
    def rows(self) -> slice:
        return self.metrics.rows

    @cached_property
    def valuation(self) -> Valuation:
        """Market values, delta-adjusted exposures and NAV of every book on every row."""
        return value_books(self.inputs, self.metrics.vol63, self.metrics.rows)

    def single(self, row: int) -> PortfolioContext:
        """The same context restricted to the partition's ``row``-th portfolio."""
        import numpy as np

        return PortfolioContext(self.inputs.subset(np.array([row])), self.returns, self.metrics)


@dataclass(frozen=True)
class SecurityStep:
    name: str
    compute: Callable[[SecurityContext], Sequence[TableRows]]


@dataclass(frozen=True)
class PortfolioStep:
    name: str
    compute: Callable[[PortfolioContext], Sequence[TableRows]]


def _market_beta_and_volatility(ctx: SecurityContext) -> list[TableRows]:
    return [
        TableRows(SecurityMarketBeta, BETA_KEY, beta_rows(ctx.inputs, ctx.metrics)),
        TableRows(SecurityVolatility, VOL_KEY, volatility_rows(ctx.inputs, ctx.metrics)),
    ]


def _security_factors(ctx: SecurityContext) -> list[TableRows]:
    rows = security_factor_rows(ctx.inputs, ctx.returns, ctx.rows)
    return [TableRows(SecurityFactorExposure, SECURITY_FACTOR_KEY, rows)]


def _portfolio_factors(ctx: PortfolioContext) -> list[TableRows]:
    rows = portfolio_factor_rows(
        ctx.inputs, ctx.returns, ctx.metrics.vol63, ctx.valuation, ctx.rows
    )
    return [TableRows(PortfolioFactorExposure, PORTFOLIO_FACTOR_KEY, rows)]


def _asset_metrics(ctx: SecurityContext) -> list[TableRows]:
    rows = asset_metric_rows(ctx.inputs, ctx.returns, ctx.metrics)
    return [TableRows(AssetPerformanceMetric, ASSET_KEY, rows)]


def _asset_correlations(ctx: SecurityContext) -> list[TableRows]:
    rows = asset_correlation_rows(ctx.inputs, ctx.returns, ctx.rows)
    return [TableRows(AssetCorrelation, ASSET_CORRELATION_KEY, rows)]


def _correlation_summaries(ctx: PortfolioContext) -> list[TableRows]:
    rows = portfolio_correlation_rows(
        ctx.inputs, ctx.returns, ctx.metrics.vol63, ctx.valuation, ctx.rows
    )
    return [TableRows(PortfolioCorrelationSummary, CORRELATION_SUMMARY_KEY, rows)]


def _snapshots(ctx: PortfolioContext) -> list[TableRows]:
    rows = snapshot_rows(ctx.inputs, ctx.returns, ctx.metrics, ctx.valuation)
    return [TableRows(PortfolioSnapshot, SNAPSHOT_KEY, rows)]


def _risk_metrics(ctx: PortfolioContext) -> list[TableRows]:
    rate = get_settings().risk_free_rate
    rows = risk_metric_rows(ctx.inputs, ctx.returns, ctx.metrics, ctx.valuation, rate)
    return [TableRows(PortfolioRiskMetrics, RISK_METRICS_KEY, rows)]


def _option_greeks(ctx: PortfolioContext) -> list[TableRows]:
    rate = get_settings().risk_free_rate
    rows = option_greek_rows(ctx.inputs, ctx.metrics.vol63, ctx.valuation, ctx.rows, rate)
    return [TableRows(OptionGreeks, OPTION_GREEKS_KEY, rows)]


def _stress_moves(ctx: SecurityContext) -> list[TableRows]:
    moves = stress_moves(ctx.inputs, ctx.returns, ctx.metrics)
    return [
        TableRows(
            StressScenarioMoves, SCENARIO_MOVES_KEY, scenario_rows(ctx.inputs, moves, ctx.rows)
        ),
        TableRows(
            SecurityStressReturn,
            SECURITY_STRESS_KEY,
            security_stress_rows(ctx.inputs, moves, ctx.rows),
        ),
    ]


def _stress(ctx: PortfolioContext) -> list[TableRows]:
    rate = get_settings().risk_free_rate
    rows = portfolio_stress_rows(ctx.inputs, ctx.returns, ctx.metrics, ctx.valuation, rate)
    return [TableRows(PortfolioStressResult, PORTFOLIO_STRESS_KEY, rows)]


def _performance(ctx: PortfolioContext) -> list[TableRows]:
    history, metrics = performance_rows(ctx.inputs, ctx.metrics.vol63, ctx.rows)
    return [
        TableRows(PortfolioPerformanceHistory, PERFORMANCE_KEY, history),
        TableRows(PortfolioBenchmarkMetrics, BENCHMARK_METRICS_KEY, metrics),
    ]


def _rebalancing(ctx: PortfolioContext) -> list[TableRows]:
    drift, events = drift_and_events(ctx.inputs, ctx.metrics.vol63, ctx.rows)
    alerts, limit_events = alert_rows(ctx.inputs, ctx.returns, ctx.metrics, ctx.rows)
    extend(events, limit_events)
    return [
        TableRows(PortfolioTargetDrift, TARGET_DRIFT_KEY, drift),
        TableRows(PortfolioRiskAlert, RISK_ALERT_KEY, alerts),
        TableRows(RebalancingEvent, REBALANCING_EVENT_KEY, events),
    ]


@dataclass(frozen=True)
class FinishStep:
    """Completes a portfolio-level table's rows from the history the run has just written
    (it runs in the runner's process, after every other table is persisted, and returns
    the rows to write and the reasons of the portfolios whose rows it left out)."""

    name: str
    model: type[Any]
    complete: Callable[[Callable[[], Any], Columns], tuple[Columns, dict[int, str]]]


#: Security-level families, run once per run over every symbol (append new families).
SECURITY_STEPS: tuple[SecurityStep, ...] = (
    SecurityStep("market_beta_volatility", _market_beta_and_volatility),
    SecurityStep("security_factors", _security_factors),
    SecurityStep("asset_metrics", _asset_metrics),
    SecurityStep("asset_correlations", _asset_correlations),
    SecurityStep("stress_moves", _stress_moves),
)

#: Portfolio-level families, run once per partition of books (append new families).
PORTFOLIO_STEPS: tuple[PortfolioStep, ...] = (
    PortfolioStep("snapshots", _snapshots),
    PortfolioStep("risk_metrics", _risk_metrics),
    PortfolioStep("portfolio_factors", _portfolio_factors),
    PortfolioStep("correlation_summaries", _correlation_summaries),
    PortfolioStep("option_greeks", _option_greeks),
    PortfolioStep("stress", _stress),
    PortfolioStep("performance", _performance),
    PortfolioStep("rebalancing", _rebalancing),
)

#: Tables completed after the others are written (their rows read the run's history).
FINISH_STEPS: tuple[FinishStep, ...] = (
    FinishStep("event_proposals", RebalancingEvent, complete_event_proposals),
)
#: The finishing steps by the model of the table each completes.
FINISH_STEPS_BY_MODEL: dict[type, FinishStep] = {f.model: f for f in FINISH_STEPS}
