"""The demo, loaded and backfilled once per session, read back raw for the references."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sigmasight.batch.runner import run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.services.demo import DEMO_AS_OF, DEMO_BACKFILL_START, load_demo
from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.migrate import upgrade
from sigmasight.storage.uow import UnitOfWork
from tests.reference.assets import AssetReference
from tests.reference.books import BookReference
from tests.reference.factors import FactorReference
from tests.reference.raw import Raw, read_raw
from tests.reference.risk import RiskReference


@pytest.fixture(scope="session")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A SQLite database holding the demo and its whole backfill (every 2022 session)."""
    path: Path = tmp_path_factory.mktemp("reference") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    factory = make_session_factory(engine)

    def uow() -> UnitOfWork:
        return UnitOfWork(factory)

    calendar = TradingCalendar(start=date(2015, 1, 1), end=date(2024, 12, 31))
    load_demo(uow, calendar=calendar)
    report = run_batch(
        uow, ProviderChain([DemoProvider()]), calendar, DEMO_BACKFILL_START, DEMO_AS_OF
    )
    assert report.ok, report
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def raw(demo_engine: Engine) -> Raw:
    return read_raw(demo_engine)


@pytest.fixture(scope="session")
def books(raw: Raw) -> BookReference:
    return BookReference(raw)


@pytest.fixture(scope="session")
def risk(books: BookReference) -> RiskReference:
    return RiskReference(books)


@pytest.fixture(scope="session")
def factors(books: BookReference) -> FactorReference:
    return FactorReference(books)


@pytest.fixture(scope="session")
def assets(raw: Raw) -> AssetReference:
    return AssetReference(raw)


def stored_rows(engine: Engine, model: type, **where: object) -> pd.DataFrame:
    """Rows of a history table as a frame (every column), filtered by equality."""
    statement = select(*model.__table__.columns)  # type: ignore[attr-defined]
    for name, value in where.items():
        statement = statement.where(model.__table__.c[name] == value)  # type: ignore[attr-defined]
    with Session(engine) as session:
        result = session.execute(statement)
        return pd.DataFrame(result.all(), columns=list(result.keys()))
