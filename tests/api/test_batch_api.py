"""Batch runs through the API: queued by the API, run by a worker, polled, seen only by
their owner; limits on what one user may queue (issue 14, item 4).

The fixture databases are shared, so runs here cover only a portfolio the test creates,
over a few sessions of December 2022 (prices for the demo symbols are stored).
"""

from __future__ import annotations

import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sigmasight.services.resources import batch_runs
from sigmasight.services.resources.batch_runs import (
    RunPlan,
    execute_run,
    mint_run_id,
    run_belongs_to,
)
from sigmasight.services.worker import run_next
from sigmasight.storage.history import BatchRun, PortfolioSnapshot
from sigmasight.storage.uow import UnitOfWork

API = "/api/v1"
Headers = dict[str, str]
NewUser = Callable[[], Headers]
SECRET = "a-secret-for-run-ids"


def _portfolio_with_aapl(client: TestClient, headers: Headers) -> int:
    body = {"name": f"Batch {uuid.uuid4().hex[:8]}", "equity_balance": "20000"}
    response = client.post(f"{API}/portfolios", json=body, headers=headers)
    assert response.status_code == 201, response.text
    pid: int = response.json()["id"]
    position = {"symbol": "AAPL", "quantity": 100, "entry_price": 150, "entry_date": "2022-06-01"}
    created = client.post(f"{API}/portfolios/{pid}/positions", json=position, headers=headers)
    assert created.status_code == 201, created.text
    return pid


def _uow(client: TestClient) -> UnitOfWork:
    factory: Callable[[], UnitOfWork] = client.app.state.uow_factory  # type: ignore[attr-defined]
    return factory()


def _count_runs(client: TestClient) -> int:
    with _uow(client) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(BatchRun)) or 0)


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code, response.text


def test_run_ids_carry_their_owner() -> None:
    run_id = mint_run_id(SECRET, 42)
    assert str(uuid.UUID(run_id)) == run_id
    assert uuid.UUID(run_id).version == 4
    assert run_belongs_to(SECRET, 42, run_id)
    assert run_belongs_to(SECRET, 42, run_id.upper())
    assert not run_belongs_to(SECRET, 43, run_id)
    assert not run_belongs_to("another-secret", 42, run_id)
    assert not run_belongs_to(SECRET, 42, str(uuid.uuid4()))
    assert not run_belongs_to(SECRET, 42, "not-a-uuid")
    tampered = run_id[:-1] + ("0" if run_id[-1] != "0" else "1")
    assert not run_belongs_to(SECRET, 42, tampered)
    assert len({mint_run_id(SECRET, 42) for _ in range(100)}) == 100


def _work(client: TestClient, run_id: str) -> None:
    """What the worker process does with one queued run, here in the test's process."""
    settings = client.app.state.settings  # type: ignore[attr-defined]
    factory = client.app.state.uow_factory  # type: ignore[attr-defined]
    assert run_next(factory, settings, clock=lambda: datetime.now(UTC), run_id=run_id) == run_id


def test_run_is_queued_then_run_by_a_worker(client: TestClient, new_user: NewUser) -> None:
    headers = new_user()
    pid = _portfolio_with_aapl(client, headers)
    runs_before = _count_runs(client)
    body = {"start": "2022-12-05", "end": "2022-12-09"}
    accepted = client.post(f"{API}/batch/runs", json=body, headers=headers)
    assert accepted.status_code == 202, accepted.text
    queued = accepted.json()
    assert (queued["status"], queued["kind"], queued["portfolios"]) == ("queued", "backfill", 1)
    assert (queued["start_date"], queued["end_date"]) == ("2022-12-05", "2022-12-09")
    assert accepted.headers["location"].endswith(f"{API}/batch/runs/{queued['id']}")
    # The API only recorded the request: nothing ran in its process.
    still = client.get(f"{API}/batch/runs/{queued['id']}", headers=headers).json()
    assert (still["status"], still["timings"], still["finished_at"]) == ("queued", {}, None)

    _work(client, queued["id"])
    run = client.get(f"{API}/batch/runs/{queued['id']}", headers=headers).json()
    assert (run["status"], run["portfolios"], run["failed"], run["errors"]) == (
        "succeeded",
        1,
        0,
        {},
    )
    assert {"prices", "load", "portfolios", "persist_snapshots"} <= set(run["timings"])
    assert run["finished_at"] is not None
    assert run["finished_at"] >= run["started_at"]
    # One row per run: the runner's own row was folded into the API's.
    assert _count_runs(client) == runs_before + 1
    with _uow(client) as uow:
        days = uow.session.scalars(
            select(PortfolioSnapshot.snapshot_date).where(PortfolioSnapshot.portfolio_id == pid)
        )
        assert sorted(days) == [date(2022, 12, d) for d in (5, 6, 7, 8, 9)]


