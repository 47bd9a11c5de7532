"""User stress scenarios (#22): create, list, read, replace, delete, validation and the
unique name per user; a saved scenario run through the service equals the POST run."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient

from sigmasight.services.analytics import stress_run
from sigmasight.services.resources import stress_scenarios
from sigmasight.storage.uow import UnitOfWork
from tests.api.conftest import Headers

API = "/api/v1/stress-scenarios"


def test_scenario_crud_round_trip(
    client: TestClient,
    new_user: Callable[[], Headers],
) -> None:
    h = new_user()
    name = f"crash-{uuid.uuid4().hex[:6]}"
    body = {"name": name, "shocks": {"market": -0.3, "momentum": -0.05}, "rate_bp": 25}
    created = client.post(API, json=body, headers=h)
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    assert created.json() == {"id": sid, **body, "vol_points": 0.0}
    assert client.post(API, json=body, headers=h).json()["code"] == "SCENARIO_EXISTS"
    assert [s["id"] for s in client.get(API, headers=h).json()] == [sid]
    replaced = client.put(f"{API}/{sid}", json={"name": name, "vol_points": 15}, headers=h)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["shocks"] == {}
    assert client.get(f"{API}/{sid}", headers=h).json()["vol_points"] == 15
    bad = client.post(API, json={"name": "x", "shocks": {"market": -2}}, headers=h)
    assert bad.status_code == 422
    other = new_user()
    assert client.get(f"{API}/{sid}", headers=other).status_code == 404
    assert client.delete(f"{API}/{sid}", headers=other).status_code == 404
    assert client.delete(f"{API}/{sid}", headers=h).status_code == 204
    assert client.get(f"{API}/{sid}", headers=h).status_code == 404


def test_a_saved_scenario_runs_like_the_inline_one(
    client: TestClient,
    demo_headers: Headers,
    ids: dict[str, int],
    owner: int,
    uow_factory: Callable[[], UnitOfWork],
) -> None:
    pid = ids["Long/Short Equity Fund"]
    body = {"name": f"saved-{uuid.uuid4().hex[:6]}", "shocks": {"value": 0.05}, "vol_points": 5}
    sid = client.post(API, json=body, headers=demo_headers).json()["id"]
    try:
        row = stress_scenarios.get_scenario(uow_factory, owner, sid)
        run = stress_run.run_scenario(
            uow_factory, owner, pid, stress_scenarios.as_scenario(row), None
        )
        inline = client.post(
            f"/api/v1/analytics/portfolio/{pid}/stress-tests/run", json=body, headers=demo_headers
        ).json()
        assert run.scenario.pnl == inline["scenario"]["pnl"]
        assert run.scenario.factor_moves["market"] != 0.0
    finally:
        client.delete(f"{API}/{sid}", headers=demo_headers)
