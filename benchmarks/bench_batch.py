"""The batch, end to end, against the position-by-position design it replaces.

Side by side in one run, each measurement in a fresh process (so the maximum RSS is the
measurement's own; setting up a database happens in another process):

(a) backfill of the three demo portfolios over the last 252 sessions of the demo data
    (SQLite, demo loaded from 2020-01-02), as ``sigmasight batch backfill`` runs it
    (``fetch_prices=True``: the first run tops up the price cache for the lookback);
(b) a daily run of 1,000 portfolios x 30 positions over 500 synthetic symbols
    (756 sessions) into SQLite and PostgreSQL, prices already stored
    (``fetch_prices=False``);
(d) a backfill of the same 1,000 portfolios over their last 252 sessions, into SQLite
    and PostgreSQL (PERFORMANCE.md: <= 60 s);
(c) the reference: the original design on a sample of (portfolio, date, position)
    triples — per position one query for its closes over the beta window, one for the
    market's, one statsmodels OLS read for the figures we store (beta, alpha, r²,
    standard error, p-value) and one INSERT — timed per position-day and projected to
    (a), (b) and (d) from their position-days (sum of ``n_positions`` over the snapshots).

The >= 500x target of (c) is judged on (d), a year of history for 1,000 books, against
the reference on PostgreSQL, the database the original design ran on. The other ratios
are printed for information: a single daily run is dominated by loading two years of
prices, which the reference's per-date queries never do, and SQLite's in-process
queries make the reference about three times cheaper than on a database server.

Time is the first run of ``run_batch`` (wall clock, no tracing); peak traced memory comes
from an identical rerun under :mod:`tracemalloc` (the rerun is an idempotent upsert),
except for (d), where the maximum RSS of its process is reported alone.

With ``--large``, also (e): PERFORMANCE.md's daily run of 10,000 portfolios x 30
positions over 5,000 symbols into PostgreSQL (<= 20 s).

    .venv/bin/python benchmarks/bench_batch.py [--postgres URL] [--skip-postgres] [--large]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import logging
import multiprocessing
import random
import resource
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import numpy as np
import statsmodels.api as sm
import structlog
from sqlalchemy import func, select, text

from _databases import default_admin_url, temporary_database
from sigmasight.analytics.beta import BETA_WINDOW
from sigmasight.batch.runner import BatchOptions, run_batch
from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.services.demo import DEMO_AS_OF, load_demo
from sigmasight.services.synthetic import generate_universe
from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.history import PortfolioSnapshot
from sigmasight.storage.migrate import upgrade
from sigmasight.storage.models import Position
from sigmasight.storage.uow import UnitOfWork

T = TypeVar("T")
DEMO_LOAD_START = date(2020, 1, 2)
BACKFILL_SESSIONS = 252
SYMBOLS, PORTFOLIOS, POSITIONS, DAYS = 500, 1_000, 30, 756
#: Portfolio-days in the reference sample (each with all its positions).
SAMPLE_PORTFOLIO_DAYS = 30
#: The original system, as documented in PERFORMANCE.md: ~14 s per portfolio-day.
ORIGINAL_SECONDS_PER_PORTFOLIO_DAY = 14.0
TARGET_A, TARGET_B, TARGET_D, TARGET_E, TARGET_RATIO = 5.0, 10.0, 60.0, 20.0, 500.0
LARGE_SYMBOLS, LARGE_PORTFOLIOS = 5_000, 10_000


def calendar() -> TradingCalendar:
    return TradingCalendar(start=date(2015, 1, 1), end=date(2024, 12, 31))


def quiet() -> None:
    """Keep the batch's per-step log lines out of the table (the report carries them)."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def max_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(action: Callable[..., T], *args: Any) -> T:
    """Run ``action(*args)`` in a fresh interpreter, so its RSS peak is its own."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(action, *args).result()


# --- setup (in a child process) ---------------------------------------------------------


def setup_demo(url: str) -> float:
    began = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    load_demo(lambda: UnitOfWork(factory), calendar=calendar(), start=DEMO_LOAD_START)
    engine.dispose()
    return time.perf_counter() - began


def setup_synthetic(url: str, symbols: int = SYMBOLS, portfolios: int = PORTFOLIOS) -> float:
    began = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    generate_universe(
        lambda: UnitOfWork(factory),
        symbols=symbols,
        portfolios=portfolios,
        positions=POSITIONS,
        days=DAYS,
        end=DEMO_AS_OF,
    )
    engine.dispose()
    return time.perf_counter() - began


# --- our batch (in a child process) -----------------------------------------------------


def measure_batch(
    url: str, start: date, end: date, fetch_prices: bool, traced: bool = True
) -> dict[str, Any]:
    """Time ``run_batch`` once, then (``traced``) rerun it under tracemalloc for the
    traced peak."""
    quiet()
    engine = make_engine(url)
    factory = make_session_factory(engine)

    def uow() -> UnitOfWork:
        return UnitOfWork(factory)

    chain, cal = ProviderChain([DemoProvider()]), calendar()
    options = BatchOptions(fetch_prices=fetch_prices)
    began = time.perf_counter()
    report = run_batch(uow, chain, cal, start, end, options=options)
    seconds = time.perf_counter() - began
    rss = max_rss_mib()
    assert report.ok, report.errors
    peak = float("nan")
    if traced:
        tracemalloc.start()
        rerun = run_batch(uow, chain, cal, start, end, options=options)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        assert rerun.ok, rerun.errors
    with engine.connect() as connection:
        position_days = connection.execute(
            select(func.sum(PortfolioSnapshot.n_positions)).where(
                PortfolioSnapshot.snapshot_date.between(start, end)
            )
        ).scalar_one()
    engine.dispose()
    return {
        "seconds": seconds,
        "timings": report.timings,
        "portfolios": report.portfolios,
        "snapshots": report.snapshots,
        "security_rows": report.security_rows,
        "position_days": int(position_days or 0),
        "traced_mib": peak,
        "rss_mib": rss,
    }


# --- the original design (in a child process) -------------------------------------------

CLOSES = text(
    "SELECT date, close FROM daily_prices WHERE symbol = :symbol "
    "AND date BETWEEN :first AND :last ORDER BY date"
)
LEGACY_TABLE = "legacy_position_betas"


def _legacy_beta(connection: Any, symbol: str, first: date, last: date) -> tuple[float, float]:
    own = dict(connection.execute(CLOSES, {"symbol": symbol, "first": first, "last": last}).all())
    market = dict(
        connection.execute(
            CLOSES, {"symbol": MARKET_INDEX_SYMBOL, "first": first, "last": last}
        ).all()
    )
    days = sorted(own.keys() & market.keys())
    y = np.diff(np.array([own[d] for d in days])) / np.array([own[d] for d in days[:-1]])
    x = np.diff(np.array([market[d] for d in days])) / np.array([market[d] for d in days[:-1]])
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    # The figures a position's beta row holds: beta, alpha, r², standard error, p-value.
    alpha, beta = (float(v) for v in fit.params)
    std_error, p_value = float(fit.bse[1]), float(fit.pvalues[1])
    assert np.isfinite([alpha, std_error, p_value]).all()
    return beta, float(fit.rsquared)


def measure_legacy(url: str, seed: int = 7) -> dict[str, Any]:
    """Per position-day seconds of the query-regress-insert loop on a random sample."""
    engine = make_engine(url)
    cal = calendar()
    sessions = cal.sessions(date(2021, 1, 1), DEMO_AS_OF)[-BACKFILL_SESSIONS:]
    rng = random.Random(seed)
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {LEGACY_TABLE}"))
        connection.execute(
            text(
                f"CREATE TABLE {LEGACY_TABLE} (position_id INTEGER, calc_date DATE, "
                "beta FLOAT, r_squared FLOAT, PRIMARY KEY (position_id, calc_date))"
            )
        )
        portfolio_ids = list(connection.scalars(text("SELECT id FROM portfolios ORDER BY id")))
    sample = [
        (rng.choice(portfolio_ids), rng.choice(sessions)) for _ in range(SAMPLE_PORTFOLIO_DAYS)
    ]
    insert = text(
        f"INSERT INTO {LEGACY_TABLE} VALUES (:position_id, :calc_date, :beta, :r_squared)"
    )
    done = 0
    began = time.perf_counter()
    for portfolio_id, day in sample:
        first = cal.window_start(day, BETA_WINDOW + 1)
        with engine.begin() as connection:
            held = connection.execute(
                select(Position.id, Position.symbol).where(
                    Position.portfolio_id == portfolio_id,
                    Position.entry_date <= day,
                    Position.deleted_at.is_(None),
                )
            ).all()
            for position_id, symbol in held:
                beta, r_squared = _legacy_beta(connection, symbol, first, day)
                row = {"position_id": position_id, "calc_date": day, "beta": beta}
                connection.execute(insert, {**row, "r_squared": r_squared})
                done += 1
    seconds = time.perf_counter() - began
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {LEGACY_TABLE}"))
    engine.dispose()
    return {"position_days": done, "seconds": seconds, "per_position_day": seconds / done}


# --- report -----------------------------------------------------------------------------


def demo_range() -> tuple[date, date]:
    sessions = calendar().sessions(date(2021, 1, 1), DEMO_AS_OF)[-BACKFILL_SESSIONS:]
    return sessions[0], sessions[-1]


def run_demo() -> dict[str, Any]:
    start, end = demo_range()
    with temporary_database(None) as url:
        setup = in_child(setup_demo, url)
        result = in_child(measure_batch, url, start, end, True)
    return {**result, "setup": setup, "label": f"(a) demo backfill {start}..{end}"}


def run_synthetic(
    kind: str, admin_url: str | None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(b), (d) and the reference on one synthetic database of the backend ``kind``."""
    start, end = demo_range()
    with temporary_database(None if kind == "sqlite" else admin_url) as url:
        setup = in_child(setup_synthetic, url)
        daily = in_child(measure_batch, url, DEMO_AS_OF, DEMO_AS_OF, False)
        backfill = in_child(measure_batch, url, start, end, False, False)
        legacy = in_child(measure_legacy, url)
    label_b = f"(b) daily {PORTFOLIOS:,} x {POSITIONS} over {SYMBOLS}"
    label_d = f"(d) backfill {PORTFOLIOS:,} x {POSITIONS}, {BACKFILL_SESSIONS} sessions"
    return (
        {**daily, "setup": setup, "label": label_b},
        {**backfill, "setup": setup, "label": label_d},
        legacy,
    )


