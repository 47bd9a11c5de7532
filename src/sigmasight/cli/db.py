"""``sigmasight db``: schema migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sigmasight.cli.common import console, load_settings, with_engine

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from sigmasight.config import Settings

app = typer.Typer(
    rich_markup_mode=None,
    help="Create, upgrade or inspect the database schema (Alembic migrations).",
    no_args_is_help=True,
)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL; defaults to SIGMASIGHT_DATABASE_URL or the SQLite file "
        "data/sigmasight.db under the current directory.",
    ),
]


@app.command()
def upgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision; 'head' is the newest.")
    ] = "head",
    database_url: DatabaseOption = None,
) -> None:
    """Create the database if needed and apply every migration up to REVISION."""
    from sigmasight.storage import migrate

    settings = load_settings(database_url)
    with_engine(settings, lambda engine: migrate.upgrade(engine, revision))
    _show_state(settings)


@app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' removes every table.")],
    database_url: DatabaseOption = None,
) -> None:
    """Undo migrations down to REVISION ('base' leaves an empty database)."""
    from sigmasight.storage import migrate

    settings = load_settings(database_url)
    with_engine(settings, lambda engine: migrate.downgrade(engine, revision))
    _show_state(settings)


@app.command()
def current(database_url: DatabaseOption = None) -> None:
    """Show the database, its revision and whether it is up to date."""
    settings = load_settings(database_url)
    _show_state(settings)


def _show_state(settings: Settings) -> None:
    from rich.table import Table
    from sqlalchemy.engine import make_url

    from sigmasight.storage import migrate

    def read(engine: Engine) -> tuple[str | None, str | None, list[str]]:
        return (
            migrate.current_revision(engine),
            migrate.head_revision(engine),
            migrate.table_names(engine),
        )

    revision, head, tables = with_engine(settings, read)
    table = Table(title="Database", show_header=False)
    table.add_row(
        "URL", make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    )
    table.add_row("revision", revision or "(empty: no migrations applied)")
    table.add_row("status", "up to date" if revision == head else f"not at head ({head})")
    table.add_row("tables", ", ".join(t for t in tables if t != "alembic_version") or "(none)")
    console.print(table)