def test_run_without_sessions_is_refused(client: TestClient, new_user: NewUser) -> None:
    headers = new_user()
    pid = _portfolio_with_aapl(client, headers)
    body = {"start": "2022-12-24", "end": "2022-12-25", "portfolio_ids": [pid]}
    refused = client.post(f"{API}/batch/runs", json=body, headers=headers)
    _error(refused, 422, "NO_SESSIONS")


def test_run_requests_are_checked(client: TestClient, new_user: NewUser) -> None:
    alice, bob = new_user(), new_user()
    url = f"{API}/batch/runs"
    _error(client.post(url, json={"start": "2022-12-05"}, headers=alice), 422, "NO_PORTFOLIOS")
    alice_pid = _portfolio_with_aapl(client, alice)
    bob_pid = _portfolio_with_aapl(client, bob)
    cases = [
        ({"start": "2022-12-09", "end": "2022-12-05"}, 422, "BAD_RANGE"),
        ({"start": "2021-01-04", "end": "2022-12-09"}, 422, "RANGE_TOO_LONG"),
        ({"end": "2099-01-01"}, 422, "FUTURE_DATE"),
        ({"start": "2010-01-04", "end": "2010-01-08"}, 422, "OUTSIDE_PRICED_RANGE"),
        ({"end": "2022-12-09", "portfolio_ids": [alice_pid, bob_pid]}, 404, "NOT_FOUND"),
        ({"end": "2022-12-09", "portfolio_ids": [0]}, 422, "VALIDATION_ERROR"),
        ({"end": "2022-12-09", "portfolios": [alice_pid]}, 422, "VALIDATION_ERROR"),
    ]
    runs_before = _count_runs(client)
    for body, status, code in cases:
        _error(client.post(url, json=body, headers=alice), status, code)
    assert _count_runs(client) == runs_before


