"""A fresh user's book through the API, and a batch run of it through the run queue
(shared by the rebalancing and risk-limit tests)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from sigmasight.services.worker import run_next

API = "/api/v1"


def new_book(
    client: TestClient,
    prefix: str,
    equity: float,
    lots: Iterable[tuple[str, float, float]],
    entry_date: str = "2022-06-01",
) -> tuple[dict[str, str], int]:
    """Register a new user, open a book with ``equity`` and ``lots`` (symbol, quantity,
    price), all entered on ``entry_date``: its auth headers and portfolio id."""
    email = f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"
    password = f"{prefix}-horse-battery"
    body = {"email": email, "password": password, "name": prefix}
    assert client.post(f"{API}/auth/register", json=body).status_code == 201
    login = client.post(f"{API}/auth/login", json={"email": email, "password": password})
    h = {"Authorization": f"Bearer {login.json()['access_token']}"}
    body = {"name": f"{prefix} book", "equity_balance": str(equity)}
    pid = int(client.post(f"{API}/portfolios", json=body, headers=h).json()["id"])
    for symbol, quantity, price in lots:
        lot = {"symbol": symbol, "quantity": str(quantity), "entry_price": str(price)}
        lot["entry_date"] = entry_date
        made = client.post(f"{API}/portfolios/{pid}/positions", json=lot, headers=h)
        assert made.status_code == 201, made.text
    return h, pid


def run_book(client: TestClient, h: dict[str, str], pid: int, start: date, end: date) -> None:
    """Queue a batch run of the book over [start, end] and run it to the end."""
    run = {"start": start.isoformat(), "end": end.isoformat(), "portfolio_ids": [pid]}
    response = client.post(f"{API}/batch/runs", json=run, headers=h)
    assert response.status_code == 202, response.text
    app: Any = client.app
    run_next(
        app.state.uow_factory,
        app.state.settings,
        clock=lambda: datetime.now(UTC),
        run_id=response.json()["id"],
    )


def symbol_target(
    key: str, weight: float, half_band: float, threshold: float | None, frequency: str | None
) -> dict[str, Any]:
    """The body of a symbol target: ``weight`` within ``weight ± half_band``, with an
    absolute drift threshold when one is given."""
    return {
        "level": "symbol",
        "key": key,
        "target_weight": weight,
        "min_weight": weight - half_band,
        "max_weight": weight + half_band,
        "threshold": {"kind": "absolute", "value": threshold} if threshold else None,
        "frequency": frequency,
    }
