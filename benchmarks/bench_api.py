"""Load test of the analytics API: N concurrent clients on loopback for a fixed time.

Prepares a temporary demo database (PostgreSQL by default, ``--sqlite`` for a file) with a
year of batch history, starts ``uvicorn`` on it in a subprocess, logs in as the demo user
and lets ``--clients`` asyncio clients, each on its own keep-alive connection, request
every GET analytics route of the demo portfolios (:data:`ENDPOINTS`: each parameter
variant a row, valid for the demo data) back to back (closed loop, no think time) for
``--seconds``. Prints throughput, p50/p95/p99 latency and errors (any non-2xx, by status)
per endpoint and overall, flags the endpoints whose p95 misses the 50 ms target, then
stops the server and drops the database.

    .venv/bin/python benchmarks/bench_api.py [--as-of latest|spread] [--clients 50]
        [--seconds 30] [--service-requests 12] [--sqlite] [--driver raw|httpx]
        [--workers 2] [--profile overview]

``--as-of latest`` (default) asks for the latest figures, as the dashboard does (cached
answers after the first); ``--as-of spread`` gives each request an ``as_of`` drawn
uniformly from the portfolio's stored sessions (mostly cache misses, as when a user
browses history). Before the load, a single-client pass sends ``--service-requests``
requests per endpoint one at a time: its p50 is the route's own service time, apart from
queueing under load (in the spread mode each of those requests has a different date, so
each is a miss). The run fails if the app has a GET analytics route that
:data:`ENDPOINTS` does not cover.

Latency is measured in the driver, so it includes the client's own time: on a small
machine the driver competes with the server and the database for the same cores. The
default driver writes HTTP/1.1 requests on asyncio streams (uvloop) and reads
``Content-Length`` bodies: about a tenth of a core at 2,000 requests/s. ``--driver
httpx`` uses one shared ``httpx.AsyncClient`` instead; on this 2-core machine it tops out
near 170 requests/s by itself, so it measures the client more than the server.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import random
import re
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

import httpx
import uvloop
from sqlalchemy import text

from _databases import default_admin_url, temporary_database
from sigmasight.analytics.correlations import CORRELATION_HORIZONS, ROLLING_WINDOWS
from sigmasight.analytics.risk_metrics import VAR_METHODS
from sigmasight.batch.runner import run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.services.analytics.correlations import GROUPINGS, MEASURES
from sigmasight.services.demo import (
    DEMO_BACKFILL_START,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    load_demo,
)
from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.history_performance import BENCHMARK_WINDOWS
from sigmasight.storage.migrate import upgrade
from sigmasight.storage.uow import UnitOfWork

API = "/api/v1"
PORTFOLIO = "/analytics/portfolio/{pid}"


@dataclass(frozen=True)
class Endpoint:
    """One row of the table: a GET route (under ``/api/v1``; ``{pid}`` a demo portfolio,
    ``{symbol}`` a held security) with fixed query parameters. ``date_param`` takes the
    drawn date in the spread mode (None: the route has no date)."""

    name: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    date_param: str | None = "as_of"
    #: SQL of the sessions (of portfolio ``:pid``) that have the stored row the route
    #: reads, when that is not every session; none at all: the row is not measured.
    sessions_sql: str | None = None


def _analytics(
    name: str,
    route: str = "",
    date_param: str | None = "as_of",
    sessions_sql: str | None = None,
    **query: Any,
) -> Endpoint:
    return Endpoint(
        name,
        f"{PORTFOLIO}/{route or name}",
        tuple((k, str(v)) for k, v in query.items()),
        date_param,
        sessions_sql,
    )


#: A benchmark comparison needs the window's stored metrics (a full window of the book).
BENCHMARK_SESSIONS = (
    "SELECT calc_date FROM portfolio_benchmark_metrics WHERE portfolio_id = :pid "
    "AND \"window\" = '{window}' ORDER BY calc_date"
)


#: An attribution needs a session before its end (the first stored one has no period).
ATTRIBUTION_SESSIONS = (
    "SELECT calc_date FROM portfolio_performance_history WHERE portfolio_id = :pid "
    "ORDER BY calc_date OFFSET 1"
)

#: Every GET analytics route of a portfolio, each parameter variant a row (PDF and HTML
#: reports left out: they are downloads printed or rendered for a person).
ENDPOINTS: tuple[Endpoint, ...] = (
    _analytics("overview"),
    _analytics("market-beta"),
    _analytics("volatility"),
    _analytics("sector-exposure"),
    _analytics("concentration"),
    _analytics("positions/risk"),
    _analytics("snapshots", date_param="end"),
    _analytics("risk-metrics"),
    _analytics("drawdowns"),
    *(
        _analytics(f"var-backtest {m} 0.99", "var-backtest", method=m, confidence=0.99)
        for m in VAR_METHODS
    ),
    _analytics(
        "var-backtest historical 0.95", "var-backtest", method="historical", confidence=0.95
    ),
    *(_analytics(f"factor-exposures {m}", "factor-exposures", method=m) for m in ("ols", "ridge")),
    *(
        _analytics(f"positions/factor-exp {m}", "positions/factor-exposures", method=m)
        for m in ("ols", "ridge")
    ),
    _analytics("positions/metrics"),
    *(_analytics(f"correlations {h}", "correlations", horizon=h) for h in CORRELATION_HORIZONS),
    *(
        _analytics(f"correlations/rolling {w}", "correlations/rolling", window=w)
        for w in ROLLING_WINDOWS
    ),
    *(
        _analytics(f"risk-contrib {m}/{by}", "risk-contributions", measure=m, by=by)
        for m in MEASURES
        for by in GROUPINGS
    ),
    _analytics("greeks"),
    _analytics("stress-tests"),
    _analytics("performance"),
    *(
        _analytics(
            f"benchmark-comp {w}",
            "benchmark-comparison",
            sessions_sql=BENCHMARK_SESSIONS.format(window=w),
            window=w,
        )
        for w in BENCHMARK_WINDOWS
    ),
    _analytics("attribution", date_param="end", sessions_sql=ATTRIBUTION_SESSIONS),
    _analytics("benchmarks", date_param=None),
    *(_analytics(f"report {f}", "report", format=f) for f in ("json", "md")),
    Endpoint("alerts", "/portfolios/{pid}/alerts", date_param="end"),
    Endpoint("rebalancing/proposals", "/portfolios/{pid}/rebalancing/proposals"),
    Endpoint("securities/metrics", "/securities/{symbol}/metrics"),
)
#: Routes of the app that are GET analytics of a portfolio or a security.
COVERED = re.compile(
    r"^/api/v1/(analytics/portfolio/\{portfolio_id\}/.+|portfolios/\{portfolio_id\}/(alerts|"
    r"rebalancing/proposals)|securities/\{symbol\}/metrics)$"
)
BATCH_END = date(2022, 12, 28)
ERROR_CODE = re.compile(rb'"code":\s*"(\w+)"')
TARGET_P95_MS = 50.0
#: Demo positions given a symbol target (weight x 0.8, band 2 points) for the proposals.
TARGETS_PER_BOOK = 3


@dataclass(frozen=True)
class Target:
    """An endpoint on one portfolio or security: its path and the sessions it has."""

    endpoint: Endpoint
    path: str
    sessions: tuple[date, ...]

    def url(self, day: date | None) -> str:
        """Path and query, with ``day`` in the endpoint's date parameter."""
        query = list(self.endpoint.query)
        if day is not None and self.endpoint.date_param:
            query.append((self.endpoint.date_param, day.isoformat()))
        return f"{API}{self.path}" + (f"?{urlencode(query)}" if query else "")


