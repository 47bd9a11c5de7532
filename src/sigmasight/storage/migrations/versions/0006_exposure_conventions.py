"""exposure conventions: HAR fallback flags and the private holdings' carried value

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "security_volatility",
        sa.Column("har_fallback", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "portfolio_snapshots",
        sa.Column(
            "volatility_har_fallback", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.add_column("portfolio_snapshots", sa.Column("private_value", sa.Float(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE .. DROP COLUMN (SQLite >= 3.35): a batch copy of the table would
    # break the views that read it (position_volatility).
    op.drop_column("portfolio_snapshots", "private_value")
    op.drop_column("portfolio_snapshots", "volatility_har_fallback")
    op.drop_column("security_volatility", "har_fallback")