def run_large(admin_url: str) -> dict[str, Any]:
    """(e): PERFORMANCE.md's daily run, 10,000 portfolios x 30 over 5,000 symbols."""
    with temporary_database(admin_url) as url:
        setup = in_child(setup_synthetic, url, LARGE_SYMBOLS, LARGE_PORTFOLIOS)
        daily = in_child(measure_batch, url, DEMO_AS_OF, DEMO_AS_OF, False, False)
    label = f"(e) daily {LARGE_PORTFOLIOS:,} x {POSITIONS} over {LARGE_SYMBOLS:,}"
    return {**daily, "setup": setup, "label": label}


def print_run(backend: str, result: dict[str, Any], target: float) -> None:
    verdict = "ok" if result["seconds"] < target else "MISSED"
    traced = result["traced_mib"]
    peak = f"traced peak {traced:7.1f} MiB  " if traced == traced else ""
    print(
        f"{result['label']:<44} {backend:<10} {result['seconds']:8.2f} s "
        f"(target < {target:g} s: {verdict})  {peak}max RSS {result['rss_mib']:7.1f} MiB"
    )
    steps = "  ".join(f"{k} {v:.3f}" for k, v in result["timings"].items())
    print(
        f"{'':<44} {'':<10} steps: {steps}\n{'':<44} {'':<10} {result['portfolios']:,} "
        f"portfolios, {result['snapshots']:,} snapshots, {result['security_rows']:,} "
        f"security rows, {result['position_days']:,} position-days; "
        f"setup {result['setup']:.1f} s (not timed)"
    )


