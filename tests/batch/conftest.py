from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import Engine, MetaData, select

from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.services.demo import load_demo
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
