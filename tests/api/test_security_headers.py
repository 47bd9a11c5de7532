"""Security headers on every answer: pages, API answers, errors, redirects."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Headers

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _check(response: object, where: str) -> dict[str, str]:
    headers = {k.lower(): v for k, v in response.headers.items()}  # type: ignore[attr-defined]
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, (where, name, headers.get(name))
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy, where
    assert "'unsafe-eval'" not in policy, where
    return headers


def test_every_kind_of_answer_has_the_headers(client: TestClient, demo_headers: Headers) -> None:
    answers = {
        "login page": client.get("/login"),
        "redirect": client.get("/", follow_redirects=False),
        "api answer": client.get("/api/v1/portfolios", headers=demo_headers),
        "cached analytics": client.get(
            "/api/v1/analytics/portfolio/3/overview", headers=demo_headers
        ),
        "401": client.get("/api/v1/portfolios"),
        "404": client.get("/api/v1/nothing-here"),
        "422": client.post("/api/v1/auth/login", json={}),
        "health": client.get("/health/live"),
        "static": client.get("/static/app.css"),
    }
    for where, response in answers.items():
        headers = _check(response, where)
        policy = headers["content-security-policy"]
        assert "script-src 'self';" in policy, where  # no inline script anywhere
        assert "unsafe-inline" not in policy, where
        assert "strict-transport-security" not in headers, where  # plain HTTP
    assert answers["api answer"].headers["cache-control"] == "no-store"
    assert answers["login page"].headers["cache-control"] == "no-store"
    # The analytics cache keeps its revalidation (private, never shared caches).
    assert answers["cached analytics"].headers["cache-control"] == "private, no-cache"
    assert "no-store" not in answers["static"].headers.get("cache-control", "")


def test_hsts_over_tls_and_the_docs_policy(client: TestClient) -> None:
    tls = TestClient(client.app, base_url="https://testserver")
    assert tls.get("/health/live").headers["strict-transport-security"].startswith("max-age=")
    docs = client.get("/docs")
    _check(docs, "docs")
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]


def test_authenticated_pages_are_not_stored(client: TestClient) -> None:
    import re

    from sigmasight.services.demo import DEMO_EMAIL, DEMO_PASSWORD

    browser = TestClient(client.app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
    assert token is not None
    form = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
    assert browser.post("/login", data=form, follow_redirects=False).status_code == 303
    for path in ("/portfolios", "/portfolios/3", "/portfolios/3/holdings", "/import"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert _check(response, path)["cache-control"] == "no-store"