def print_ratio(name: str, ours: dict[str, Any], legacy: dict[str, Any], judged: bool) -> None:
    projected = legacy["per_position_day"] * ours["position_days"]
    ratio = projected / ours["seconds"]
    if judged:
        verdict = f"target >= {TARGET_RATIO:g}x: " + ("ok" if ratio >= TARGET_RATIO else "MISSED")
    else:
        verdict = "for information"
    portfolio_days = ours["snapshots"]
    original = ORIGINAL_SECONDS_PER_PORTFOLIO_DAY * portfolio_days
    print(
        f"  {name:<40} reference projected {projected:9.1f} s -> ours {ratio:8.1f}x faster "
        f"({verdict}); documented original "
        f"{original:,.0f} s -> {original / ours['seconds']:,.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--postgres",
        default=default_admin_url(),
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--large",
        action="store_true",
        help="also (e): a daily run of 10,000 portfolios x 30 over 5,000 symbols into "
        "PostgreSQL (PERFORMANCE.md: <= 20 s); its setup takes about a minute",
    )
    parser.add_argument(
        "--skip-synthetic",
        action="store_true",
        help="only (a) (and (e) with --large): skip (b), (d) and the reference (c)",
    )
    args = parser.parse_args()
    demo = run_demo()
    backends = [("sqlite", None)] + ([] if args.skip_postgres else [("postgresql", args.postgres)])
    if args.skip_synthetic:
        backends = []
    synthetic = {kind: run_synthetic(kind, url) for kind, url in backends}

    print("\nOurs: run_batch wall time (first run), peak memory")
    print_run("sqlite", demo, TARGET_A)
    for kind, (daily, _, _) in synthetic.items():
        print_run(kind, daily, TARGET_B)
    for kind, (_, backfill, _) in synthetic.items():
        print_run(kind, backfill, TARGET_D)
    if args.large and not args.skip_postgres:
        print_run("postgresql", run_large(args.postgres), TARGET_E)
    if not synthetic:
        return
    print("\nReference: position by position (2 queries + statsmodels OLS + 1 INSERT each)")
    for kind, (_, _, legacy) in synthetic.items():
        print(
            f"  {kind:<10} {legacy['position_days']} position-days in {legacy['seconds']:.2f} s "
            f"= {legacy['per_position_day'] * 1e3:.2f} ms per position-day"
        )
    print("\nRatios (reference projected from its per position-day cost on the same backend)")
    print_ratio("(a) demo backfill, sqlite", demo, synthetic["sqlite"][2], False)
    for kind, (daily, backfill, legacy) in synthetic.items():
        print_ratio(f"(b) daily 1,000 portfolios, {kind}", daily, legacy, False)
        judged = kind == "postgresql"
        print_ratio(f"(d) backfill 1,000 x 252, {kind}", backfill, legacy, judged)


if __name__ == "__main__":
    main()
