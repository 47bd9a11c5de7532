"""Shared fixtures: a fresh database per test module on SQLite and on PostgreSQL.

PostgreSQL comes from ``SIGMASIGHT_TEST_POSTGRES_URL`` (an admin URL; each test run
creates and drops its own database). Without it the PostgreSQL tests are skipped with a
reason, except under ``CI=true``, where a missing PostgreSQL is a failure.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator

import hypothesis
import pytest
import structlog
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.migrate import upgrade
from sigmasight.storage.uow import UnitOfWork
from tests._ci import IN_CI, unavailable

POSTGRES_ENV = "SIGMASIGHT_TEST_POSTGRES_URL"

# Property tests reproduce: under CI the examples are derived from each test (no random
# seed, no example database), locally a failure prints the blob that replays it.
hypothesis.settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis.settings.register_profile("dev", print_blob=True)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))


def _unavailable(reason: str) -> None:
    unavailable("PostgreSQL", reason)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "")
    if not url:
        _unavailable(f"{POSTGRES_ENV} is not set; PostgreSQL tests need a server")
    parsed = make_url(url).set(drivername="postgresql+psycopg")
    probe = create_engine(parsed, connect_args={"connect_timeout": 3})
    try:
        with probe.connect():
            pass
    except Exception as exc:
        _unavailable(f"cannot connect to PostgreSQL at {parsed.host}:{parsed.port}: {exc}")
    finally:
        probe.dispose()
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A brand-new empty PostgreSQL database, dropped afterwards."""
    name = f"sigmasight_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database URL of each supported kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """A database at the newest schema."""
    upgrade(empty_engine)
    return empty_engine


@pytest.fixture
def uow_factory(engine: Engine) -> object:
    factory = make_session_factory(engine)
    return lambda: UnitOfWork(factory)


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """A CLI command configures logging onto the runner's streams, closed after the
    call: put back the configuration other tests log through."""
    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        structlog.configure(**saved)
        root.handlers[:] = handlers
        root.setLevel(level)