#: Picks request ``index`` of a client: (row name, path and query).
Picker = Callable[[int], tuple[str, str]]


def picker(targets: list[Target], spread: bool, seed: int) -> Picker:
    """Targets in turn; in the spread mode each with a date drawn uniformly from its
    sessions."""
    draw = random.Random(seed)
    fixed = [(t.endpoint.name, t.url(None)) for t in targets]

    def pick(index: int) -> tuple[str, str]:
        if not spread:
            return fixed[index % len(fixed)]
        target = targets[index % len(targets)]
        return target.endpoint.name, target.url(draw.choice(target.sessions))

    return pick


def prepare_demo(url: str, start: date) -> None:
    """Demo securities, prices and portfolios, and the batch's history from ``start``."""
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    calendar = TradingCalendar(start=date(2015, 1, 1), end=date(2024, 12, 31))

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(factory)

    load_demo(uow_factory, calendar=calendar, start=date(2020, 1, 2))
    report = run_batch(uow_factory, ProviderChain([DemoProvider()]), calendar, start, BATCH_END)
    engine.dispose()
    if not report.ok:
        raise SystemExit(f"the demo batch failed: {report.errors}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(url: str, port: int, workers: int) -> Iterator[str]:
    """``uvicorn`` serving the app on ``url``'s database; yields its base URL."""
    env = {
        **os.environ,
        "SIGMASIGHT_DATABASE_URL": url,
        "SIGMASIGHT_ENVIRONMENT": "production",
        "SIGMASIGHT_JWT_SECRET": secrets.token_urlsafe(30),  # 40 characters
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "sigmasight.api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server was not ready within {timeout:.0f} s")


def discover(base: str, token: str, url: str) -> list[Target]:
    """The demo portfolios' targets: their sessions from the snapshots, symbol targets on
    a few long stocks (so that proposals have something to do), and held securities for
    the per-security route. Fails if the app has an uncovered GET analytics route."""
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=auth, timeout=60) as http:
        check_coverage(http.get("/openapi.json").json())
        portfolios = sorted(p["id"] for p in http.get(f"{API}/portfolios").json())
        targets: list[Target] = []
        sessions: dict[int, tuple[date, ...]] = {}
        symbols: list[tuple[str, tuple[date, ...]]] = []
        for pid in portfolios:
            rows = http.get(f"{API}/analytics/portfolio/{pid}/snapshots").json()["rows"]
            sessions[pid] = tuple(date.fromisoformat(r["date"]) for r in rows)
            held = http.get(f"{API}/analytics/portfolio/{pid}/positions/risk").json()
            longs = sorted(
                (p for p in held["positions"] if p["position_type"] == "LONG" and p["weight"]),
                key=lambda p: -p["weight"],
            )[:TARGETS_PER_BOOK]
            put_targets(http, pid, longs, sessions[pid][0])
            symbols += [(p["symbol"], sessions[pid]) for p in longs[:1]]
        for endpoint in ENDPOINTS:
            if "{symbol}" in endpoint.path:
                for symbol, days in symbols:
                    path = endpoint.path.format(symbol=symbol)
                    targets.append(Target(endpoint, path, days))
            else:
                for pid in portfolios:
                    stored = stored_sessions(url, endpoint, pid)
                    valid = sessions[pid] if stored is None else stored
                    if valid:
                        targets.append(Target(endpoint, endpoint.path.format(pid=pid), valid))
    measured = {t.endpoint.name for t in targets}
    for endpoint in ENDPOINTS:
        if endpoint.name not in measured:
            print(f"not measured: {endpoint.name} (the demo history has no row it reads)")
    return targets


