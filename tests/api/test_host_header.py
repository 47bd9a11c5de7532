"""A forged ``Host`` header never comes back in a ``Location`` or a link."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from sigmasight.api.app import create_app
from sigmasight.config import Settings
from sigmasight.services.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.api.conftest import TEST_SECRET, Headers

EVIL = {"Host": "evil.example"}


def _web_login(client: TestClient) -> None:
    page = client.get("/login", headers=EVIL)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
    response = client.post("/login", data=form, headers=EVIL, follow_redirects=False)
    assert response.status_code == 303, response.text


def test_no_location_or_link_names_the_forged_host(
    client: TestClient, demo_headers: Headers
) -> None:
    run = {"start": "2022-12-28", "end": "2022-12-28", "portfolio_ids": [3]}
    requests = [
        client.get("/", headers=EVIL, follow_redirects=False),
        client.get("/portfolios", headers=EVIL, follow_redirects=False),
        client.get("/api/v1/portfolios/", headers={**EVIL, **demo_headers}, follow_redirects=False),
        client.post("/api/v1/batch/runs", json=run, headers={**EVIL, **demo_headers}),
    ]
    redirects = [r for r in requests if "location" in r.headers]
    assert len(redirects) == len(requests)  # each of them answers with a Location
    for response in redirects:
        assert "evil.example" not in response.headers["location"], response.headers["location"]
        assert response.headers["location"].startswith("/")
    _web_login(client)
    for path in ("/login", "/portfolios", "/portfolios/3", "/portfolios/3/risk", "/import"):
        page = client.get(path, headers=EVIL)
        assert page.status_code == 200, path
        assert "evil.example" not in page.text, path
    client.cookies.clear()


def test_configured_public_url_is_used_for_redirects(sqlite_api_url: str) -> None:
    settings = Settings(  # type: ignore[call-arg]
        database_url=sqlite_api_url,
        environment="test",
        jwt_secret=TEST_SECRET,
        public_url="https://risk.example.com",
    )
    with TestClient(create_app(settings)) as app_client:
        response = app_client.get("/", headers=EVIL, follow_redirects=False)
    assert response.headers["location"] == "/portfolios"  # relative stays relative
    slash = TestClient(create_app(settings)).get(
        "/api/v1/portfolios/", headers=EVIL, follow_redirects=False
    )
    assert slash.headers["location"] == "https://risk.example.com/api/v1/portfolios"
