"""Migrations: up, down to nothing, up again, on both databases; models never drift."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from sigmasight.storage import migrate
from sigmasight.storage.models import Base

EXPECTED_TABLES = {
    "daily_prices",
    "equity_changes",
    "portfolios",
    "position_tags",
    "positions",
    "securities",
    "tags",
    "users",
    "security_market_betas",
    "security_volatility",
    "portfolio_snapshots",
    "benchmark_sector_weights",
    "batch_runs",
    "revoked_tokens",
    "data_revision",
    "portfolio_risk_metrics",
    "security_factor_exposures",
    "portfolio_factor_exposures",
    "asset_performance_metrics",
    "asset_correlations",
    "portfolio_correlation_summaries",
    "login_attempts",
    "option_greeks",
    "stress_scenario_moves",
    "security_stress_returns",
    "portfolio_stress_results",
    "stress_scenarios",
    "portfolio_benchmarks",
    "portfolio_performance_history",
    "portfolio_benchmark_metrics",
    "portfolio_targets",
    "portfolio_target_drift",
    "rebalancing_events",
    "rebalancing_audit",
    "portfolio_risk_limits",
    "portfolio_risk_alerts",
}

VIEWS = {"position_market_betas", "position_volatility"}


def _tables(engine: Engine) -> set[str]:
    inspector = inspect(engine)
    return set(inspector.get_table_names()) | set(inspector.get_view_names())


def test_upgrade_downgrade_upgrade(empty_engine: Engine) -> None:
    assert _tables(empty_engine) == set()
    migrate.upgrade(empty_engine)
    assert _tables(empty_engine) == EXPECTED_TABLES | VIEWS | {"alembic_version"}
    assert migrate.current_revision(empty_engine) == migrate.head_revision(empty_engine)

    migrate.downgrade(empty_engine, "base")
    assert _tables(empty_engine) == set()
    assert migrate.current_revision(empty_engine) is None

    migrate.upgrade(empty_engine)
    assert _tables(empty_engine) == EXPECTED_TABLES | VIEWS | {"alembic_version"}


def test_models_and_migrations_do_not_drift(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_stepwise_downgrade_reaches_every_revision(empty_engine: Engine) -> None:
    """Every revision can be stepped down one at a time and back (no broken downgrade)."""
    migrate.upgrade(empty_engine)
    head = migrate.head_revision(empty_engine)
    while migrate.current_revision(empty_engine) is not None:
        migrate.downgrade(empty_engine, "-1")
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == head
