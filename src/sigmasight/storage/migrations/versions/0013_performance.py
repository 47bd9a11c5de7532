"""performance family: portfolio benchmarks, performance history, benchmark metrics

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PERIODS = ("1d", "mtd", "qtd", "ytd", "1m", "3m", "6m", "1y", "3y", "5y", "inception")
_METRICS = (
    "portfolio_return",
    "benchmark_return",
    "excess_return",
    "tracking_error",
    "information_ratio",
    "beta",
    "alpha",
    "correlation",
    "up_capture",
    "down_capture",
    "hit_rate",
)


def _portfolio_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["portfolio_id"],
        ["portfolios.id"],
        name=op.f(f"fk_{table}_portfolio_id_portfolios"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "portfolio_benchmarks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("legs", sa.JSON(), nullable=False),
        sa.Column("rebalance", sa.String(length=8), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _portfolio_fk("portfolio_benchmarks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_benchmarks")),
        sa.UniqueConstraint(
            "portfolio_id", "name", name=op.f("uq_portfolio_benchmarks_portfolio_id")
        ),
    )
    op.create_index(
        op.f("ix_portfolio_benchmarks_portfolio_id"),
        "portfolio_benchmarks",
        ["portfolio_id"],
        unique=False,
    )
    op.create_table(
        "portfolio_performance_history",
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("inception_date", sa.Date(), nullable=False),
        sa.Column("nav", sa.Float(), nullable=False),
        sa.Column("inflow", sa.Float(), nullable=False),
        sa.Column("outflow", sa.Float(), nullable=False),
        sa.Column("twr_daily", sa.Float(), nullable=True),
        sa.Column("twr_cumulative", sa.Float(), nullable=False),
        *(sa.Column(f"return_{p}", sa.Float(), nullable=True) for p in _PERIODS),
        *(
            sa.Column(f"annualized_{p}", sa.Float(), nullable=True)
            for p in ("3y", "5y", "inception")
        ),
        sa.Column("sessions_inception", sa.Integer(), nullable=False),
        sa.Column("sector_pnl", sa.JSON(), nullable=False),
        _portfolio_fk("portfolio_performance_history"),
        sa.PrimaryKeyConstraint(
            "portfolio_id", "calc_date", name=op.f("pk_portfolio_performance_history")
        ),
    )
    op.create_table(
        "portfolio_benchmark_metrics",
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("benchmark", sa.String(length=64), nullable=False),
        sa.Column("window", sa.String(length=12), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        *(sa.Column(m, sa.Float(), nullable=True) for m in _METRICS),
        _portfolio_fk("portfolio_benchmark_metrics"),
        sa.PrimaryKeyConstraint(
            "portfolio_id",
            "benchmark",
            "window",
            "calc_date",
            name=op.f("pk_portfolio_benchmark_metrics"),
        ),
    )


def downgrade() -> None:
    op.drop_table("portfolio_benchmark_metrics")
    op.drop_table("portfolio_performance_history")
    op.drop_index(op.f("ix_portfolio_benchmarks_portfolio_id"), table_name="portfolio_benchmarks")
    op.drop_table("portfolio_benchmarks")
