"""asset correlations and portfolio correlation summaries

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WINDOWS = ("1m", "3m", "6m", "1y", "20d", "60d")


def upgrade() -> None:
    op.create_table(
        "asset_correlations",
        sa.Column("symbol_a", sa.String(length=32), nullable=False),
        sa.Column("symbol_b", sa.String(length=32), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        *(sa.Column(f"corr_{w}", sa.Float(), nullable=True) for w in _WINDOWS),
        *(sa.Column(f"obs_{w}", sa.SmallInteger(), nullable=False) for w in _WINDOWS),
        sa.PrimaryKeyConstraint(
            "symbol_a", "symbol_b", "calc_date", name=op.f("pk_asset_correlations")
        ),
    )
    op.create_table(
        "portfolio_correlation_summaries",
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("securities", sa.Integer(), nullable=False),
        sa.Column("average_correlation", sa.Float(), nullable=True),
        sa.Column("market_correlation", sa.Float(), nullable=True),
        sa.Column("effective_bets", sa.Float(), nullable=True),
        sa.Column("effective_bets_method", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_portfolio_correlation_summaries_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "portfolio_id", "calc_date", name=op.f("pk_portfolio_correlation_summaries")
        ),
    )


def downgrade() -> None:
    op.drop_table("portfolio_correlation_summaries")
    op.drop_table("asset_correlations")
