"""A run after the last stored price is refused: no incomplete snapshot becomes latest."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select

from sigmasight.batch.runner import BatchOptions, run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.storage.history import BatchRun, PortfolioSnapshot
from sigmasight.storage.models import DailyPrice
from tests.batch.conftest import UowFactory

LAST_PRICE = date(2022, 12, 28)  # the demo data's last session


def _latest(uow_factory: UowFactory) -> date | None:
    with uow_factory() as uow:
        return uow.session.scalar(select(func.max(PortfolioSnapshot.snapshot_date)))


def test_a_date_after_the_last_price_is_refused(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    assert run_batch(demo_db, chain, calendar, LAST_PRICE, LAST_PRICE).ok
    for start, end in [(date(2022, 12, 30), date(2022, 12, 30)), (LAST_PRICE, date(2023, 1, 4))]:
        report = run_batch(demo_db, chain, calendar, start, end)
        assert report.status == "failed"
        assert report.errors[0].startswith(end.isoformat())  # both ends are sessions
        assert "after the last priced session, 2022-12-28" in report.errors[0]
        assert "Error" not in report.errors[0]  # a sentence, not an exception's name
        assert _latest(demo_db) == LAST_PRICE
    with demo_db() as uow:
        statuses = list(uow.session.scalars(select(BatchRun.status).order_by(BatchRun.started_at)))
    assert statuses == ["succeeded", "failed", "failed"]


def test_a_weekend_after_the_last_price_is_judged_by_its_session(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    """A range ending on the Saturday after the last priced Friday is not refused."""
    friday, saturday = date(2022, 12, 23), date(2022, 12, 24)
    with demo_db() as uow:
        uow.session.execute(delete(DailyPrice).where(DailyPrice.date > friday))
        uow.commit()
    options = BatchOptions(fetch_prices=False)  # the prices stop on Friday
    report = run_batch(demo_db, chain, calendar, friday, saturday, options=options)
    assert report.ok, report.errors
    assert _latest(demo_db) == friday
