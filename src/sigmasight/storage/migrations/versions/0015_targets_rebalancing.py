"""target allocations, their drift history, rebalancing events and their audit trail

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sigmasight.storage.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def _utc(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sigmasight.storage.types.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "portfolio_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column(
            "level", _enum("target_level", "symbol", "sector", "asset_class", "tag"), nullable=False
        ),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("target_weight", sa.Float(), nullable=False),
        sa.Column("min_weight", sa.Float(), nullable=False),
        sa.Column("max_weight", sa.Float(), nullable=False),
        sa.Column("threshold_kind", _enum("threshold_kind", "absolute", "relative"), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column(
            "frequency",
            _enum("rebalance_frequency", "none", "monthly", "quarterly", "semiannual", "annual"),
            nullable=False,
        ),
        _utc("created_at"),
        _utc("updated_at"),
        sa.CheckConstraint(
            "min_weight <= target_weight AND target_weight <= max_weight",
            name=op.f("ck_portfolio_targets_band"),
        ),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_portfolio_targets_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_targets")),
        sa.UniqueConstraint("portfolio_id", "level", "key", name="uq_portfolio_targets_key"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("portfolio_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portfolio_targets_portfolio_id"), ["portfolio_id"], unique=False
        )

    _history_tables()
    _limit_tables()


def _limit_tables() -> None:
    op.create_table(
        "portfolio_risk_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("lower", sa.Float(), nullable=True),
        sa.Column("upper", sa.Float(), nullable=True),
        _utc("created_at"),
        sa.CheckConstraint(
            "lower IS NOT NULL OR upper IS NOT NULL",
            name=op.f("ck_portfolio_risk_limits_some_bound"),
        ),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_portfolio_risk_limits_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_risk_limits")),
        sa.UniqueConstraint("portfolio_id", "metric", "key", name="uq_portfolio_risk_limits_key"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("portfolio_risk_limits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portfolio_risk_limits_portfolio_id"), ["portfolio_id"], unique=False
        )
    op.create_table(
        "portfolio_risk_alerts",
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("lower", sa.Float(), nullable=True),
        sa.Column("upper", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_portfolio_risk_alerts_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "portfolio_id", "calc_date", "metric", "key", name=op.f("pk_portfolio_risk_alerts")
        ),
    )


def _history_tables() -> None:
    op.create_table(
        "portfolio_target_drift",
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("calc_date", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        *(
            sa.Column(name, sa.Float(), nullable=False)
            for name in ("weight", "target_weight", "min_weight", "max_weight", "drift")
        ),
        *(
            sa.Column(name, sa.Boolean(), nullable=False)
            for name in ("in_band", "breach", "scheduled")
        ),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_portfolio_target_drift_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "portfolio_id", "calc_date", "level", "key", name=op.f("pk_portfolio_target_drift")
        ),
    )
    op.create_table(
        "rebalancing_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("trigger_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("trigger_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("post_state", sa.JSON(), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sigmasight.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_rebalancing_events_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rebalancing_events")),
        sa.UniqueConstraint("portfolio_id", "trigger_key", name="uq_rebalancing_events_trigger"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("rebalancing_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rebalancing_events_portfolio_id"), ["portfolio_id"], unique=False
        )
    op.create_table(
        "rebalancing_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        _utc("at"),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["rebalancing_events.id"],
            name=op.f("fk_rebalancing_audit_event_id_rebalancing_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rebalancing_audit")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("rebalancing_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rebalancing_audit_event_id"), ["event_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("portfolio_risk_alerts")
    op.drop_table("portfolio_risk_limits")
    op.drop_table("rebalancing_audit")
    op.drop_table("rebalancing_events")
    op.drop_table("portfolio_target_drift")
    op.drop_table("portfolio_targets")
