"""A new user's dates: weekends and holidays answer the previous session, and say so."""

from __future__ import annotations

import re

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


def test_docs_work_offline(client: TestClient) -> None:
    """/docs and /redoc load their scripts and styles from this server, not a CDN."""
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html.text)
        assert assets, html.text
        for url in assets:
            assert url.startswith("/"), f"{page} loads {url} from another host"
            asset = client.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 1_000
    assert "SwaggerUIBundle" in client.get("/docs").text
    assert client.get("/openapi.json").json()["info"]["title"] == "SigmaSight API"


def test_prices_without_dates_default_to_the_datas_last_year(
    client: TestClient, demo_headers: Headers
) -> None:
    """Not the wall clock's year: the demo data end on 2022-12-28."""
    body = client.get("/api/v1/prices/AAPL", headers=demo_headers).json()
    assert body["end"] == "2022-12-28"
    assert body["start"] == "2021-12-28"
    days = [p["date"] for p in body["prices"]]
    assert days[0] == "2021-12-28"
    assert days[-1] == "2022-12-28"
    assert len(days) == 253  # both ends included
    explicit = client.get(
        "/api/v1/prices/AAPL",
        params={"start": "2021-12-28", "end": "2022-12-28"},
        headers=demo_headers,
    ).json()
    assert explicit == body
    only_start = client.get(
        "/api/v1/prices/AAPL", params={"start": "2022-12-01"}, headers=demo_headers
    ).json()
    assert only_start["end"] == "2022-12-28"
    assert only_start["prices"] == body["prices"][-len(only_start["prices"]) :]
    later = client.get("/api/v1/prices/AAPL", params={"start": "2023-02-01"}, headers=demo_headers)
    assert later.status_code == 200
    assert later.json()["prices"] == []
