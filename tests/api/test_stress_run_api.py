"""POST .../stress-tests/run (#22): an ad-hoc scenario computed on request equals the
batch's stored figure for the same shocks (itself recomputed from raw rows by
tests/reference/test_stored_stress.py), and bad scenarios are refused with 422."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Headers, get

FUND = "Long/Short Equity Fund"
LATEST = "2022-12-28"


def _run(client: TestClient, headers: Headers, pid: int, body: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/analytics/portfolio/{pid}/stress-tests/run",
        headers=headers,
        params={"as_of": LATEST},
        json=body,
    )


@pytest.mark.parametrize(
    ("library", "body"),
    [
        ("market_down_10", {"name": "m", "shocks": {"market": -0.1}}),
        ("momentum_crash", {"name": "m", "shocks": {"momentum": -0.1}}),
        ("vol_up_10", {"name": "v", "vol_points": 10}),
        ("rates_up_100bp", {"name": "r", "rate_bp": 100}),
    ],
)
def test_an_ad_hoc_scenario_equals_the_stored_library_one(
    client: TestClient,
    demo_headers: Headers,
    ids: dict[str, int],
    library: str,
    body: dict[str, Any],
) -> None:
    pid = ids[FUND]
    stored = get(client, demo_headers, pid, "stress-tests", as_of=LATEST)
    want = next(s for s in stored["scenarios"] if s["key"] == library)
    response = _run(client, demo_headers, pid, body)
    assert response.status_code == 200, response.text
    got = response.json()
    assert got["as_of"] == LATEST
    sc = got["scenario"]
    assert sc["pnl"] == pytest.approx(want["pnl"], rel=1e-9, abs=1e-6)
    assert sc["option_pnl"] == pytest.approx(want["option_pnl"], rel=1e-9, abs=1e-6)
    assert sc["factor_moves"] == pytest.approx(want["factor_moves"], rel=1e-9, abs=1e-15)
    assert sc["factor_moves"]["market"] != 0.0 or library in ("vol_up_10", "rates_up_100bp")
    served = {p["position_id"]: p["pnl"] for p in sc["positions"]}
    assert served == pytest.approx({p["position_id"]: p["pnl"] for p in want["positions"]})


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "shocks": {"nonsense": -0.1}},
        {"name": "x", "shocks": {"market": -1.5}},
        {"name": "x", "shocks": {"market": 0.0}},
        {"name": "x"},
        {"name": "", "shocks": {"market": -0.1}},
        {"name": "x", "rate_bp": 1e6},
        {"name": "x", "vol_points": 500},
        {"name": "x", "shocks": {"market": -0.1}, "extra": 1},
    ],
)
def test_bad_scenarios_are_refused(
    client: TestClient, demo_headers: Headers, ids: dict[str, int], body: dict[str, Any]
) -> None:
    response = _run(client, demo_headers, ids[FUND], body)
    assert response.status_code == 422, response.text
    assert "code" in response.json()


def test_a_run_on_another_users_portfolio_is_not_found(
    client: TestClient, new_user: Callable[[], Headers], ids: dict[str, int]
) -> None:
    response = _run(client, new_user(), ids[FUND], {"name": "x", "shocks": {"market": -0.1}})
    assert response.status_code == 404
