"""modified duration and convexity of a position (a bond holding), for the rate shocks

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("positions", sa.Column("modified_duration", sa.Float(), nullable=True))
    op.add_column("positions", sa.Column("convexity", sa.Float(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE .. DROP COLUMN (SQLite >= 3.35): a batch copy of the table would
    # break the views that read it (position_market_betas).
    op.drop_column("positions", "convexity")
    op.drop_column("positions", "modified_duration")
