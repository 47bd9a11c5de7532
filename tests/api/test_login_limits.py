"""Login limits that hold: atomic across parallel guesses, per account and per client,
shared by every worker, X-Forwarded-For believed only from configured proxies, bounded
hashing, and unknown e-mails as slow as known ones. Plus a short loopback load test."""

from __future__ import annotations

import socket
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

import sigmasight.api.login as login_module
from sigmasight.api.app import create_app
from sigmasight.config import Settings
from sigmasight.storage.db import make_engine
from sigmasight.storage.migrate import upgrade
from tests.api.conftest import TEST_SECRET

PASSWORD = "limits-horse-battery"
LOGIN = "/api/v1/auth/login"


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of this module's own: its login counts touch no other test."""
    url = f"sqlite:///{tmp_path_factory.mktemp('limits') / 'limits.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _settings(url: str, **changes: Any) -> Settings:
    return Settings(database_url=url, environment="test", jwt_secret=TEST_SECRET, **changes)  # type: ignore[call-arg]


@contextmanager
def _server(settings: Settings) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _register(base: str) -> str:
    email = f"limits-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Limits"}
    assert httpx.post(f"{base}/api/v1/auth/register", json=body).status_code == 201
    return email


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Every password check the login code makes (the hash it checked against)."""
    seen: list[str | None] = []
    real = login_module.verify_password_or_dummy

    def counting(password_hash: str | None, password: str) -> bool:
        seen.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(login_module, "verify_password_or_dummy", counting)
    return seen


def _parallel(calls: list[Callable[[], httpx.Response]]) -> list[int]:
    with ThreadPoolExecutor(len(calls)) as pool:
        responses = list(pool.map(lambda call: call(), calls))
    # The only 5xx allowed is the clean "busy" answer of an overloaded login queue.
    unexpected = {r.text for r in responses if r.status_code >= 500 and "BUSY" not in r.text}
    assert not unexpected, unexpected
    return [r.status_code for r in responses]


def test_parallel_wrong_passwords_are_not_all_checked(
    database_url: str, verifications: list[str | None]
) -> None:
    with _server(_settings(database_url, login_attempts=3)) as base:
        email = _register(base)
        wrong = {"email": email, "password": "wrong-horse-battery"}
        statuses = _parallel([lambda: httpx.post(f"{base}{LOGIN}", json=wrong, timeout=60)] * 40)
    assert statuses.count(401) <= 3
    assert statuses.count(429) >= 37
    assert set(statuses) <= {401, 429}
    assert len(verifications) <= 3  # the refused ones never reached the hash


def test_limits_per_account_and_per_client_shared_by_workers(
    database_url: str, verifications: list[str | None]
) -> None:
    """Two app instances (two workers) on one database count the same failures; behind
    a trusted proxy, each forwarded client has its own pair limit, the account has one
    across clients, and a client has one across accounts."""
    settings = _settings(database_url, login_attempts=1, trusted_proxies="127.0.0.0/8")
    with _server(settings) as first, _server(settings) as second:
        email = _register(first)
        wrong = {"email": email, "password": "wrong-horse-battery"}

        def attempt(base: str, client: str, body: dict[str, str] = wrong) -> int:
            headers = {"X-Forwarded-For": f"203.0.113.7, {client}"}
            return httpx.post(f"{base}{LOGIN}", json=body, headers=headers).status_code

        assert attempt(first, "198.51.100.1") == 401
        assert attempt(second, "198.51.100.1") == 429  # the other worker knows
        # Other clients: the pair limit is theirs, until the account's (4) is spent.
        assert [attempt(second, f"198.51.100.{n}") for n in (2, 3, 4)] == [401] * 3
        assert attempt(first, "198.51.100.5") == 429
        right = {"email": email, "password": PASSWORD}
        assert attempt(first, "198.51.100.6", right) == 429  # even with the password
        # One client across many accounts: refused after 10.
        others = [_register(first) for _ in range(11)]
        spray = [attempt(first, "192.0.2.9", {"email": e, "password": "x-horse-x"}) for e in others]
        assert spray == [401] * 10 + [429]


def test_forwarded_for_is_ignored_from_an_untrusted_peer(database_url: str) -> None:
    with TestClient(create_app(_settings(database_url, login_attempts=2))) as client:
        email = f"spoof-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": PASSWORD, "name": "Spoof"}
        assert client.post("/api/v1/auth/register", json=body).status_code == 201
        wrong = {"email": email, "password": "wrong-horse-battery"}
        codes = [
            client.post(LOGIN, json=wrong, headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
            for n in range(3)
        ]
    assert codes == [401, 401, 429]  # a new forged address per request changed nothing


def test_unknown_emails_take_as_long_as_known_ones(
    database_url: str, verifications: list[str | None]
) -> None:
    with TestClient(create_app(_settings(database_url, login_attempts=50))) as client:
        email = f"known-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": PASSWORD, "name": "Known"}
        assert client.post("/api/v1/auth/register", json=body).status_code == 201

        def seconds(who: str) -> float:
            start = time.perf_counter()
            answer = client.post(LOGIN, json={"email": who, "password": "wrong-horse-x"})
            assert answer.status_code == 401
            return time.perf_counter() - start

        known = [seconds(email) for _ in range(3)]
        unknown = [seconds(f"nobody-{n}-{uuid.uuid4().hex[:6]}@example.com") for n in range(3)]
    assert verifications.count(None) == 3  # each unknown e-mail was checked against a hash
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, (known, unknown)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_load_parallel_logins_keep_memory_and_other_requests(database_url: str) -> None:
    """80 parallel logins on loopback: every one answered (logged in, or a clean 503
    BUSY with Retry-After when a login would wait over 10 s for a hashing slot, as on a
    shared machine), the process's memory grows by far less than 80 Argon2 hashes
    (64 MiB each) would take, and a health check sent meanwhile keeps answering."""
    settings = _settings(database_url, login_attempts=1000, hash_concurrency=2)
    with _server(settings) as base:
        email = _register(base)
        right = {"email": email, "password": PASSWORD}
        baseline, peak, latencies = _rss_mb(), 0.0, []
        done = threading.Event()

        def watch() -> None:
            nonlocal peak
            with httpx.Client(base_url=base, timeout=30) as probe:
                while not done.is_set():
                    peak = max(peak, _rss_mb())
                    start = time.perf_counter()
                    assert probe.get("/health/live").status_code == 200
                    latencies.append(time.perf_counter() - start)
                    time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        started = time.perf_counter()
        try:
            statuses = _parallel(
                [lambda: httpx.post(f"{base}{LOGIN}", json=right, timeout=60)] * 80
            )
        finally:
            done.set()
            watcher.join()
        elapsed = time.perf_counter() - started
    assert set(statuses) <= {200, 503}
    assert statuses.count(200) >= 10
    growth = peak - baseline
    print(
        f"80 logins: {statuses.count(200)} in, {statuses.count(503)} busy, {elapsed:.1f} s, "
        f"RSS +{growth:.0f} MB, health check median {statistics.median(latencies):.3f} s, "
        f"max {max(latencies):.3f} s"
    )
    assert growth < 400, growth  # 80 concurrent hashes would need 5 GB
    assert len(latencies) >= 5
    # Loose bounds: the shared test machine runs ~10 processes per core. Before the
    # bounds, 80 logins held all 40 thread-pool threads for tens of seconds.
    assert statistics.median(latencies) < 1.0, latencies
    assert max(latencies) < 5.0, latencies
