"""Auth: register, login, refresh, me, logout, rate limit, secrets, health."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from sigmasight.api.app import create_app
from sigmasight.api.security import ALGORITHM
from sigmasight.config import Settings
from sigmasight.storage.db import make_engine
from sigmasight.storage.login_throttle import LoginThrottle, throttle_key
from sigmasight.storage.migrate import upgrade
from tests.api.conftest import TEST_SECRET

PASSWORD = "correct-horse-battery"


def _register(client: TestClient) -> str:
    email = f"auth-{uuid.uuid4().hex[:10]}@example.com"
    response = client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Auth"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == email
    assert "password" not in response.text
    return email


def test_register_login_me_refresh_logout(client: TestClient) -> None:
    email = _register(client)
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 30 * 60
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["email"] == email

    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert (reused.status_code, reused.json()["code"]) == (401, "INVALID_TOKEN")
    # An access token is not a refresh token, and the other way round.
    wrong = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert wrong.status_code == 401
    bad = {"Authorization": f"Bearer {refreshed.json()['refresh_token']}"}
    assert client.get("/api/v1/auth/me", headers=bad).status_code == 401
    # The spent refresh token came back: it was copied, so its whole login family ends.
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    again = {"refresh_token": refreshed.json()["refresh_token"]}
    assert client.post("/api/v1/auth/refresh", json=again).status_code == 401

    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    after = client.get("/api/v1/auth/me", headers=headers)
    assert (after.status_code, after.json()["code"]) == (401, "UNAUTHORIZED")


def test_duplicate_email_and_bad_payloads(client: TestClient) -> None:
    email = _register(client)
    again = client.post(
        "/api/v1/auth/register", json={"email": email.upper(), "password": PASSWORD, "name": "X"}
    )
    assert (again.status_code, again.json()["code"]) == (409, "EMAIL_TAKEN")
    short = client.post(
        "/api/v1/auth/register", json={"email": "x@example.com", "password": "short", "name": "X"}
    )
    assert short.status_code == 422
    body = short.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert body["details"][0]["location"] == ["body", "password"]


def test_wrong_password_then_rate_limited(client: TestClient) -> None:
    email = _register(client)
    for _ in range(5):
        wrong = client.post("/api/v1/auth/login", json={"email": email, "password": "nope-nope"})
        assert (wrong.status_code, wrong.json()["code"]) == (401, "INVALID_CREDENTIALS")
    blocked = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert (blocked.status_code, blocked.json()["code"]) == (429, "TOO_MANY_ATTEMPTS")
    assert int(blocked.headers["Retry-After"]) > 0


def test_login_throttle_window_and_release(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'throttle.db'}")
    upgrade(engine)
    throttle = LoginThrottle(engine, window_seconds=10)
    key, other = throttle_key("pair", "a@example.com", "1.2.3.4"), throttle_key("account", "a")
    assert throttle.reserve({key: 2}, now=0) == 0
    assert throttle.reserve({key: 2}, now=1) == 0
    assert throttle.reserve({key: 2, other: 9}, now=2) == 8  # the window began at 0
    assert throttle.reserve({other: 1}, now=3) == 0  # the refused attempt was not counted
    assert throttle.reserve({key: 2}, now=10.5) == 0  # a new window
    throttle.release(forget=[key], give_back=[other])
    assert throttle.reserve({key: 1}, now=11) == 0
    assert throttle.reserve({other: 1}, now=11) == 0  # its reservation was given back
    assert throttle.reserve({other: 1}, now=11) == 2  # its window began at 3
    engine.dispose()


def test_expired_and_forged_tokens_are_refused(client: TestClient) -> None:
    past = datetime.now(UTC) - timedelta(hours=2)
    claims = {
        "sub": "1",
        "type": "access",
        "jti": "x",
        "uk": "k",
        "fam": "f",
        "iat": past,
        "exp": past,
    }
    expired = jwt.encode(claims, TEST_SECRET, algorithm=ALGORITHM)
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert "expired" in response.json()["message"]
    future = datetime.now(UTC) + timedelta(hours=1)
    forged = jwt.encode({**claims, "exp": future}, "x" * 40, algorithm=ALGORITHM)
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert client.get("/api/v1/auth/me").json()["code"] == "UNAUTHORIZED"


def test_app_refuses_default_secret_outside_development() -> None:
    with pytest.raises(ValidationError, match="SIGMASIGHT_JWT_SECRET"):
        create_app(Settings(environment="production", _env_file=None))  # type: ignore[call-arg]


def test_health(client: TestClient) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    assert client.get("/health/ready").json() == {"status": "ok"}


def test_unknown_route_is_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"code": "NOT_FOUND", "message": "Not Found", "details": None}
