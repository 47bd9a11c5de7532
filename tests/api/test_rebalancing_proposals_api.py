"""Rebalancing proposals end to end: a book of stocks, its targets and a batch run, then
every served figure recomputed here from the raw stored closes and the lots (pandas and
empyrical-reloaded; nothing of the package's)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import empyrical
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from sigmasight.services.worker import run_next
from tests.api.conftest import Headers

#: Targets valid from before every date these tests use (targets are point in time).
SINCE = {"effective_from": "2022-01-01"}

API = "/api/v1"
AS_OF = date(2022, 12, 28)
EQUITY = 100_000.0
#: (symbol, quantity, entry price, entry date): AAPL in two lots, for FIFO.
LOTS = [
    ("AAPL", 100, 140.0, "2022-05-02"),
    ("AAPL", 60, 160.0, "2022-06-01"),
    ("MSFT", 60, 270.0, "2022-06-01"),
    ("JPM", 120, 125.0, "2022-06-01"),
    ("XOM", 150, 90.0, "2022-06-01"),
]
TARGETS = {"AAPL": 0.10, "MSFT": 0.15, "JPM": 0.2, "XOM": 0.2, "KO": 0.1}
BAND = 0.02


@pytest.fixture(scope="module")
def book(client: TestClient) -> dict[str, Any]:
    email = f"rebal-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": "rebal-horse-battery", "name": "Rebal"}
    assert client.post(f"{API}/auth/register", json=body).status_code == 201
    token = client.post(
        f"{API}/auth/login", json={"email": email, "password": "rebal-horse-battery"}
    ).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    pid = client.post(
        f"{API}/portfolios", json={"name": "Rebal book", "equity_balance": str(EQUITY)}, headers=h
    ).json()["id"]
    for symbol, quantity, price, day in LOTS:
        lot = {"symbol": symbol, "quantity": str(quantity), "entry_price": str(price)}
        response = client.post(
            f"{API}/portfolios/{pid}/positions", json={**lot, "entry_date": day}, headers=h
        )
        assert response.status_code == 201, response.text
    targets = [
        {
            "level": "symbol",
            "key": s,
            "target_weight": w,
            "min_weight": w - BAND,
            "max_weight": w + BAND,
        }
        for s, w in TARGETS.items()
    ]
    assert (
        client.put(
            f"{API}/portfolios/{pid}/targets", json=targets, headers=h, params=SINCE
        ).status_code
        == 200
    )
    run = {"start": "2022-12-27", "end": AS_OF.isoformat(), "portfolio_ids": [pid]}
    run_id = client.post(f"{API}/batch/runs", json=run, headers=h).json()["id"]
    app: Any = client.app
    run_next(
        app.state.uow_factory, app.state.settings, clock=lambda: datetime.now(UTC), run_id=run_id
    )
    return {"pid": pid, "headers": h}


def _closes(client: TestClient, symbols: list[str], column: str) -> pd.DataFrame:
    app: Any = client.app
    with app.state.engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT symbol, date, {column} AS px FROM daily_prices WHERE date <= :d"),
            {"d": AS_OF},
        ).all()
    frame = pd.DataFrame(rows, columns=["symbol", "date", "px"])
    frame = frame[frame.symbol.isin(symbols)]
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame.pivot(index="date", columns="symbol", values="px").sort_index()[symbols]


def _get(client: TestClient, book: dict[str, Any], **params: Any) -> dict[str, Any]:
    url = f"{API}/portfolios/{book['pid']}/rebalancing/proposals"
    response = client.get(url, headers=book["headers"], params=params)
    assert response.status_code == 200, response.text
    assert "NaN" not in response.text
    body: dict[str, Any] = response.json()
    return body


def _fifo(sold: float, price: float, lots: list[tuple[float, float]]) -> float:
    gain, left = 0.0, sold
    for quantity, entry in lots:  # oldest first
        used = min(left, quantity)
        gain += used * (price - entry)
        left -= used
    return gain


def test_proposals_recomputed_from_raw_closes(client: TestClient, book: dict[str, Any]) -> None:
    body = _get(client, book)
    assert body["as_of"] == AS_OF.isoformat()
    assert [p["variant"] for p in body["proposals"]] == [
        "back_to_target",
        "min_tracking_error",
        "min_variance",
        "risk_parity",
    ]
    symbols = list(TARGETS)
    close = _closes(client, symbols, "close").loc[AS_OF]
    held = pd.Series(0.0, index=symbols)
    for symbol, quantity, _, _ in LOTS:
        held[symbol] += quantity
    cost_basis = sum(q * p for _, q, p, _ in LOTS)
    cash = EQUITY - cost_basis
    nav = cash + float((held * close).sum())
    adjusted = _closes(client, symbols, "COALESCE(adj_close, close)")
    returns = adjusted.pct_change().iloc[1:].iloc[-504:]
    for proposal in body["proposals"]:
        before, after = proposal["before"], proposal["after"]
        assert before["nav"] == pytest.approx(nav, rel=1e-9)
        weights = held * close / nav
        for s in symbols:
            assert before["weights"][s] == pytest.approx(weights[s], abs=1e-12)
        trade = pd.Series(0.0, index=symbols)
        cost = 0.0
        for t in proposal["trades"]:
            sign = 1 if t["side"] == "buy" else -1
            trade[t["symbol"]] = sign * t["quantity"]
            assert t["quantity"] == round(t["quantity"])  # whole shares
            assert t["price"] == pytest.approx(close[t["symbol"]], rel=1e-12)
            assert t["notional"] == pytest.approx(t["quantity"] * t["price"], rel=1e-12)
            assert t["cost"] == pytest.approx(5e-4 * t["notional"], rel=1e-12)
            cost += t["cost"]
            lots = [(q, p) for s, q, p, _ in LOTS if s == t["symbol"]]
            expected = _fifo(t["quantity"], t["price"], lots) if sign < 0 else 0.0
            assert t["realized_gain"] == pytest.approx(expected, rel=1e-9, abs=1e-6)
        nav_after = nav - cost
        new = (held + trade) * close / nav_after
        assert after["nav"] == pytest.approx(nav_after, rel=1e-9)
        assert cash - float((trade * close).sum()) - cost >= -1e-6  # cash suffices
        assert (held + trade >= 0).all()  # no short
        for side, w in ((before, weights), (after, new)):
            series = returns.to_numpy() @ w.to_numpy()
            assert side["volatility"] == pytest.approx(
                np.std(series, ddof=1) * math.sqrt(252), rel=1e-9
            )
            var = -empyrical.value_at_risk(pd.Series(series), cutoff=0.05)
            assert side["var_95"] == pytest.approx(var, rel=1e-9)
        assert proposal["feasible"], proposal["reasons"]
        for s in symbols:
            assert after["weights"][s] == pytest.approx(new[s], abs=1e-12)
            assert TARGETS[s] - BAND <= new[s] <= TARGETS[s] + BAND
    risk = client.get(
        f"{API}/analytics/portfolio/{book['pid']}/positions/risk", headers=book["headers"]
    ).json()
    beta = {p["symbol"]: p["beta"] for p in risk["positions"]}
    expected_beta = sum(float((held * close / nav)[s]) * beta[s] for s in beta)
    for proposal in body["proposals"]:
        assert proposal["before"]["beta"] == pytest.approx(expected_beta, rel=1e-9)
    simple = body["proposals"][0]
    assert {t["symbol"] for t in simple["trades"] if t["side"] == "buy"} >= {"KO"}


def test_a_binding_constraint_is_named(client: TestClient, book: dict[str, Any]) -> None:
    body = _get(client, book, max_turnover=0.01, variant="back_to_target")
    (proposal,) = body["proposals"]
    assert not proposal["feasible"]
    assert any(r.startswith("TURNOVER") for r in proposal["reasons"])
    assert sum(t["notional"] for t in proposal["trades"]) <= 0.01 * proposal["before"]["nav"]
    assert body["constraints"]["max_turnover"] == 0.01


def test_proposals_are_cached_until_the_targets_change(
    client: TestClient, book: dict[str, Any]
) -> None:
    url = f"{API}/portfolios/{book['pid']}/rebalancing/proposals"
    params = {"variant": "back_to_target"}
    first = client.get(url, headers=book["headers"], params=params)
    app: Any = client.app
    hits = app.state.answers.hits
    second = client.get(url, headers=book["headers"], params=params)
    assert first.status_code == second.status_code == 200
    assert app.state.answers.hits == hits + 1
    assert second.content == first.content
    targets = client.get(f"{API}/portfolios/{book['pid']}/targets", headers=book["headers"]).json()
    moved = [
        {k: t[k] for k in ("level", "key", "target_weight", "min_weight", "max_weight")}
        for t in targets
    ]
    moved[0] = {**moved[0], "target_weight": moved[0]["min_weight"]}
    put = client.put(
        f"{API}/portfolios/{book['pid']}/targets", json=moved, headers=book["headers"], params=SINCE
    )
    assert put.status_code == 200, put.text
    try:
        third = client.get(url, headers=book["headers"], params=params)
        assert third.status_code == 200
        assert third.content != first.content  # a write is a new revision: recomputed
    finally:
        restored = [
            {**m, "target_weight": t["target_weight"]} for m, t in zip(moved, targets, strict=True)
        ]
        client.put(
            f"{API}/portfolios/{book['pid']}/targets",
            json=restored,
            headers=book["headers"],
            params=SINCE,
        )


def test_other_users_and_unknown_portfolios(
    client: TestClient, book: dict[str, Any], new_user: Callable[[], Headers]
) -> None:
    url = f"{API}/portfolios/{book['pid']}/rebalancing/proposals"
    response = client.get(url, headers=new_user())
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    early = client.get(url, headers=book["headers"], params={"as_of": "2022-11-01"})
    assert early.status_code == 404
    assert early.json()["code"] == "NO_SNAPSHOT"
