"""Load test of the analytics API: N concurrent clients on loopback for a fixed time.

Prepares a temporary demo database (PostgreSQL by default, ``--sqlite`` for a file),
starts ``uvicorn`` on it in a subprocess, logs in as the demo user and lets ``--clients``
asyncio clients, each on its own keep-alive connection, request the analytics endpoints
of the demo portfolios back to back (closed loop, no think time) for ``--seconds``.
Prints throughput and p50/p95/p99 latency per endpoint and overall, then stops the
server and drops the database.

    .venv/bin/python benchmarks/bench_api.py [--clients 50] [--seconds 30] [--sqlite]
        [--driver raw|httpx] [--workers 2] [--profile overview]

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
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import httpx
import uvloop

from _databases import default_admin_url, temporary_database
from sigmasight.batch.runner import run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.services.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.migrate import upgrade
from sigmasight.storage.uow import UnitOfWork

ENDPOINTS = (
    "overview",
    "market-beta",
    "volatility",
    "sector-exposure",
    "concentration",
    "positions/risk",
    "snapshots",
)
BATCH_END = date(2022, 12, 28)
TARGET_P95_MS = 50.0


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


async def client_loop(
    http: httpx.AsyncClient,
    urls: list[tuple[str, str]],
    offset: int,
    stop: float,
    tallies: dict[str, Tally],
) -> None:
    """Request ``urls`` in turn, from ``offset``, until the clock passes ``stop``."""
    index = offset
    while (began := time.perf_counter()) < stop:
        name, url = urls[index % len(urls)]
        index += 1
        try:
            response = await http.get(url)
            reason = "" if response.status_code == 200 else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
        tallies[name].record(began, reason)


async def drive_httpx(
    base: str, token: str, portfolios: list[int], clients: int, seconds: float, warmup: float
) -> tuple[dict[str, Tally], float]:
    urls = [
        (endpoint, f"{base}/api/v1/analytics/portfolio/{pid}/{endpoint}")
        for pid in portfolios
        for endpoint in ENDPOINTS
    ]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as http:
        if warmup > 0:
            ignored: dict[str, Tally] = defaultdict(Tally)
            stop = time.perf_counter() + warmup
            await asyncio.gather(
                *(client_loop(http, urls, i, stop, ignored) for i in range(clients))
            )
        tallies: dict[str, Tally] = defaultdict(Tally)
        began = time.perf_counter()
        stop = began + seconds
        await asyncio.gather(*(client_loop(http, urls, i, stop, tallies) for i in range(clients)))
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


async def raw_client_loop(
    host: str,
    port: int,
    requests: list[tuple[str, bytes]],
    offset: int,
    stop: float,
    tallies: dict[str, Tally],
) -> None:
    """Send ``requests`` in turn, from ``offset``, on one connection until ``stop``."""
    connection = await RawConnection.open(host, port)
    index = offset
    try:
        while (began := time.perf_counter()) < stop:
            name, request = requests[index % len(requests)]
            index += 1
            try:
                status, body = await connection.get(request)
                reason = "" if status == 200 and body else f"HTTP {status}"
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                reason = type(exc).__name__
                connection.close()
                connection = await RawConnection.open(host, port)
            tallies[name].record(began, reason)
    finally:
        connection.close()


async def drive_raw(
    base: str, token: str, portfolios: list[int], clients: int, seconds: float, warmup: float
) -> tuple[dict[str, Tally], float]:
    address = httpx.URL(base)
    host, port = address.host, address.port or 80
    requests = [
        (
            endpoint,
            (
                f"GET /api/v1/analytics/portfolio/{pid}/{endpoint} HTTP/1.1\r\n"
                f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                "Accept: application/json\r\n\r\n"
            ).encode(),
        )
        for pid in portfolios
        for endpoint in ENDPOINTS
    ]

    async def run(stop: float, tallies: dict[str, Tally]) -> None:
        await asyncio.gather(
            *(raw_client_loop(host, port, requests, i, stop, tallies) for i in range(clients))
        )

    if warmup > 0:
        await run(time.perf_counter() + warmup, defaultdict(Tally))
    tallies: dict[str, Tally] = defaultdict(Tally)
    began = time.perf_counter()
    await run(began + seconds, tallies)
    return tallies, time.perf_counter() - began


def report(tallies: dict[str, Tally], elapsed: float) -> float:
    """Print the table; returns the overall p95 (ms)."""
    print(
        f"{'endpoint':<16} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7}"
    )
    overall = Tally()
    for name in ENDPOINTS:
        tally = tallies.get(name, Tally())
        overall.latencies += tally.latencies
        overall.errors += tally.errors
        overall.reasons.update(tally.reasons)
        _row(name, tally, elapsed)
    p95 = _row("overall", overall, elapsed)
    if overall.reasons:
        print("errors: " + ", ".join(f"{k} x{n}" for k, n in overall.reasons.most_common()))
    return p95


def _row(name: str, tally: Tally, elapsed: float) -> float:
    ordered = sorted(tally.latencies)
    p50, p95, p99 = (percentile(ordered, q) for q in (50, 95, 99))
    count = len(ordered) + tally.errors
    print(
        f"{name:<16} {count:>9,} {count / elapsed:>8.1f} {p50:>8.1f} {p95:>8.1f} "
        f"{p99:>8.1f} {tally.errors:>7}"
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
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds, not measured")
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
        default=date(2022, 12, 1),
        help="first day of the batch history (ends 2022-12-28)",
    )
    parser.add_argument(
        "--profile", choices=ENDPOINTS, help="then cProfile this endpoint in-process"
    )
    args = parser.parse_args()
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients and --seconds must be positive")
    with temporary_database(None if args.sqlite else args.postgres) as url:
        began = time.perf_counter()
        prepare_demo(url, args.history_start)
        print(f"demo database ready in {time.perf_counter() - began:.1f} s")
        with running_server(url, free_port(), args.workers) as base:
            login = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
            token = httpx.post(f"{base}/api/v1/auth/login", json=login).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            listed = httpx.get(f"{base}/api/v1/portfolios", headers=auth).json()
            portfolios = sorted(p["id"] for p in listed)
            backend = "SQLite" if args.sqlite else "PostgreSQL"
            print(
                f"{backend}, {args.workers} workers, {args.clients} clients ({args.driver} "
                f"driver), {args.seconds:.0f} s, portfolios {portfolios}, {os.cpu_count()} CPUs"
            )
            drive = drive_raw if args.driver == "raw" else drive_httpx
            tallies, elapsed = uvloop.run(
                drive(base, token, portfolios, args.clients, args.seconds, args.warmup)
            )
        p95 = report(tallies, elapsed)
        verdict = "meets" if p95 < TARGET_P95_MS else "misses"
        print(f"overall p95 {p95:.1f} ms {verdict} the {TARGET_P95_MS:.0f} ms target")
        if args.profile:
            profile_endpoint(url, args.profile, portfolios[-1], 200)


if __name__ == "__main__":
    main()
