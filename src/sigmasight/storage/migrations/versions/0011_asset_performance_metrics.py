"""asset performance metrics

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-29 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "asset_performance_metrics",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("close", sa.Float(), nullable=True),
        sa.Column("has_ohlcv", sa.Boolean(), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("sma_20", sa.Float(), nullable=True),
        sa.Column("sma_50", sa.Float(), nullable=True),
        sa.Column("sma_200", sa.Float(), nullable=True),
        sa.Column("ema_12", sa.Float(), nullable=True),
        sa.Column("ema_26", sa.Float(), nullable=True),
        sa.Column("rsi_14", sa.Float(), nullable=True),
        sa.Column("macd", sa.Float(), nullable=True),
        sa.Column("macd_signal", sa.Float(), nullable=True),
        sa.Column("macd_hist", sa.Float(), nullable=True),
        sa.Column("bb_upper", sa.Float(), nullable=True),
        sa.Column("bb_middle", sa.Float(), nullable=True),
        sa.Column("bb_lower", sa.Float(), nullable=True),
        sa.Column("atr_14", sa.Float(), nullable=True),
        sa.Column("stoch_k", sa.Float(), nullable=True),
        sa.Column("stoch_d", sa.Float(), nullable=True),
        sa.Column("obv", sa.Float(), nullable=True),
        sa.Column("high_52w", sa.Float(), nullable=True),
        sa.Column("low_52w", sa.Float(), nullable=True),
        sa.Column("bb_percent_b", sa.Float(), nullable=True),
        sa.Column("bb_bandwidth", sa.Float(), nullable=True),
        sa.Column("dist_high_52w", sa.Float(), nullable=True),
        sa.Column("dist_low_52w", sa.Float(), nullable=True),
        sa.Column("return_1m", sa.Float(), nullable=True),
        sa.Column("return_3m", sa.Float(), nullable=True),
        sa.Column("return_6m", sa.Float(), nullable=True),
        sa.Column("return_ytd", sa.Float(), nullable=True),
        sa.Column("return_1y", sa.Float(), nullable=True),
        sa.Column("return_3y", sa.Float(), nullable=True),
        sa.Column("return_5y", sa.Float(), nullable=True),
        sa.Column("volatility_1y", sa.Float(), nullable=True),
        sa.Column("sharpe_1y", sa.Float(), nullable=True),
        sa.Column("max_drawdown_1y", sa.Float(), nullable=True),
        sa.Column("beta", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("symbol", "calc_date", name=op.f("pk_asset_performance_metrics")),
    )


def downgrade() -> None:
    op.drop_table("asset_performance_metrics")
