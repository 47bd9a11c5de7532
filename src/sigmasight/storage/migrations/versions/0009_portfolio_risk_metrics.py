"""portfolio risk metrics

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-29 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLOATS = (
    "ex_ante_mean",
    "ex_ante_volatility",
    "skewness",
    "excess_kurtosis",
    "var_95_1d",
    "var_99_1d",
)
_REALIZED_FLOATS = (
    "annual_return",
    "realized_volatility",
    "sharpe_daily",
    "sharpe",
    "sortino",
    "downside_deviation",
    "realized_beta",
    "treynor",
    "calmar",
    "omega",
    "max_drawdown",
)


def upgrade() -> None:
    op.create_table(
        "portfolio_risk_metrics",
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("ex_ante_window", sa.Integer(), nullable=False),
        sa.Column("ex_ante_observations", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in _FLOATS),
        sa.Column("var", sa.JSON(), nullable=False),
        sa.Column("diversification_ratio", sa.Float(), nullable=True),
        sa.Column("risk_level", sa.String(length=12), nullable=True),
        sa.Column("realized_window", sa.Integer(), nullable=False),
        sa.Column("realized_observations", sa.Integer(), nullable=False),
        sa.Column("risk_free_rate", sa.Float(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in _REALIZED_FLOATS),
        sa.Column("max_drawdown_peak", sa.Date(), nullable=True),
        sa.Column("max_drawdown_trough", sa.Date(), nullable=True),
        sa.Column("max_drawdown_recovery", sa.Date(), nullable=True),
        sa.Column("current_drawdown", sa.Float(), nullable=True),
        sa.Column("drawdowns", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_portfolio_risk_metrics_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "portfolio_id", "calc_date", name=op.f("pk_portfolio_risk_metrics")
        ),
    )


def downgrade() -> None:
    op.drop_table("portfolio_risk_metrics")
