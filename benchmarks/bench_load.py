"""Load the whole demo universe (1990-2022) into SQLite and PostgreSQL.

Prints rows per second and peak memory for the bulk load through the price cache
(provider -> quality checks -> INSERT .. ON CONFLICT), and, side by side in the same run,
the ratio against a reference: row-by-row ORM inserts on a sample.

    .venv/bin/python benchmarks/bench_load.py [--postgres postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from datetime import date

from sqlalchemy import text

from _databases import default_admin_url, temporary_database
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.services.market_data import ensure_prices
from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.migrate import upgrade
from sigmasight.storage.models import DailyPrice
from sigmasight.storage.uow import UnitOfWork

START, END = date(1990, 1, 2), date(2022, 12, 28)
SAMPLE = 3_000


def measure(action: Callable[[], int]) -> tuple[int, float, float]:
    """Rows, seconds and peak resident memory of the process (MiB) after the action.

    Peak RSS, not tracemalloc: tracing every allocation slows Python several-fold and
    would distort the timing it is printed beside.
    """
    began = time.perf_counter()
    rows = action()
    elapsed = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return rows, elapsed, peak


def run(kind: str, admin_url: str | None, calendar: TradingCalendar) -> None:
    provider = DemoProvider()
    universe = provider.universe()
    with temporary_database(None if kind == "sqlite" else admin_url) as url:
        engine = make_engine(url)
        upgrade(engine)
        factory = make_session_factory(engine)

        def bulk() -> int:
            report = ensure_prices(
                lambda: UnitOfWork(factory),
                ProviderChain([provider]),
                calendar,
                universe,
                START,
                END,
            )
            return report.rows_stored

        rows, seconds, peak = measure(bulk)
        sample = provider.prices(["AAPL"], date(1990, 1, 2), END).head(SAMPLE)
        with UnitOfWork(factory) as uow:
            uow.session.execute(text("DELETE FROM daily_prices WHERE symbol = 'AAPL'"))
            uow.commit()

        def row_by_row() -> int:
            with UnitOfWork(factory) as uow:
                for record in sample.to_dict("records"):
                    uow.session.add(
                        DailyPrice(
                            symbol="AAPL",
                            date=record["date"],
                            close=record["close"],
                            adj_close=record["adj_close"],
                            source="bench",
                        )
                    )
                    uow.session.flush()
                uow.commit()
            return len(sample)

        ref_rows, ref_seconds, _ = measure(row_by_row)
        engine.dispose()
    ours = rows / seconds
    reference = ref_rows / ref_seconds
    print(
        f"{kind:<10} {rows:>9,} rows in {seconds:6.2f} s = {ours:>9,.0f} rows/s "
        f"(peak RSS {peak:6.1f} MiB) | ORM row-by-row {reference:>7,.0f} rows/s "
        f"-> {ours / reference:5.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--postgres",
        default=default_admin_url(),
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    calendar = TradingCalendar(start=date(1989, 12, 1), end=date(2023, 12, 31))
    run("sqlite", None, calendar)
    if not args.skip_postgres:
        run("postgresql", args.postgres, calendar)


if __name__ == "__main__":
    main()
