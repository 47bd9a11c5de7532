"""Shared CLI plumbing: settings, engine, one-line errors instead of tracebacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from sigmasight.config import ConfigurationError, Settings
from sigmasight.storage import migrate
from sigmasight.storage.db import DatabaseConfigError, make_engine, make_session_factory
from sigmasight.storage.uow import UnitOfWork

T = TypeVar("T")
UowFactory = Callable[[], UnitOfWork]

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line to stderr and exit: the user sees the problem, not a traceback."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_settings(database_url: str | None = None) -> Settings:
    try:
        settings = Settings()
    except (ConfigurationError, ValidationError) as exc:
        fail(_first_line(exc))
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"invalid configuration: {first['msg'].removeprefix('Value error, ')}"
    if isinstance(exc, SQLAlchemyError):
        origin = getattr(exc, "orig", None)
        text = str(origin if origin is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn database and configuration failures into a one-line error."""
    try:
        yield
    except DatabaseConfigError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"database error: {_first_line(exc)}")


def engine_for(settings: Settings) -> Engine:
    with database_errors():
        return make_engine(settings.resolved_database_url)


def with_engine(settings: Settings, action: Callable[[Engine], T]) -> T:
    """Run ``action`` with an engine, mapping every database failure to one line."""
    engine = engine_for(settings)
    try:
        with database_errors():
            return action(engine)
    finally:
        engine.dispose()


@contextmanager
def unit_of_work_factory(settings: Settings, *, upgrade: bool = False) -> Iterator[UowFactory]:
    """A unit-of-work factory over the configured database.

    With ``upgrade`` the schema is migrated to head first; otherwise a database that is
    not at head is refused with the command that fixes it.
    """
    engine = engine_for(settings)
    try:
        with database_errors():
            if upgrade:
                migrate.upgrade(engine)
            elif migrate.current_revision(engine) != migrate.head_revision(engine):
                fail("the database schema is not up to date; run `sigmasight db upgrade` first")
            factory = make_session_factory(engine)
            yield lambda: UnitOfWork(factory)
    finally:
        engine.dispose()
