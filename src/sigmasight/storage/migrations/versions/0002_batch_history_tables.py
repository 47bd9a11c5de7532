"""batch history tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:49:35.287061
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sigmasight.storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Position-level views over security-level history: a security's beta or volatility
#: on a date is the same in every portfolio, so it is stored once and joined to the
#: positions held at that date's close (entered on or before it, not yet exited).
HELD = (
    "p.deleted_at IS NULL AND p.entry_date <= h.calc_date "
    "AND (p.exit_date IS NULL OR p.exit_date > h.calc_date)"
)
POSITION_MARKET_BETAS = f"""
CREATE VIEW position_market_betas AS
SELECT p.id AS position_id, p.portfolio_id, p.symbol, h.calc_date, h.method, h.window,
       h.market_index, h.beta, h.beta_uncapped, h.capped, h.alpha, h.r_squared,
       h.std_error, h.t_stat, h.p_value, h.observations, h.reason
FROM positions p JOIN security_market_betas h ON h.symbol = p.symbol
WHERE {HELD}
"""
POSITION_VOLATILITY = f"""
CREATE VIEW position_volatility AS
SELECT p.id AS position_id, p.portfolio_id, p.symbol, h.calc_date, h.realized_21d,
       h.realized_63d, h.har_const, h.har_daily, h.har_weekly, h.har_monthly,
       h.expected_21d, h.trend, h.trend_strength, h.percentile, h.observations,
       h.model_r_squared
FROM positions p JOIN security_volatility h ON h.symbol = p.symbol
WHERE {HELD}
"""


def upgrade() -> None:
    op.create_table(
        "batch_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column(
            "started_at", sigmasight.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "finished_at", sigmasight.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("portfolios", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_runs")),
    )
    op.create_table(
        "benchmark_sector_weights",
        sa.Column("benchmark", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("market_cap", sa.Float(), nullable=True),
        sa.Column("constituents", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint(
            "benchmark", "as_of", "sector", name=op.f("pk_benchmark_sector_weights")
        ),
    )
    op.create_table(
        "security_market_betas",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("market_index", sa.String(length=32), nullable=False),
        sa.Column("beta", sa.Float(), nullable=True),
        sa.Column("beta_uncapped", sa.Float(), nullable=True),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.Column("alpha", sa.Float(), nullable=True),
        sa.Column("r_squared", sa.Float(), nullable=True),
        sa.Column("std_error", sa.Float(), nullable=True),
        sa.Column("t_stat", sa.Float(), nullable=True),
        sa.Column("p_value", sa.Float(), nullable=True),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint(
            "symbol",
            "calc_date",
            "method",
            "window",
            "market_index",
            name=op.f("pk_security_market_betas"),
        ),
    )
    op.create_table(
        "security_volatility",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("realized_21d", sa.Float(), nullable=True),
        sa.Column("realized_63d", sa.Float(), nullable=True),
        sa.Column("har_const", sa.Float(), nullable=True),
        sa.Column("har_daily", sa.Float(), nullable=True),
        sa.Column("har_weekly", sa.Float(), nullable=True),
        sa.Column("har_monthly", sa.Float(), nullable=True),
        sa.Column("expected_21d", sa.Float(), nullable=True),
        sa.Column("trend", sa.String(length=12), nullable=True),
        sa.Column("trend_strength", sa.Float(), nullable=True),
        sa.Column("percentile", sa.Float(), nullable=True),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("model_r_squared", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("symbol", "calc_date", name=op.f("pk_security_volatility")),
    )
    op.create_table(
        "portfolio_snapshots",
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("nav", sa.Float(), nullable=False),
        sa.Column("cash", sa.Float(), nullable=False),
        sa.Column("long_exposure", sa.Float(), nullable=False),
        sa.Column("short_exposure", sa.Float(), nullable=False),
        sa.Column("gross_exposure", sa.Float(), nullable=False),
        sa.Column("net_exposure", sa.Float(), nullable=False),
        sa.Column("leverage", sa.Float(), nullable=True),
        sa.Column("daily_pnl", sa.Float(), nullable=False),
        sa.Column("daily_return", sa.Float(), nullable=True),
        sa.Column("cumulative_pnl", sa.Float(), nullable=False),
        sa.Column("flows", sa.Float(), nullable=False),
        sa.Column("n_positions", sa.Integer(), nullable=False),
        sa.Column("n_long", sa.Integer(), nullable=False),
        sa.Column("n_short", sa.Integer(), nullable=False),
        sa.Column("n_options", sa.Integer(), nullable=False),
        sa.Column("n_private", sa.Integer(), nullable=False),
        sa.Column("beta_weighted", sa.Float(), nullable=True),
        sa.Column("beta_weighted_r_squared", sa.Float(), nullable=True),
        sa.Column("beta_weighted_positions", sa.Integer(), nullable=False),
        sa.Column("beta_direct", sa.Float(), nullable=True),
        sa.Column("beta_direct_r_squared", sa.Float(), nullable=True),
        sa.Column("beta_direct_observations", sa.Integer(), nullable=False),
        sa.Column("volatility_21d", sa.Float(), nullable=True),
        sa.Column("volatility_63d", sa.Float(), nullable=True),
        sa.Column("volatility_expected_21d", sa.Float(), nullable=True),
        sa.Column("volatility_trend", sa.String(length=12), nullable=True),
        sa.Column("volatility_percentile", sa.Float(), nullable=True),
        sa.Column("sector_exposure", sa.JSON(), nullable=False),
        sa.Column("hhi", sa.Float(), nullable=True),
        sa.Column("effective_positions", sa.Float(), nullable=True),
        sa.Column("top3_weight", sa.Float(), nullable=True),
        sa.Column("top10_weight", sa.Float(), nullable=True),
        sa.Column("is_complete", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_portfolio_snapshots_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "portfolio_id", "snapshot_date", name=op.f("pk_portfolio_snapshots")
        ),
    )
    op.execute(POSITION_MARKET_BETAS)
    op.execute(POSITION_VOLATILITY)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS position_volatility")
    op.execute("DROP VIEW IF EXISTS position_market_betas")
    op.drop_table("portfolio_snapshots")
    op.drop_table("security_volatility")
    op.drop_table("security_market_betas")
    op.drop_table("benchmark_sector_weights")
    op.drop_table("batch_runs")
