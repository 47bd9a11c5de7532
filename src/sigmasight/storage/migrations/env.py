"""Alembic environment: runs against the engine passed in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from sigmasight.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _run(engine: Engine) -> None:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


engine = config.attributes.get("engine")
if engine is None:  # pragma: no cover - only through `alembic` on the command line
    from sigmasight.storage.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
_run(engine)
