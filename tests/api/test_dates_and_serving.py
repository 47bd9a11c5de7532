"""A new user's dates: weekends and holidays answer the previous session, and say so."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Headers

FUND = 3
ROUTES = ["overview", "market-beta", "volatility", "sector-exposure", "concentration"]


@pytest.mark.parametrize("route", [*ROUTES, "positions/risk"])
@pytest.mark.parametrize("asked", ["2022-12-24", "2022-12-25", "2022-12-26"])
def test_a_non_session_answers_the_previous_session_and_says_so(
    client: TestClient, demo_headers: Headers, route: str, asked: str
) -> None:
    base = f"/api/v1/analytics/portfolio/{FUND}/{route}"
    moved = client.get(base, params={"as_of": asked}, headers=demo_headers)
    assert moved.status_code == 200, moved.text
    friday = client.get(base, params={"as_of": "2022-12-23"}, headers=demo_headers).json()
    body = moved.json()
    assert body["as_of"] == "2022-12-23"  # Saturday, Sunday, the Christmas holiday
    assert body["as_of_requested"] == asked
    assert "not a trading session" in body["as_of_note"]
    assert "2022-12-23" in body["as_of_note"]
    assert friday["as_of_requested"] is None
    assert friday["as_of_note"] is None
    strip = ("as_of_requested", "as_of_note")
    assert {k: v for k, v in body.items() if k not in strip} == {
        k: v for k, v in friday.items() if k not in strip
    }


def test_a_session_without_a_snapshot_is_still_404(
    client: TestClient, demo_headers: Headers
) -> None:
    response = client.get(
        f"/api/v1/analytics/portfolio/{FUND}/overview",
        params={"as_of": "2022-11-01"},
        headers=demo_headers,
    )
    assert response.status_code == 404
    assert response.json()["code"] == "NO_SNAPSHOT"
