"""Cached analytics answers: served only at the revision they were computed at, only to
their owner, only while the token is valid; shared computation; bounded size."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from sigmasight.api.answers import AnswerCache
from sigmasight.api.readers import Reader
from sigmasight.services.demo import DEMO_EMAIL, DEMO_PASSWORD
from sigmasight.storage.models import DataRevision, Portfolio
from sigmasight.storage.uow import UnitOfWork
from tests.api.conftest import Headers, login

BASE = "/api/v1/analytics/portfolio"


def _answers(client: TestClient) -> AnswerCache:
    cache: AnswerCache = client.app.state.answers  # type: ignore[attr-defined]
    return cache


def _factory(client: TestClient) -> Callable[[], UnitOfWork]:
    factory: Callable[[], UnitOfWork] = client.app.state.uow_factory  # type: ignore[attr-defined]
    return factory


def _demo_portfolio(client: TestClient, headers: Headers) -> dict[str, object]:
    listed = client.get("/api/v1/portfolios", headers=headers).json()
    first: dict[str, object] = sorted(listed, key=lambda p: p["id"])[0]
    return first


def test_a_repeated_request_is_served_from_the_cache_with_an_etag(
    client: TestClient, demo_headers: Headers
) -> None:
    pid = _demo_portfolio(client, demo_headers)["id"]
    url = f"{BASE}/{pid}/positions/risk"
    first = client.get(url, headers=demo_headers)
    hits = _answers(client).hits
    second = client.get(url, headers=demo_headers)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert _answers(client).hits == hits + 1
    etag = second.headers["etag"]
    assert etag == first.headers["etag"]
    assert etag.startswith('"')
    assert second.headers["cache-control"] == "private, no-cache"
    unchanged = client.get(url, headers={**demo_headers, "If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    stale = client.get(url, headers={**demo_headers, "If-None-Match": '"other"'})
    assert stale.status_code == 200
    assert stale.content == first.content


def test_a_write_through_the_api_invalidates_the_answer(
    client: TestClient, demo_headers: Headers
) -> None:
    portfolio = _demo_portfolio(client, demo_headers)
    pid, name = portfolio["id"], str(portfolio["name"])
    url = f"{BASE}/{pid}/overview"
    assert client.get(url, headers=demo_headers).json()["name"] == name
    renamed = f"{name} (renamed)"
    patched = client.patch(
        f"/api/v1/portfolios/{pid}", headers=demo_headers, json={"name": renamed}
    )
    assert patched.status_code == 200, patched.text
    try:
        assert client.get(url, headers=demo_headers).json()["name"] == renamed
    finally:
        client.patch(f"/api/v1/portfolios/{pid}", headers=demo_headers, json={"name": name})
    assert client.get(url, headers=demo_headers).json()["name"] == name


def test_a_write_by_another_process_invalidates_the_answer(
    client: TestClient, demo_headers: Headers, api_database_url: str
) -> None:
    """A commit through another engine (as the batch's process makes) is seen at once."""
    from sigmasight.storage.db import make_engine, make_session_factory

    portfolio = _demo_portfolio(client, demo_headers)
    pid, name = int(str(portfolio["id"])), str(portfolio["name"])
    url = f"{BASE}/{pid}/overview"
    client.get(url, headers=demo_headers)
    other = make_engine(api_database_url)
    factory = make_session_factory(other)

    def rename(to: str) -> None:
        with UnitOfWork(factory) as uow:
            found = uow.session.get(Portfolio, pid)
            assert found is not None
            found.name = to
            uow.commit()

    try:
        rename("Renamed elsewhere")
        assert client.get(url, headers=demo_headers).json()["name"] == "Renamed elsewhere"
    finally:
        rename(name)
        other.dispose()
    assert client.get(url, headers=demo_headers).json()["name"] == name


def test_an_owners_cached_answer_is_never_served_to_another_user(
    client: TestClient, demo_headers: Headers, new_user: Callable[[], Headers]
) -> None:
    pid = _demo_portfolio(client, demo_headers)["id"]
    url = f"{BASE}/{pid}/concentration"
    assert client.get(url, headers=demo_headers).status_code == 200
    assert client.get(url, headers=demo_headers).status_code == 200  # cached now
    intruder = client.get(url, headers=new_user())
    assert intruder.status_code == 404
    assert intruder.json()["code"] == "NOT_FOUND"
    assert str(pid) in intruder.json()["message"]


def test_a_revoked_token_gets_no_cached_answer(client: TestClient) -> None:
    headers = login(client, DEMO_EMAIL, DEMO_PASSWORD)
    pid = _demo_portfolio(client, headers)["id"]
    url = f"{BASE}/{pid}/sector-exposure"
    assert client.get(url, headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    refused = client.get(url, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "UNAUTHORIZED"


def test_every_commit_advances_the_revision_and_a_rollback_does_not(
    client: TestClient,
) -> None:
    factory = _factory(client)

    def revision() -> int:
        with factory() as uow:
            row = uow.session.get(DataRevision, 1)
            assert row is not None
            return row.value

    before = revision()
    with factory() as uow:
        uow.commit()
    assert revision() == before + 1
    with factory() as uow:
        uow.session.get(DataRevision, 1)
    assert revision() == before + 1


# --------------------------------------------------------------------------- the cache


class _Answer(BaseModel):
    value: int


def _request() -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": []})


def test_concurrent_misses_share_one_computation() -> None:
    cache = AnswerCache()
    calls: list[int] = []
    lock = threading.Lock()

    def compute() -> _Answer:
        with lock:
            calls.append(1)
        time.sleep(0.05)
        return _Answer(value=7)

    async def many() -> list[bytes]:
        reader = Reader(user_id=1, revision=3)
        responses = await asyncio.gather(
            *(cache.respond(_request(), reader, ("k",), compute) for _ in range(20))
        )
        return [bytes(r.body) for r in responses]

    bodies = asyncio.run(many())
    assert calls == [1]
    assert bodies == [b'{"value":7}'] * 20
    assert (cache.hits, cache.misses) == (0, 20)


def test_a_new_revision_recomputes_and_a_failure_is_not_cached() -> None:
    cache = AnswerCache()
    values = iter([1, 2])

    def compute() -> _Answer:
        return _Answer(value=next(values))

    def failing() -> _Answer:
        raise LookupError("no snapshot")

    async def scenario() -> list[bytes]:
        seen = []
        for revision in (1, 1, 2):
            response = await cache.respond(_request(), Reader(1, revision), ("k",), compute)
            seen.append(bytes(response.body))
        for _ in range(2):
            with pytest.raises(LookupError):
                await cache.respond(_request(), Reader(1, 2), ("bad",), failing)
        return seen

    assert asyncio.run(scenario()) == [b'{"value":1}', b'{"value":1}', b'{"value":2}']
    assert len(cache) == 1


def test_an_older_revisions_late_answer_does_not_replace_a_newer_one() -> None:
    cache = AnswerCache()
    release = threading.Event()

    def slow_old() -> _Answer:
        release.wait(5)
        return _Answer(value=1)

    async def scenario() -> bytes:
        old = asyncio.ensure_future(cache.respond(_request(), Reader(1, 1), ("k",), slow_old))
        await asyncio.sleep(0.01)
        await cache.respond(_request(), Reader(1, 2), ("k",), lambda: _Answer(value=2))
        release.set()
        await old
        newer = await cache.respond(_request(), Reader(1, 2), ("k",), lambda: _Answer(value=3))
        return bytes(newer.body)

    assert asyncio.run(scenario()) == b'{"value":2}'
    assert cache.hits == 1


def test_the_cache_is_bounded_by_entries_and_bytes() -> None:
    cache = AnswerCache(max_entries=2, max_bytes=40)
    asyncio.run(_fill_into(cache, ["a", "b", "a", "c"]))
    assert len(cache) == 2
    assert cache.hits == 1
    asyncio.run(_fill_into(cache, ["a"]))  # "b" was the least recently used
    assert cache.hits == 2
    small = AnswerCache(max_entries=10, max_bytes=15)  # 11 bytes an answer
    asyncio.run(_fill_into(small, ["a", "b", "c"]))
    assert len(small) == 1
    tiny = AnswerCache(max_entries=10, max_bytes=5)  # an answer too big is not kept
    asyncio.run(_fill_into(tiny, ["a"]))
    assert len(tiny) == 0


async def _fill_into(cache: AnswerCache, keys: list[str]) -> None:
    for key in keys:
        await cache.respond(_request(), Reader(1, 1), (key,), lambda: _Answer(value=1))


def test_an_unreachable_database_answers_503_not_500() -> None:
    """Nothing listens on port 1: every route that needs the database says so with a
    stable code the client can retry on, whether it is checked in a batch or alone."""
    from datetime import UTC, datetime

    from sigmasight.api.app import create_app
    from sigmasight.api.security import issue_token
    from sigmasight.config import Settings
    from tests.api.conftest import TEST_SECRET

    settings = Settings(  # type: ignore[call-arg]
        database_url="postgresql://postgres@127.0.0.1:1/nothing",
        environment="test",
        jwt_secret=TEST_SECRET,
    )
    token = issue_token(settings, 1, "access", datetime.now(UTC), "no-such-key")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings)) as client:
        for path in (f"{BASE}/1/overview", "/api/v1/portfolios"):
            response = client.get(path, headers=headers)
            assert response.status_code == 503, response.text
            assert response.json()["code"] == "DATABASE_UNAVAILABLE"
            assert response.headers["retry-after"] == "5"


def test_concurrent_checks_share_a_visit_and_refuse_revoked_or_unknown(
    client: TestClient, api_database_url: str
) -> None:
    from sigmasight.api.readers import ReaderChecks
    from sigmasight.api.security import decode_token
    from sigmasight.storage.db import make_reader_engine

    headers = login(client, DEMO_EMAIL, DEMO_PASSWORD)
    settings = client.app.state.settings  # type: ignore[attr-defined]
    claims = decode_token(settings, headers["Authorization"].split()[1], "access")
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    engine = make_reader_engine(api_database_url)
    checks = ReaderChecks(engine)

    async def many() -> list[Reader | None]:
        # Tokens of another login of the same account: the logout ended only its own.
        fresh = [replace(claims, jti=f"fresh-{i}", family=f"family-{i}") for i in range(30)]
        asks = [checks.check(c) for c in fresh]
        unknown = replace(claims, user_id=10**9, jti="fresh-x", family="family-x")
        asks += [checks.check(claims), checks.check(unknown)]
        return await asyncio.gather(*asks)

    try:
        answers = asyncio.run(many())
    finally:
        engine.dispose()
    assert checks.visits <= 2  # the first request's visit, then everyone who queued
    good = answers[:30]
    assert all(r is not None and r.user_id == claims.user_id for r in good)
    assert len({r.revision for r in good if r is not None}) <= 2
    assert all(isinstance(r.revision, int) for r in good if r is not None)
    assert answers[30] is None  # revoked by the logout
    assert answers[31] is None  # no such account
