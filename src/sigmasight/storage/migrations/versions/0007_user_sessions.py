"""user session keys; ids never reused on SQLite; login attempts

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-29 05:00:00

``users.session_key``: a random key carried by every token and web cookie, replaced on a
password change. Existing users get a random key each (tokens issued before this
revision carry none and stop working: users log in again).

SQLite reuses the largest rowid after a delete unless the table is declared
AUTOINCREMENT, so ``users`` and ``portfolios`` are recreated with it (batch mode copies
the rows; ``sqlite_sequence`` starts at the largest id copied). Recreating a table drops
the old one, which with foreign keys enforced would cascade to every referencing row:
the environment turns enforcement off around SQLite migrations and checks the keys after.
PostgreSQL's sequences never hand out an id twice, so only the column is added there.

``login_attempts``: failed logins per throttle key, shared by every worker process.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fill_session_keys() -> None:
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_key", sa.String))
    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.select(users.c.id))]
    if ids:
        bind.execute(
            users.update().where(users.c.id == sa.bindparam("uid")),
            [{"uid": uid, "session_key": secrets.token_hex(16)} for uid in ids],
        )


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_attempts")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_key", sa.String(length=32), nullable=True))
    _fill_session_keys()
    if sqlite:
        autoincrement = {"sqlite_autoincrement": True}
        with op.batch_alter_table("users", recreate="always", table_kwargs=autoincrement) as b:
            b.alter_column("session_key", existing_type=sa.String(length=32), nullable=False)
        with op.batch_alter_table("portfolios", recreate="always", table_kwargs=autoincrement):
            pass
    else:
        op.alter_column("users", "session_key", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    op.drop_table("login_attempts")
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        plain = {"sqlite_autoincrement": False}
        with op.batch_alter_table("portfolios", recreate="always", table_kwargs=plain):
            pass
        with op.batch_alter_table("users", recreate="always", table_kwargs=plain) as b:
            b.drop_column("session_key")
    else:
        op.drop_column("users", "session_key")
