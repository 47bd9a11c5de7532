"""Shared CLI plumbing: settings, engine, one-line errors instead of tracebacks.

Start-up matters (``sigmasight --help`` should answer at once): the command modules
import nothing heavy (pandas, numpy, SQLAlchemy, pydantic, FastAPI) at module level;
each command imports what it needs when it runs. ``tests/test_cli_startup.py`` checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy import Engine

    from sigmasight.config import Settings
    from sigmasight.storage.uow import UnitOfWork

T = TypeVar("T")
UowFactory = Callable[[], "UnitOfWork"]


class _LazyConsole:
    """A rich ``Console`` made on first use, so ``--help`` and ``--version`` never import
    rich (its import alone takes a good part of the start-up budget)."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)

    def __enter__(self) -> Console:
        return self.real().__enter__()

    def __exit__(self, *exc: object) -> None:
        self.real().__exit__(*exc)


console = cast("Console", _LazyConsole())
err_console = cast("Console", _LazyConsole(stderr=True))


def rich_console() -> Console:
    """The rich console behind :data:`console`, for rich objects that take one."""
    return cast(_LazyConsole, console).real()


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line to stderr and exit: the user sees the problem, not a traceback."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def configure_cli_logging() -> None:
    """Structured logs on stderr at ``SIGMASIGHT_LOG_LEVEL`` (default WARNING for the CLI)."""
    import os

    from sigmasight.logging import configure_logging

    level = os.environ.get("SIGMASIGHT_LOG_LEVEL", "WARNING").upper()
    configure_logging(level if level in {"DEBUG", "INFO", "WARNING", "ERROR"} else "WARNING")


def load_settings(database_url: str | None = None) -> Settings:
    """The settings of a command that does work (with ``--database-url`` applied); sets
    up logging first."""
    from pydantic import ValidationError

    from sigmasight.config import ConfigurationError, Settings

    configure_cli_logging()
    try:
        settings = Settings()
    except (ConfigurationError, ValidationError) as exc:
        fail(_first_line(exc))
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


def _first_line(exc: BaseException) -> str:
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

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
    from sqlalchemy.exc import SQLAlchemyError

    from sigmasight.storage.db import DatabaseConfigError

    try:
        yield
    except DatabaseConfigError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"database error: {_first_line(exc)}")


def engine_for(settings: Settings) -> Engine:
    from sigmasight.storage.db import make_engine

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
    from sigmasight.storage import migrate
    from sigmasight.storage.db import make_session_factory
    from sigmasight.storage.uow import UnitOfWork

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
