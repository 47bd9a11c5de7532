"""Rebalancing events: manual creation, approve / cancel, completion as position changes
(all or nothing, a failure half-way writes nothing), and the audit trail."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sigmasight.services.worker import run_next
from sigmasight.storage.rebalancing import RebalancingEvent

#: Targets valid from before every date these tests use (targets are point in time).
SINCE = {"effective_from": "2022-01-01"}

API = "/api/v1"
LOTS = [
    ("AAPL", 100, 140.0, "2022-05-02"),
    ("AAPL", 60, 160.0, "2022-06-01"),
    ("MSFT", 60, 270.0, "2022-06-01"),
    ("XOM", 150, 90.0, "2022-06-01"),
]
TARGETS = {"AAPL": 0.10, "MSFT": 0.2, "XOM": 0.25}


@pytest.fixture(scope="module")
def book(client: TestClient) -> dict[str, Any]:
    email = f"events-{uuid.uuid4().hex[:10]}@example.com"
    password = "events-horse-battery"
    assert (
        client.post(
            f"{API}/auth/register", json={"email": email, "password": password, "name": "E"}
        ).status_code
        == 201
    )
    login = client.post(f"{API}/auth/login", json={"email": email, "password": password})
    h = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = client.get(f"{API}/auth/me", headers=h).json()["id"]
    body = {"name": "Events book", "equity_balance": "80000"}
    pid = client.post(f"{API}/portfolios", json=body, headers=h).json()["id"]
    base = f"{API}/portfolios/{pid}"
    for symbol, quantity, price, day in LOTS:
        lot = {"symbol": symbol, "quantity": str(quantity), "entry_price": str(price)}
        lot["entry_date"] = day
        assert client.post(f"{base}/positions", json=lot, headers=h).status_code == 201
    targets = [
        {
            "level": "symbol",
            "key": k,
            "target_weight": w,
            "min_weight": w - 0.02,
            "max_weight": w + 0.02,
        }
        for k, w in TARGETS.items()
    ]
    assert client.put(f"{base}/targets", json=targets, headers=h, params=SINCE).status_code == 200
    run = {"start": "2022-12-27", "end": "2022-12-28", "portfolio_ids": [pid]}
    run_id = client.post(f"{API}/batch/runs", json=run, headers=h).json()["id"]
    app: Any = client.app
    run_next(
        app.state.uow_factory, app.state.settings, clock=lambda: datetime.now(UTC), run_id=run_id
    )
    return {"base": base, "h": h, "user": me, "pid": pid}


def _post(
    client: TestClient, book: dict[str, Any], path: str, status: int = 200, **body: Any
) -> Any:
    response = client.post(
        f"{book['base']}/rebalancing{path}", json=body or None, headers=book["h"]
    )
    assert response.status_code == status, response.text
    return response.json()


def _positions(client: TestClient, book: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = client.get(f"{book['base']}/positions", headers=book["h"]).json()
    return rows


def test_approve_and_cancel_with_audit(client: TestClient, book: dict[str, Any]) -> None:
    event = _post(client, book, "/events", 201, note="quarterly review")
    assert (event["kind"], event["status"], event["created_by"]) == (
        "manual",
        "pending",
        book["user"],
    )
    assert event["trigger_date"] == "2022-12-28"
    assert event["proposal"]["variant"] == "back_to_target"
    approved = _post(client, book, f"/events/{event['id']}/approve", note="ok")
    assert approved["status"] == "approved"
    cancelled = _post(client, book, f"/events/{event['id']}/cancel")
    assert cancelled["status"] == "cancelled"
    refused = client.post(
        f"{book['base']}/rebalancing/events/{event['id']}/approve", headers=book["h"]
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "INVALID_STATUS"
    trail = cancelled["audit"]
    assert [a["action"] for a in trail] == ["created", "approve", "cancel"]
    assert {a["actor_id"] for a in trail} == {book["user"]}
    assert trail[1]["detail"] == {"from": "pending", "note": "ok"}
    assert trail[0]["at"] <= trail[1]["at"] <= trail[2]["at"]
    listed = client.get(
        f"{book['base']}/rebalancing/events", params={"status": "cancelled"}, headers=book["h"]
    ).json()
    assert event["id"] in {e["id"] for e in listed}


def test_completion_applies_the_trades(client: TestClient, book: dict[str, Any]) -> None:
    before = _positions(client, book)
    flows = client.get(f"{book['base']}/equity-changes", headers=book["h"]).json()
    event = _post(client, book, "/events", 201)
    trades = event["proposal"]["trades"]
    assert event["proposal"]["feasible"]
    assert trades
    _post(client, book, f"/events/{event['id']}/approve")
    done = _post(client, book, f"/events/{event['id']}/complete")
    assert done["status"] == "completed"
    assert [a["action"] for a in done["audit"]] == ["created", "approve", "completed"]
    today = date.today().isoformat()
    after = _positions(client, book)
    open_now: dict[str, Decimal] = {}
    for p in after:
        if p["exit_date"] is None:
            open_now[p["symbol"]] = open_now.get(p["symbol"], Decimal(0)) + Decimal(p["quantity"])
    expected: dict[str, Decimal] = {}
    for p in before:
        expected[p["symbol"]] = expected.get(p["symbol"], Decimal(0)) + Decimal(p["quantity"])
    for t in trades:
        sign = 1 if t["side"] == "buy" else -1
        expected[t["symbol"]] = expected.get(t["symbol"], Decimal(0)) + sign * Decimal(
            str(t["quantity"])
        )
    assert open_now == {s: q for s, q in expected.items() if q != 0}
    assert done["post_state"]["positions"] == {s: float(q) for s, q in open_now.items()}
    # AAPL sells close the oldest lot first, at the proposal's price, on the completion date.
    aapl = [t for t in trades if t["symbol"] == "AAPL"]
    if aapl and aapl[0]["side"] == "sell":
        exited = [p for p in after if p["symbol"] == "AAPL" and p["exit_date"] == today]
        assert exited
        assert {p["entry_date"] for p in exited} <= {"2022-05-02", "2022-06-01"}
        if aapl[0]["quantity"] <= 100:  # within the oldest lot: only it is touched
            assert {p["entry_date"] for p in exited} == {"2022-05-02"}
        assert sum(Decimal(p["quantity"]) for p in exited) == Decimal(str(aapl[0]["quantity"]))
        assert float(exited[0]["exit_price"]) == pytest.approx(aapl[0]["price"], abs=1e-6)
    withdrawals = client.get(f"{book['base']}/equity-changes", headers=book["h"]).json()
    new = [f for f in withdrawals if f["id"] not in {g["id"] for g in flows}]
    assert len(new) == 1
    assert new[0]["change_type"] == "WITHDRAWAL"
    assert Decimal(new[0]["amount"]) == Decimal(str(sum(t["cost"] for t in trades))).quantize(
        Decimal("0.01")
    )
    again = client.post(
        f"{book['base']}/rebalancing/events/{event['id']}/complete", headers=book["h"]
    )
    assert again.status_code == 409


def test_a_failure_half_way_writes_nothing(client: TestClient, book: dict[str, Any]) -> None:
    """The first trade (a buy) is applied, the second (a sale of more than is held) fails:
    the buy is rolled back with it, and only the failure is recorded."""
    app: Any = client.app
    trades = [
        {
            "symbol": "KO",
            "side": "buy",
            "quantity": 10.0,
            "price": 60.0,
            "notional": 600.0,
            "cost": 0.3,
            "realized_gain": 0.0,
        },
        {
            "symbol": "MSFT",
            "side": "sell",
            "quantity": 1e6,
            "price": 240.0,
            "notional": 2.4e8,
            "cost": 0.0,
            "realized_gain": 0.0,
        },
    ]
    with app.state.uow_factory() as uow:
        event = RebalancingEvent(
            portfolio_id=book["pid"],
            trigger_key=f"manual:{uuid.uuid4().hex}",
            kind="manual",
            trigger_date=date(2022, 12, 28),
            reason="test",
            proposal={"variant": "back_to_target", "feasible": True, "trades": trades},
            status="approved",
        )
        uow.session.add(event)
        uow.session.flush()
        event_id = event.id
        uow.commit()
    before = _positions(client, book)
    flows = client.get(f"{book['base']}/equity-changes", headers=book["h"]).json()
    failed = _post(client, book, f"/events/{event_id}/complete")
    assert failed["status"] == "failed"
    assert "MSFT" in failed["failure"]
    assert [a["action"] for a in failed["audit"]] == ["failed"]
    assert failed["audit"][0]["detail"]["reason"] == failed["failure"]
    assert _positions(client, book) == before
    assert client.get(f"{book['base']}/equity-changes", headers=book["h"]).json() == flows
