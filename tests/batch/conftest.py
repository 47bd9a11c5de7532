from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select

from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.services.demo import load_demo
from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.migrate import upgrade
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
#: Enough history before the runs for every window (HAR needs two years).
LOAD_START = date(2020, 1, 2)


@pytest.fixture(scope="session")
def calendar() -> TradingCalendar:
    return TradingCalendar(start=date(2015, 1, 1), end=date(2024, 12, 31))


@pytest.fixture(scope="session")
def chain() -> ProviderChain:
    return ProviderChain([DemoProvider()])


def load_demo_into(uow_factory: UowFactory, calendar: TradingCalendar) -> None:
    load_demo(uow_factory, calendar=calendar, start=LOAD_START)


def load_demo_database(url: str) -> None:
    """Migrate the database at ``url`` and load the demo into it, leaving no connection
    open (closing the last one checkpoints a SQLite WAL into the main file, so the file
    can be copied byte for byte: a second load would differ in the Argon2 salt of the
    demo user's password hash)."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        factory = make_session_factory(engine)
        calendar = TradingCalendar(start=date(2015, 1, 1), end=date(2024, 12, 31))
        load_demo(lambda: UnitOfWork(factory), calendar=calendar, start=LOAD_START)
    finally:
        engine.dispose()


def factory_of(engine: Engine) -> UowFactory:
    """Units of work on ``engine``."""
    sessions = make_session_factory(engine)
    return lambda: UnitOfWork(sessions)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the demo, with no connection left open (one per
    test module that asks; :func:`sqlite_copies` makes the databases of its tests)."""
    path = tmp_path_factory.mktemp("demo") / "template.db"
    load_demo_database(f"sqlite:///{path}")
    return path


@contextmanager
def sqlite_copies(template: Path, folder: Path, *names: str) -> Iterator[list[Engine]]:
    """Engines on byte copies of the SQLite file ``template`` (one per name in
    ``folder``), disposed after."""
    made = []
    for name in names:
        shutil.copyfile(template, folder / name)
        made.append(make_engine(f"sqlite:///{folder / name}"))
    try:
        yield made
    finally:
        for engine in made:
            engine.dispose()


@pytest.fixture
def demo_db(uow_factory: UowFactory, calendar: TradingCalendar) -> UowFactory:
    load_demo_into(uow_factory, calendar)
    return uow_factory


#: Tables that differ between runs by nature: run ids and wall-clock timings, and the
#: data revision (a counter of commits, which an interrupted run makes more of).
VOLATILE = {"batch_runs", "data_revision"}


def table_state(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted, for exact comparisons between databases."""
    meta = MetaData()
    meta.reflect(bind=engine)
    state: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as connection:
        for name, table in meta.tables.items():
            if name in VOLATILE or name == "alembic_version":
                continue
            columns = [c for c in table.columns if c.name not in ("created_at", "updated_at")]
            rows = connection.execute(select(*columns)).all()
            state[name] = sorted((tuple(r) for r in rows), key=repr)
    return state
