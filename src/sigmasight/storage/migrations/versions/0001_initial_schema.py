"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 05:27:22.782478
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sigmasight.storage.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "daily_prices",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("open", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("close", sa.Float(), nullable=False),
        sa.Column("adj_close", sa.Float(), nullable=True),
        sa.Column("volume", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.CheckConstraint("close > 0", name=op.f("ck_daily_prices_positive_close")),
        sa.PrimaryKeyConstraint("symbol", "date", name=op.f("pk_daily_prices")),
    )
    with op.batch_alter_table("daily_prices", schema=None) as batch_op:
        batch_op.create_index("ix_daily_prices_date", ["date"], unique=False)

    op.create_table(
        "securities",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column(
            "asset_type",
            sa.Enum(
                "STOCK",
                "ETF",
                "INDEX",
                "MUTUAL_FUND",
                "BOND",
                "OPTION",
                "CASH",
                "OTHER",
                name="asset_type",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("sector", sa.String(length=64), nullable=True),
        sa.Column("industry", sa.String(length=128), nullable=True),
        sa.Column("market_cap", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("is_etf", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at", sigmasight.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("symbol", name=op.f("pk_securities")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", sigmasight.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "portfolios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "account_type",
            sa.Enum(
                "taxable",
                "ira",
                "roth_ira",
                "401k",
                "trust",
                "other",
                name="account_type",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column(
            "equity_balance",
            sigmasight.storage.types.ExactDecimal(precision=18, scale=2),
            nullable=False,
        ),
        sa.Column("primary_benchmark", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sigmasight.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("deleted_at", sigmasight.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_portfolios_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolios")),
    )
    with op.batch_alter_table("portfolios", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portfolios_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            "uq_portfolios_owner_name_live",
            ["owner_id", "name"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )

    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column(
            "created_at", sigmasight.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tags_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("user_id", "name", name="uq_tags_user_name"),
    )
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tags_user_id"), ["user_id"], unique=False)

    op.create_table(
        "equity_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column(
            "change_type",
            sa.Enum(
                "CONTRIBUTION",
                "WITHDRAWAL",
                name="equity_change_type",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "amount", sigmasight.storage.types.ExactDecimal(precision=18, scale=2), nullable=False
        ),
        sa.Column("change_date", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sigmasight.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_equity_changes_positive_amount")),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_equity_changes_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equity_changes")),
    )
    with op.batch_alter_table("equity_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_equity_changes_portfolio_id"), ["portfolio_id"], unique=False
        )

    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column(
            "position_type",
            sa.Enum(
                "LONG",
                "SHORT",
                "LC",
                "LP",
                "SC",
                "SP",
                name="position_type",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "investment_class",
            sa.Enum(
                "PUBLIC",
                "OPTIONS",
                "PRIVATE",
                name="investment_class",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "investment_subtype",
            sa.Enum(
                "STOCK",
                "ETF",
                "MUTUAL_FUND",
                "BOND",
                "CASH",
                "CALL",
                "PUT",
                "PRIVATE_EQUITY",
                "REAL_ESTATE",
                "OTHER",
                name="investment_subtype",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "quantity", sigmasight.storage.types.ExactDecimal(precision=18, scale=6), nullable=False
        ),
        sa.Column(
            "entry_price",
            sigmasight.storage.types.ExactDecimal(precision=18, scale=6),
            nullable=False,
        ),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column(
            "exit_price",
            sigmasight.storage.types.ExactDecimal(precision=18, scale=6),
            nullable=True,
        ),
        sa.Column("exit_date", sa.Date(), nullable=True),
        sa.Column("underlying_symbol", sa.String(length=32), nullable=True),
        sa.Column(
            "strike", sigmasight.storage.types.ExactDecimal(precision=18, scale=6), nullable=True
        ),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sigmasight.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("deleted_at", sigmasight.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "exit_date IS NULL OR exit_date >= entry_date",
            name=op.f("ck_positions_exit_after_entry"),
        ),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_positions_nonzero_quantity")),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_positions_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
    )
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_positions_portfolio_id"), ["portfolio_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_positions_symbol"), ["symbol"], unique=False)

    op.create_table(
        "position_tags",
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_position_tags_position_id_positions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_position_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("position_id", "tag_id", name=op.f("pk_position_tags")),
    )
    with op.batch_alter_table("position_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_position_tags_tag_id"), ["tag_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("position_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_tags_tag_id"))

    op.drop_table("position_tags")
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_positions_symbol"))
        batch_op.drop_index(batch_op.f("ix_positions_portfolio_id"))

    op.drop_table("positions")
    with op.batch_alter_table("equity_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equity_changes_portfolio_id"))

    op.drop_table("equity_changes")
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tags_user_id"))

    op.drop_table("tags")
    with op.batch_alter_table("portfolios", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_portfolios_owner_name_live",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_portfolios_owner_id"))

    op.drop_table("portfolios")
    op.drop_table("users")
    op.drop_table("securities")
    with op.batch_alter_table("daily_prices", schema=None) as batch_op:
        batch_op.drop_index("ix_daily_prices_date")

    op.drop_table("daily_prices")
