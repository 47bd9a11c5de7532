"""``sigmasight demo``: the main job of the Quick start."""

from __future__ import annotations

from typing import Annotated

import typer

from sigmasight.cli.common import load_settings, with_engine
from sigmasight.cli.db import _show_state
from sigmasight.storage import migrate


def demo(
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Database to use (default: SQLite).")
    ] = None,
) -> None:
    """Create (or upgrade) the database and show its state."""
    settings = load_settings(database_url)
    with_engine(settings, migrate.upgrade)
    _show_state(settings)