def test_runs_are_visible_only_to_who_started_them(
    client: TestClient, new_user: NewUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bob cannot read Alice's run, and a run shows errors only about the reader's own
    portfolios (the row is written directly, with an error about someone else's)."""
    alice, bob = new_user(), new_user()
    pid = _portfolio_with_aapl(client, alice)
    secret = client.app.state.settings.jwt_secret.get_secret_value()  # type: ignore[attr-defined]
    alice_id = client.get(f"{API}/auth/me", headers=alice).json()["id"]
    run_id = mint_run_id(secret, alice_id)
    with _uow(client) as uow:
        uow.session.add(
            BatchRun(
                id=run_id,
                kind="daily",
                start_date=date(2022, 12, 9),
                end_date=date(2022, 12, 9),
                started_at=datetime(2022, 12, 10, tzinfo=UTC),
                status="partial",
                timings={},
                errors={"0": "run note", str(pid): "own failure", "987654321": "someone else"},
                portfolios=2,
                failed=2,
            )
        )
        uow.commit()
    seen = client.get(f"{API}/batch/runs/{run_id}", headers=alice).json()
    assert seen["errors"] == {"0": "run note", str(pid): "own failure"}
    _error(client.get(f"{API}/batch/runs/{run_id}", headers=bob), 404, "NOT_FOUND")
    _error(client.get(f"{API}/batch/runs/{uuid.uuid4()}", headers=alice), 404, "NOT_FOUND")
    _error(client.get(f"{API}/batch/runs/nonsense", headers=alice), 404, "NOT_FOUND")
    unknown = mint_run_id(secret, alice_id)  # a valid id that names no run
    _error(client.get(f"{API}/batch/runs/{unknown}", headers=alice), 404, "NOT_FOUND")


def test_execute_run_never_raises(client: TestClient, new_user: NewUser) -> None:
    """A background task has nobody to raise to: a broken provider setting is recorded."""
    headers = new_user()
    pid = _portfolio_with_aapl(client, headers)
    settings = client.app.state.settings  # type: ignore[attr-defined]
    broken = settings.model_copy(update={"market_data_providers": "nowhere"})
    secret = settings.jwt_secret.get_secret_value()
    user_id = client.get(f"{API}/auth/me", headers=headers).json()["id"]
    run_id = mint_run_id(secret, user_id)
    with _uow(client) as uow:
        uow.session.add(
            BatchRun(
                id=run_id,
                kind="daily",
                start_date=date(2022, 12, 9),
                end_date=date(2022, 12, 9),
                started_at=datetime(2022, 12, 10, tzinfo=UTC),
                status="queued",
                timings={},
                errors={},
                portfolios=1,
                failed=0,
            )
        )
        uow.commit()
    plan = RunPlan(run_id, date(2022, 12, 9), date(2022, 12, 9), (pid,))
    finished = datetime(2022, 12, 10, 1, tzinfo=UTC)
    execute_run(client.app.state.uow_factory, broken, plan, clock=lambda: finished)  # type: ignore[attr-defined]
    run = client.get(f"{API}/batch/runs/{run_id}", headers=headers).json()
    assert run["status"] == "failed"
    assert run["errors"]["0"].startswith("ValueError: unknown market-data provider 'nowhere'")
    assert run["finished_at"] == "2022-12-10T01:00:00Z"


def test_a_date_outside_the_prices_is_refused_with_the_range(
    client: TestClient, new_user: NewUser
) -> None:
    headers = new_user()
    _portfolio_with_aapl(client, headers)
    with _uow(client) as uow:
        priced = batch_runs.priced_range(uow)
    assert priced is not None
    body = {"start": priced[1].isoformat(), "end": "2023-01-06"}
    refused = client.post(f"{API}/batch/runs", json=body, headers=headers)
    _error(refused, 422, "OUTSIDE_PRICED_RANGE")
    assert refused.json()["details"] == {"first": str(priced[0]), "last": str(priced[1])}


def test_a_run_too_large_is_refused(
    client: TestClient, new_user: NewUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = new_user()
    _portfolio_with_aapl(client, headers)
    monkeypatch.setattr(batch_runs, "MAX_POSITION_SESSIONS", 4)
    body = {"start": "2022-12-05", "end": "2022-12-09"}  # 1 position x 5 sessions
    refused = client.post(f"{API}/batch/runs", json=body, headers=headers)
    _error(refused, 422, "RUN_TOO_LARGE")
    assert refused.json()["details"] == {"positions": 1, "sessions": 5, "limit": 4}
    body = {"start": "2022-12-06", "end": "2022-12-09"}  # 1 x 4: allowed
    assert client.post(f"{API}/batch/runs", json=body, headers=headers).status_code == 202


def test_queued_runs_per_user_are_limited_and_cost_the_api_no_work(
    client: TestClient, new_user: NewUser
) -> None:
    """Each user may have MAX_ACTIVE_RUNS queued or running; queuing allocates next to
    nothing in the API process (it used to run each request's batch there)."""
    alice, bob = new_user(), new_user()
    _portfolio_with_aapl(client, alice)
    _portfolio_with_aapl(client, bob)
    body = {"start": "2022-01-03", "end": "2022-12-28"}
    tracemalloc.start()
    try:
        ids = []
        for _ in range(batch_runs.MAX_ACTIVE_RUNS):
            accepted = client.post(f"{API}/batch/runs", json=body, headers=alice)
            assert accepted.status_code == 202, accepted.text
            ids.append(accepted.json()["id"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, f"queuing {len(ids)} runs allocated {peak:,} bytes"
    for run_id in ids:
        assert client.get(f"{API}/batch/runs/{run_id}", headers=alice).json()["status"] == "queued"
    over = client.post(f"{API}/batch/runs", json=body, headers=alice)
    _error(over, 429, "TOO_MANY_RUNS")
    # Another user's queue is their own.
    assert client.post(f"{API}/batch/runs", json=body, headers=bob).status_code == 202
    # A finished run frees a place.
    _work(client, ids[0])
    again = client.post(f"{API}/batch/runs", json=body, headers=alice)
    assert again.status_code == 202, again.text
