"""batch run queue: owner, requested portfolios, attempts, skipped portfolios

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-29 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("batch_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("portfolio_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("skipped", sa.JSON(), nullable=True))
        batch_op.create_index("ix_batch_runs_owner_status", ["owner_id", "status"])
        batch_op.create_index("ix_batch_runs_status_started", ["status", "started_at"])


def downgrade() -> None:
    with op.batch_alter_table("batch_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_batch_runs_status_started")
        batch_op.drop_index("ix_batch_runs_owner_status")
        batch_op.drop_column("skipped")
        batch_op.drop_column("attempts")
        batch_op.drop_column("portfolio_ids")
        batch_op.drop_column("owner_id")
