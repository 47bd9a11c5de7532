"""factor exposures

Revision ID: 0010
Revises: 0005
Create Date: 2026-11-29 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "security_factor_exposures",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("intercept", sa.Float(), nullable=True),
        sa.Column("r_squared", sa.Float(), nullable=True),
        sa.Column("adj_r_squared", sa.Float(), nullable=True),
        sa.Column("residual_vol", sa.Float(), nullable=True),
        sa.Column("condition_number", sa.Float(), nullable=True),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(
            "symbol", "calc_date", "method", "window", name=op.f("pk_security_factor_exposures")
        ),
    )
    op.create_table(
        "portfolio_factor_exposures",
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("nav", sa.Float(), nullable=True),
        sa.Column("absent", sa.JSON(), nullable=False),
        sa.Column("ols", sa.JSON(), nullable=False),
        sa.Column("ridge", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_portfolio_factor_exposures_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "portfolio_id", "calc_date", name=op.f("pk_portfolio_factor_exposures")
        ),
    )


def downgrade() -> None:
    op.drop_table("portfolio_factor_exposures")
    op.drop_table("security_factor_exposures")
