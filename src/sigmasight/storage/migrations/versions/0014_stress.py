"""option Greeks history

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-29 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GREEKS = ("price", "delta", "gamma", "vega", "theta", "rho")


def upgrade() -> None:
    op.create_table(
        "option_greeks",
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("underlying", sa.String(length=32), nullable=False),
        sa.Column("spot", sa.Float(), nullable=True),
        sa.Column("strike", sa.Float(), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("years_to_expiry", sa.Float(), nullable=False),
        sa.Column("volatility", sa.Float(), nullable=True),
        sa.Column("volatility_source", sa.String(length=24), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("rate_source", sa.String(length=24), nullable=False),
        sa.Column("dividend_yield", sa.Float(), nullable=False),
        sa.Column("contracts", sa.Float(), nullable=False),
        sa.Column("multiplier", sa.Integer(), nullable=False),
        sa.Column("is_call", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in _GREEKS),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_option_greeks_position_id_positions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_option_greeks_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("position_id", "calc_date", name=op.f("pk_option_greeks")),
    )
    op.create_index(
        op.f("ix_option_greeks_portfolio_id"), "option_greeks", ["portfolio_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_option_greeks_portfolio_id"), table_name="option_greeks")
    op.drop_table("option_greeks")
