"""``sigmasight rebalance`` end to end on the API tests' database: targets, proposals,
events (create, approve, cancel), limits and alerts, with refusals as clear errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sigmasight.cli.main import app as cli
from sigmasight.services.worker import run_next

API = "/api/v1"
runner = CliRunner()


@pytest.fixture(scope="module")
def book(client: TestClient) -> dict[str, Any]:
    email = f"cli-{uuid.uuid4().hex[:10]}@example.com"
    password = "cli-horse-battery"
    body = {"email": email, "password": password, "name": "C"}
    assert client.post(f"{API}/auth/register", json=body).status_code == 201
    login = client.post(f"{API}/auth/login", json={"email": email, "password": password})
    h = {"Authorization": f"Bearer {login.json()['access_token']}"}
    body = {"name": "CLI book", "equity_balance": "60000"}
    pid = client.post(f"{API}/portfolios", json=body, headers=h).json()["id"]
    for symbol, quantity, price in (("AAPL", 150, 140.0), ("XOM", 150, 90.0)):
        lot = {"symbol": symbol, "quantity": str(quantity), "entry_price": str(price)}
        lot["entry_date"] = "2022-06-01"
        assert client.post(f"{API}/portfolios/{pid}/positions", json=lot, headers=h).is_success
    run = {"start": "2022-12-27", "end": "2022-12-28", "portfolio_ids": [pid]}
    run_id = client.post(f"{API}/batch/runs", json=run, headers=h).json()["id"]
    app: Any = client.app
    run_next(
        app.state.uow_factory, app.state.settings, clock=lambda: datetime.now(UTC), run_id=run_id
    )
    url = app.state.settings.resolved_database_url
    return {"pid": str(pid), "args": ["--owner", email, "--database-url", url]}


def _cli(book: dict[str, Any], *args: str, code: int = 0) -> str:
    result = runner.invoke(cli, ["rebalance", *args, *book["args"]])
    assert result.exit_code == code, result.output
    return result.output


def test_targets_proposals_events(book: dict[str, Any]) -> None:
    pid = book["pid"]
    added = _cli(
        book,
        "target-add",
        pid,
        "--level",
        "symbol",
        "--key",
        "AAPL",
        "--target",
        "0.2",
        "--min",
        "0.15",
        "--max",
        "0.25",
        "--threshold",
        "0.02",
        "--frequency",
        "monthly",
        "--effective-from",
        "2022-01-03",
    )
    assert "AAPL at 20.00 %" in added
    refused = _cli(
        book,
        "target-add",
        pid,
        "--level",
        "symbol",
        "--key",
        "NOPE",
        "--target",
        "0.2",
        "--min",
        "0.3",
        "--max",
        "0.4",
        code=2,
    )
    assert "INVALID_TARGETS" in refused
    assert "BAND_EXCLUDES_TARGET" in refused
    assert "UNKNOWN_SYMBOL" in refused
    listed = _cli(book, "targets", pid)
    assert "AAPL" in listed
    assert "2022-01-03" in listed  # the date it applies from
    assert "NOPE" not in listed
    assert "AAPL" not in _cli(book, "targets", pid, "--as-of", "2022-01-02")
    shown = _cli(book, "proposals", pid, "--variant", "back_to_target")
    assert "back_to_target on 2022-12-28: feasible" in shown
    assert "AAPL" in shown
    assert "sell" in shown
    created = _cli(book, "event-create", pid, "--note", "from the CLI")
    event_id = created.split()[1]
    assert "pending" in created
    assert "approved" in _cli(book, "approve", pid, event_id)
    assert "cancelled" in _cli(book, "cancel", pid, event_id)
    assert "INVALID_STATUS" in _cli(book, "approve", pid, event_id, code=2)
    assert "cancelled" in _cli(book, "events", pid)


def test_limits_and_alerts(book: dict[str, Any]) -> None:
    pid = book["pid"]
    assert "Limit" in _cli(book, "limit-add", pid, "--metric", "beta", "--upper", "0.5")
    assert "--metric must be one of" in _cli(book, "limit-add", pid, "--metric", "x", code=2)
    assert "beta" in _cli(book, "limits", pid)
    assert "Alerts of portfolio" in _cli(book, "alerts", pid)
    assert "not found" in _cli(book, "limits", "999999", code=2)
