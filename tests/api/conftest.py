"""API fixtures: one demo database per backend (SQLite, PostgreSQL) with the batch run.

The databases are shared by the API tests of a session; tests that write create their
own users so they never see each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sigmasight.api.app import create_app
from sigmasight.batch.runner import run_batch
from sigmasight.config import Settings
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.marketdata.demo_reference import SP500_SECTOR_PERCENT_2022
from sigmasight.services.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.history import BenchmarkSectorWeight
from sigmasight.storage.migrate import upgrade
from sigmasight.storage.uow import UnitOfWork

BATCH_START, BATCH_END = date(2022, 12, 1), date(2022, 12, 28)
#: The demo's only published benchmark snapshot (2022-12-30) postdates its data, so the
#: API tests add one of their own inside the batch range: the same percentages, dated
#: 2022-12-20 and labelled as a test fixture, never shipped.
TEST_BENCHMARK_AS_OF = date(2022, 12, 20)


def _store_test_benchmark(uow_factory: Callable[[], UnitOfWork]) -> None:
    total = sum(SP500_SECTOR_PERCENT_2022.values())
    with uow_factory() as uow:
        for sector, percent in SP500_SECTOR_PERCENT_2022.items():
            uow.session.merge(
                BenchmarkSectorWeight(
                    benchmark="^GSPC",
                    as_of=TEST_BENCHMARK_AS_OF,
                    sector=sector,
                    weight=percent / total,
                    source="test fixture: S&P 500 year-end 2022 percentages, re-dated",
                )
            )
        uow.commit()


TEST_SECRET = "test-secret-not-for-production-0123456789"


def _prepare(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    calendar = TradingCalendar(start=date(2015, 1, 1), end=date(2024, 12, 31))
    uow_factory = lambda: UnitOfWork(factory)  # noqa: E731
    load_demo(uow_factory, calendar=calendar, start=date(2020, 1, 2))
    _store_test_benchmark(uow_factory)
    report = run_batch(
        uow_factory, ProviderChain([DemoProvider()]), calendar, BATCH_START, BATCH_END
    )
    assert report.ok, report.errors
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_api_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('api')) / 'api.db'}"
    _prepare(url)
    return url


@pytest.fixture(scope="session")
def postgres_api_url(postgres_admin_url: str) -> Iterator[str]:
    name = f"sigmasight_api_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        _prepare(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def api_database_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_api_url" if request.param == "sqlite" else "postgres_api_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture(scope="session")
def client(api_database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=api_database_url, environment="test", jwt_secret=TEST_SECRET)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as test_client:
        yield test_client


Headers = dict[str, str]


def login(client: TestClient, email: str, password: str) -> Headers:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="session")
def demo_headers(client: TestClient) -> Headers:
    return login(client, DEMO_EMAIL, DEMO_PASSWORD)


@pytest.fixture
def new_user(client: TestClient) -> Callable[[], Headers]:
    """Register a fresh user and return its auth headers."""

    def make() -> Headers:
        email = f"user-{uuid.uuid4().hex[:10]}@example.com"
        response = client.post(
            "/api/v1/auth/register",
            json={"email": email, "password": "correct-horse-battery", "name": "Test User"},
        )
        assert response.status_code == 201, response.text
        return login(client, email, "correct-horse-battery")

    return make


def session_key(client: TestClient, user_id: int) -> str:
    """The user's current session key, read from the database (tests that mint tokens)."""
    from sigmasight.storage.models import User

    with client.app.state.uow_factory() as uow:  # type: ignore[attr-defined]
        user = uow.session.get(User, user_id)
        assert user is not None, f"no user {user_id}"
        return str(user.session_key)


# -- the demo user's books and strict GETs, shared by the analytics route tests ---------

Json = dict[str, Any]
ANALYTICS = "/api/v1/analytics/portfolio"


@pytest.fixture(scope="module")
def uow_factory(client: TestClient) -> Callable[[], UnitOfWork]:
    """The app's own unit of work (over the database the module's ``client`` serves)."""
    factory: Callable[[], UnitOfWork] = client.app.state.uow_factory  # type: ignore[attr-defined]
    return factory


@pytest.fixture(scope="module")
def owner(uow_factory: Callable[[], UnitOfWork]) -> int:
    """The demo user's id."""
    with uow_factory() as uow:
        user = uow.users.get_by_email(DEMO_EMAIL)
        assert user is not None
        return user.id


@pytest.fixture(scope="module")
def ids(uow_factory: Callable[[], UnitOfWork], owner: int) -> dict[str, int]:
    """The demo books' ids by name."""
    with uow_factory() as uow:
        return {p.name: p.id for p in uow.portfolios.list_owned(owner)}


def get_path(client: TestClient, headers: Headers, path: str, **params: object) -> Json:
    """A 200 JSON answer with no NaN or infinity in its text."""
    response = client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    assert "NaN" not in response.text
    assert "Infinity" not in response.text
    body: Json = response.json()
    return body


def get(client: TestClient, headers: Headers, pid: int, route: str, **params: object) -> Json:
    """:func:`get_path` of a portfolio's analytics route."""
    return get_path(client, headers, f"{ANALYTICS}/{pid}/{route}", **params)
