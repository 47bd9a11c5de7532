"""``/health/ready`` says ready or not, and nothing about the database behind it."""

from __future__ import annotations

import socket

from fastapi.testclient import TestClient

from sigmasight.api.app import create_app
from sigmasight.config import Settings
from tests.api.conftest import TEST_SECRET


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_not_ready_names_no_host_port_user_or_driver_error() -> None:
    port = _closed_port()
    url = f"postgresql+psycopg://secretuser:pw@127.0.0.1:{port}/hiddendb?connect_timeout=2"
    settings = Settings(database_url=url, environment="test", jwt_secret=TEST_SECRET)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"code": "NOT_READY", "message": "not ready", "details": None}
    for secret in (str(port), "127.0.0.1", "secretuser", "hiddendb", "psycopg", "connection"):
        assert secret not in response.text


def test_ready(client: TestClient) -> None:
    assert client.get("/health/ready").json() == {"status": "ok"}