def stored_sessions(url: str, endpoint: Endpoint, pid: int) -> tuple[date, ...] | None:
    """The sessions of ``endpoint.sessions_sql`` for portfolio ``pid`` (None: every
    session; empty: none)."""
    if endpoint.sessions_sql is None:
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(endpoint.sessions_sql), {"pid": pid}).scalars()
            return tuple(rows)
    finally:
        engine.dispose()


def put_targets(http: httpx.Client, pid: int, longs: list[dict[str, Any]], since: date) -> None:
    """Symbol targets at 0.8 x each position's weight, band +- 2 points, in force from
    ``since`` (targets are point in time)."""
    body = []
    for position in longs:
        target = round(0.8 * position["weight"] / 100, 4)
        low, high = max(0.0, target - 0.02), target + 0.02
        body.append(
            {"level": "symbol", "key": position["symbol"], "target_weight": target,
             "min_weight": round(low, 4), "max_weight": round(high, 4)}
        )  # fmt: skip
    since_param = {"effective_from": since.isoformat()}
    response = http.put(f"{API}/portfolios/{pid}/targets", json=body, params=since_param)
    if response.status_code != 200:
        raise SystemExit(f"targets of portfolio {pid}: HTTP {response.status_code} {response.text}")


def check_coverage(openapi: dict[str, Any]) -> None:
    """Every GET analytics route of the app is one of :data:`ENDPOINTS`."""
    measured = {API + e.path.replace("{pid}", "{portfolio_id}") for e in ENDPOINTS}
    routes = {p for p, ops in openapi["paths"].items() if "get" in ops and COVERED.match(p)}
    missing = sorted(routes - measured)
    if missing:
        raise SystemExit("GET analytics routes not in ENDPOINTS: " + ", ".join(missing))
    print(f"{len(routes)} GET analytics routes, all measured ({len(ENDPOINTS)} variants)")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def record(self, began: float, reason: str) -> None:
        """A request sent at ``began`` (perf_counter) that ended now; ``reason`` is why it
        failed, empty when it succeeded."""
        if not reason:
            self.latencies.append((time.perf_counter() - began) * 1000)
        else:
            self.errors += 1
            self.reasons[reason] += 1


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values: the smallest value with at least
    ``q`` % of the values at or below it."""
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def _failure(status: int, body: bytes) -> str:
    """Why an answer is an error (any non-2xx, or an empty 200); empty when it is not."""
    if 200 <= status < 300 and (body or status != 200):
        return ""
    code = ERROR_CODE.search(body)
    return f"HTTP {status}" + (f" {code[1].decode()}" if code else "")


async def client_loop(
    http: httpx.AsyncClient, pick: Picker, offset: int, stop: float, tallies: dict[str, Tally]
) -> None:
    """Request ``pick(i)`` for i from ``offset`` until the clock passes ``stop``."""
    index = offset
    while (began := time.perf_counter()) < stop:
        name, url = pick(index)
        index += 1
        try:
            response = await http.get(url)
            reason = _failure(response.status_code, response.content)
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
        tallies[name].record(began, reason)


async def drive_httpx(
    base: str, token: str, targets: list[Target], spread: bool, clients: int,
    seconds: float, warmup: float,
) -> tuple[dict[str, Tally], float]:  # fmt: skip
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    n = len(targets)  # the clients start evenly spread over the targets
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:

        async def run(stop: float, tallies: dict[str, Tally], seed: int) -> None:
            await asyncio.gather(
                *(
                    client_loop(
                        http, picker(targets, spread, seed + i), i * n // clients, stop, tallies
                    )
                    for i in range(clients)
                )
            )

        if warmup > 0:
            await run(time.perf_counter() + warmup, defaultdict(Tally), 10_000)
        tallies: dict[str, Tally] = defaultdict(Tally)
        began = time.perf_counter()
        await run(began + seconds, tallies, 0)
        elapsed = time.perf_counter() - began
    return tallies, elapsed


class RawConnection:
    """One keep-alive HTTP/1.1 connection: GET, read the head, read ``Content-Length``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> RawConnection:
        reader, writer = await asyncio.open_connection(host, port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def get(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        self.writer.close()


def request_bytes(host: str, port: int, token: str, url: str) -> bytes:
    return (
        f"GET {url} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()


async def raw_client_loop(
    host: str,
    port: int,
    token: str,
    pick: Picker,
    offset: int,
    stop: float,
    tallies: dict[str, Tally],
) -> None:
    """Send ``pick(i)`` for i from ``offset``, on one connection, until ``stop``."""
    connection = await RawConnection.open(host, port)
    index = offset
    try:
        while (began := time.perf_counter()) < stop:
            name, url = pick(index)
            index += 1
            try:
                status, body = await connection.get(request_bytes(host, port, token, url))
                reason = _failure(status, body)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                reason = type(exc).__name__
                connection.close()
                connection = await RawConnection.open(host, port)
            tallies[name].record(began, reason)
    finally:
        connection.close()


async def drive_raw(
    base: str, token: str, targets: list[Target], spread: bool, clients: int,
    seconds: float, warmup: float,
) -> tuple[dict[str, Tally], float]:  # fmt: skip
    address = httpx.URL(base)
    host, port = address.host, address.port or 80

    n = len(targets)  # the clients start evenly spread over the targets

    async def run(stop: float, tallies: dict[str, Tally], seed: int) -> None:
        await asyncio.gather(
            *(
                raw_client_loop(
                    host,
                    port,
                    token,
                    picker(targets, spread, seed + i),
                    i * n // clients,
                    stop,
                    tallies,
                )
                for i in range(clients)
            )
        )

    if warmup > 0:
        await run(time.perf_counter() + warmup, defaultdict(Tally), 10_000)
    tallies: dict[str, Tally] = defaultdict(Tally)
    began = time.perf_counter()
    await run(began + seconds, tallies, 0)
    return tallies, time.perf_counter() - began


async def service_times(
    base: str, token: str, targets: list[Target], spread: bool, requests: int
) -> dict[str, Tally]:
    """One client, one request at a time: ``requests`` per endpoint, over its portfolios
    in turn. In the spread mode each request of an endpoint has another date (a miss)."""
    address = httpx.URL(base)
    host, port = address.host, address.port or 80
    connection = await RawConnection.open(host, port)
    draw = random.Random(1)
    by_endpoint: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        by_endpoint[target.endpoint.name].append(target)
    tallies: dict[str, Tally] = defaultdict(Tally)
    try:
        for name, group in by_endpoint.items():
            days = {id(t): draw.sample(t.sessions, len(t.sessions)) for t in group}
            for i in range(requests):
                target = group[i % len(group)]
                left = days[id(target)]
                url = target.url(left.pop() if spread and left else None)
                began = time.perf_counter()
                status, body = await connection.get(request_bytes(host, port, token, url))
                tallies[name].record(began, _failure(status, body))
    finally:
        connection.close()
    return tallies


def report(
    tallies: dict[str, Tally], elapsed: float, alone: dict[str, Tally] | None = None
) -> float:
    """Print the table (with each endpoint's p50 at one client when ``alone`` is given);
    returns the overall p95 (ms)."""
    print(
        f"{'endpoint':<32} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6} {'1-client p50':>12}"
    )
    overall = Tally()
    failing: dict[str, Counter[str]] = {}
    slow = 0
    for endpoint in ENDPOINTS:
        tally = tallies.get(endpoint.name, Tally())
        overall.latencies += tally.latencies
        overall.errors += tally.errors
        overall.reasons.update(tally.reasons)
        single = alone.get(endpoint.name) if alone else None
        if _row(endpoint.name, tally, elapsed, single) >= TARGET_P95_MS:
            slow += 1
        if tally.reasons:
            failing[endpoint.name] = tally.reasons
        if single is not None and single.reasons:
            failing[f"{endpoint.name} (1 client)"] = single.reasons
    p95 = _row("overall", overall, elapsed, None)
    print(f"{slow} of {len(ENDPOINTS)} endpoints at or above the {TARGET_P95_MS:.0f} ms p95 target")
    for name, reasons in failing.items():
        print(f"errors of {name}: " + ", ".join(f"{k} x{n}" for k, n in reasons.most_common()))
    return p95


def _row(name: str, tally: Tally, elapsed: float, single: Tally | None) -> float:
    ordered = sorted(tally.latencies)
    p50, p95, p99 = (percentile(ordered, q) for q in (50, 95, 99))
    count = len(ordered) + tally.errors
    alone = ""
    if single is not None:
        alone = f"{percentile(sorted(single.latencies), 50):>12.1f}"
        alone += f" ({single.errors} errors)" if single.errors else ""
    flag = "  MISS" if p95 >= TARGET_P95_MS or tally.errors else ""
    print(
        f"{name:<32} {count:>8,} {count / elapsed:>7.1f} {p50:>7.1f} {p95:>7.1f} "
        f"{p99:>7.1f} {tally.errors:>6} {alone}{flag}"
    )
    return p95


def profile_endpoint(url: str, endpoint: str, portfolio: int, requests: int) -> None:
    """cProfile what a cache miss of one endpoint costs, in this thread: the service call,
    the response model and its JSON encoding (a cache hit skips all of it)."""
    from sigmasight.api.routes.analytics import VIEWS
    from sigmasight.storage.db import make_engine, make_session_factory

    function, model = VIEWS[endpoint]
    engine = make_engine(url)
    factory = make_session_factory(engine)

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(factory)

    with uow_factory() as uow:
        found = uow.users.get_by_email(DEMO_EMAIL)
        assert found is not None
        user_id = found.id

    def one() -> bytes:
        answer = model.model_validate(function(uow_factory, user_id, portfolio))
        encoded: bytes = answer.__pydantic_serializer__.to_json(answer)
        return encoded

    one()
    began = time.perf_counter()
    for _ in range(requests):
        one()
    plain = (time.perf_counter() - began) / requests * 1000
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [one() for _ in range(requests)])
    engine.dispose()
    print(f"\nprofile of a {endpoint} miss (portfolio {portfolio}): {plain:.2f} ms in-process")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"sigmasight|psycopg/cursor|pool/base|pydantic", 30)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--as-of",
        choices=("latest", "spread"),
        default="latest",
        help="latest figures, or a date drawn from the stored sessions per request",
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds, not measured")
    parser.add_argument(
        "--service-requests",
        type=int,
        default=12,
        help="requests per endpoint of the single-client pass (0: none)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    parser.add_argument(
        "--driver", choices=("raw", "httpx"), default="raw", help="the load driver (see above)"
    )
    parser.add_argument(
        "--postgres",
        default=default_admin_url(),
        help="admin URL; a temporary database is created and dropped",
    )
    parser.add_argument(
        "--history-start",
        type=date.fromisoformat,
        default=DEMO_BACKFILL_START,
        help="first day of the batch history (ends 2022-12-28)",
    )
    parser.add_argument("--profile", help="then cProfile this view (a key of VIEWS) in-process")
    args = parser.parse_args()
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients and --seconds must be positive")
    spread = args.as_of == "spread"
    with temporary_database(None if args.sqlite else args.postgres) as url:
        began = time.perf_counter()
        prepare_demo(url, args.history_start)
        print(f"demo database ready in {time.perf_counter() - began:.1f} s")
        with running_server(url, free_port(), args.workers) as base:
            login = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
            token = httpx.post(f"{base}/api/v1/auth/login", json=login).json()["access_token"]
            targets = discover(base, token, url)
            days = sorted({d for t in targets for d in t.sessions})
            backend = "SQLite" if args.sqlite else "PostgreSQL"
            print(
                f"{backend}, {args.workers} workers, {args.clients} clients ({args.driver} "
                f"driver), {args.seconds:.0f} s, as_of {args.as_of} ({len(days)} sessions "
                f"{days[0]} to {days[-1]}), {len(targets)} targets, {os.cpu_count()} CPUs, "
                f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
            )
            alone = None
            if args.service_requests > 0:
                alone = uvloop.run(
                    service_times(base, token, targets, spread, args.service_requests)
                )
            drive = drive_raw if args.driver == "raw" else drive_httpx
            tallies, elapsed = uvloop.run(
                drive(base, token, targets, spread, args.clients, args.seconds, args.warmup)
            )
            print(f"load average after {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        p95 = report(tallies, elapsed, alone)
        verdict = "meets" if p95 < TARGET_P95_MS else "misses"
        print(f"overall p95 {p95:.1f} ms {verdict} the {TARGET_P95_MS:.0f} ms target")
        if args.profile:
            profile_endpoint(url, args.profile, 3, 200)


if __name__ == "__main__":
    main()
