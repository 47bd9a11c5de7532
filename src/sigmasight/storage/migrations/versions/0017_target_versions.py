"""point-in-time targets: each target row is a version valid from a date to a date

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 14:30:00

Existing targets become versions valid from the date they were created (the UTC date of
``created_at``) with no end: before this revision they applied to every date, which is
what the point-in-time rule forbids. One current version per portfolio, level and key
(a partial unique index) replaces the unique key on all rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sigmasight.storage.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CURRENT = "effective_to IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("portfolio_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("effective_to", sa.Date(), nullable=True))
    targets = sa.table(
        "portfolio_targets",
        sa.column("id", sa.Integer()),
        sa.column("created_at", sigmasight.storage.types.UTCDateTime(timezone=True)),
        sa.column("effective_from", sa.Date()),
    )
    bind = op.get_bind()
    for row_id, created in bind.execute(sa.select(targets.c.id, targets.c.created_at)).all():
        bind.execute(
            targets.update().where(targets.c.id == row_id).values(effective_from=created.date())
        )
    with op.batch_alter_table("portfolio_targets", schema=None) as batch_op:
        batch_op.alter_column("effective_from", existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint("uq_portfolio_targets_key", type_="unique")
        batch_op.create_check_constraint(
            op.f("ck_portfolio_targets_effective_order"),
            "effective_to IS NULL OR effective_from <= effective_to",
        )
        batch_op.create_index(
            "uq_portfolio_targets_current",
            ["portfolio_id", "level", "key"],
            unique=True,
            sqlite_where=sa.text(_CURRENT),
            postgresql_where=sa.text(_CURRENT),
        )


def downgrade() -> None:
    # Only the current versions survive a downgrade (the old schema has no history).
    op.execute("DELETE FROM portfolio_targets WHERE effective_to IS NOT NULL")
    with op.batch_alter_table("portfolio_targets", schema=None) as batch_op:
        batch_op.drop_index("uq_portfolio_targets_current")
        batch_op.drop_constraint(op.f("ck_portfolio_targets_effective_order"), type_="check")
        batch_op.create_unique_constraint(
            "uq_portfolio_targets_key", ["portfolio_id", "level", "key"]
        )
        batch_op.drop_column("effective_to")
        batch_op.drop_column("effective_from")
