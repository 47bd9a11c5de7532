"""option Greeks and stress-test history

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
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
    op.create_table(
        "stress_scenario_moves",
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("scenario_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("factor_moves", sa.JSON(), nullable=False),
        sa.Column("rate_change", sa.Float(), nullable=False),
        sa.Column("vol_points", sa.Float(), nullable=False),
        sa.Column("covariance_observations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("calc_date", "scenario_key", name=op.f("pk_stress_scenario_moves")),
    )
    op.create_table(
        "security_stress_returns",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("scenario_keys", sa.JSON(), nullable=False),
        sa.Column("returns", sa.JSON(), nullable=False),
        sa.Column("methods", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("symbol", "calc_date", name=op.f("pk_security_stress_returns")),
    )
    op.create_table(
        "portfolio_stress_results",
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("nav", sa.Float(), nullable=True),
        sa.Column("positions", sa.Integer(), nullable=False),
        sa.Column("excluded", sa.Integer(), nullable=False),
        sa.Column("worst_scenario", sa.String(length=64), nullable=True),
        sa.Column("worst_pnl", sa.Float(), nullable=True),
        *(
            sa.Column(name, sa.JSON(), nullable=False)
            for name in (
                "scenario_keys",
                "pnl",
                "pnl_percent",
                "option_pnl",
                "option_delta_gamma",
                "missing",
            )
        ),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_portfolio_stress_results_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "portfolio_id", "calc_date", name=op.f("pk_portfolio_stress_results")
        ),
    )
    op.create_table(
        "stress_scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("shocks", sa.JSON(), nullable=False),
        sa.Column("rate_bp", sa.Float(), nullable=False),
        sa.Column("vol_points", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_stress_scenarios_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stress_scenarios")),
        sa.UniqueConstraint("user_id", "name", name="uq_stress_scenarios_user_name"),
    )
    op.create_index(
        op.f("ix_stress_scenarios_user_id"), "stress_scenarios", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_stress_scenarios_user_id"), table_name="stress_scenarios")
    op.drop_table("stress_scenarios")
    op.drop_table("portfolio_stress_results")
    op.drop_table("security_stress_returns")
    op.drop_table("stress_scenario_moves")
    op.drop_index(op.f("ix_option_greeks_portfolio_id"), table_name="option_greeks")
    op.drop_table("option_greeks")
