"""Risk limits and alerts: every alert the batch records recomputed here from the raw
stored closes, the lots and the stored security betas (pandas, empyrical-reloaded), and
the ``limit`` events on the first day of a breach."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import empyrical
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api._books import new_book, run_book

#: Targets valid from before every date these tests use (targets are point in time).
SINCE = {"effective_from": "2022-01-01"}

API = "/api/v1"
START, END = date(2022, 12, 1), date(2022, 12, 28)
EQUITY = 70_000.0
LOTS = [("AAPL", 100, 140.0), ("MSFT", 60, 270.0), ("XOM", 150, 90.0), ("JPM", 120, 125.0)]


def _sql(client: TestClient, query: str, **params: Any) -> list[Any]:
    app: Any = client.app
    with app.state.engine.connect() as connection:
        return list(connection.execute(text(query), params).all())


def _closes(client: TestClient, column: str) -> pd.DataFrame:
    symbols = [s for s, _, _ in LOTS]
    rows = _sql(client, f"SELECT symbol, date, {column} FROM daily_prices WHERE date <= :d", d=END)
    frame = pd.DataFrame(rows, columns=["symbol", "date", "px"])
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame = frame[frame.symbol.isin(symbols)]
    return frame.pivot(index="date", columns="symbol", values="px").sort_index()[symbols].dropna()


def _weights(client: TestClient) -> pd.DataFrame:
    close = _closes(client, "close")
    q = pd.Series({s: float(n) for s, n, _ in LOTS})
    entry = pd.Series({s: p for s, _, p in LOTS})
    nav = EQUITY + ((close - entry) * q).sum(axis=1)
    return (close * q).div(nav, axis=0)


@pytest.fixture(scope="module")
def book(client: TestClient) -> dict[str, Any]:
    h, pid = new_book(client, "limits", EQUITY, LOTS)
    base = f"{API}/portfolios/{pid}"
    target = {"level": "symbol", "key": "AAPL", "target_weight": 0.2, "min_weight": 0.1}
    target["max_weight"] = 0.3
    assert client.post(f"{base}/targets", json=target, headers=h, params=SINCE).status_code == 201
    # A single-name bound halfway through AAPL's largest daily rise in the month: AAPL
    # crosses it upwards on that day (a new breach).
    aapl = _weights(client)["AAPL"]
    rise = aapl.diff().loc[START:END]  # type: ignore[misc]
    day = rise.idxmax()
    bound = (aapl.loc[day] + aapl.shift(1).loc[day]) / 2
    limits = [
        {"metric": "volatility", "upper": 0.05},
        {"metric": "var_95", "upper": 0.004},
        {"metric": "beta", "lower": 5.0},
        {"metric": "beta", "upper": 10.0, "key": ""},  # a duplicate metric and key: 409
        {"metric": "sector_weight", "key": "Energy", "upper": 0.05},
        {"metric": "single_name_weight", "upper": round(float(bound), 9)},
    ]
    made = [client.post(f"{base}/limits", json=x, headers=h) for x in limits]
    assert [r.status_code for r in made] == [201, 201, 201, 409, 201, 201]
    assert made[3].json()["code"] == "LIMIT_EXISTS"
    # From the session before START: the expected figures of that session read its
    # stored betas (else they depend on another test's run having stored them).
    run_book(client, h, pid, date(2022, 11, 30), END)
    return {"pid": pid, "h": h, "base": base, "limits": [r.json() for r in made if r.is_success]}


def _expected(client: TestClient, book: dict[str, Any]) -> dict[date, set[tuple[str, str]]]:
    """Every (metric, key) out of its bounds per session, from raw data."""
    weights = _weights(client)
    adjusted = _closes(client, "COALESCE(adj_close, close)")
    returns = adjusted.pct_change()
    betas = _sql(
        client,
        "SELECT symbol, calc_date, beta FROM security_market_betas WHERE method = 'ols' "
        "AND \"window\" = 90 AND market_index = '^GSPC'",
    )
    beta = pd.DataFrame(betas, columns=["symbol", "date", "beta"])
    beta["date"] = pd.to_datetime(beta["date"]).dt.date
    beta = beta.pivot(index="date", columns="symbol", values="beta")
    limits = {(x["metric"], x["key"]): (x["lower"], x["upper"]) for x in book["limits"]}
    out: dict[date, set[tuple[str, str]]] = {}
    for day in weights.index:
        if day < date(2022, 11, 30):
            continue
        w = weights.loc[day]
        window = returns.loc[:day].iloc[1:].iloc[-504:]
        series = window.to_numpy() @ w.to_numpy()
        figures = {
            ("volatility", ""): float(np.std(series, ddof=1) * math.sqrt(252)),
            ("var_95", ""): float(-empyrical.value_at_risk(pd.Series(series), cutoff=0.05)),
            ("sector_weight", "Energy"): float(w["XOM"]),
        }
        if day in beta.index:
            figures[("beta", "")] = float((w * beta.loc[day, w.index]).sum())
        broken = set()
        for (metric, key), value in figures.items():
            lo, hi = limits[(metric, key)]
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                broken.add((metric, key))
        hi = limits[("single_name_weight", "")][1]
        broken |= {("single_name_weight", s) for s in w.index if w[s] > hi}
        out[day] = broken
        out.setdefault(day, broken)
    return out


def test_alerts_recomputed(client: TestClient, book: dict[str, Any]) -> None:
    alerts = client.get(f"{book['base']}/alerts", headers=book["h"]).json()
    expected = _expected(client, book)
    got: dict[date, set[tuple[str, str]]] = {}
    for a in alerts:
        got.setdefault(date.fromisoformat(a["calc_date"]), set()).add((a["metric"], a["key"]))
    days = [d for d in expected if START <= d <= END]
    assert {d: got.get(d, set()) for d in days} == {d: expected[d] for d in days}
    assert any(("single_name_weight", "AAPL") in s for s in got.values())
    weights = _weights(client)
    for a in alerts:
        if a["metric"] == "single_name_weight":
            day = date.fromisoformat(a["calc_date"])
            assert a["value"] == pytest.approx(weights.loc[day, a["key"]], rel=1e-9)
    window = client.get(
        f"{book['base']}/alerts", params={"start": "2022-12-20"}, headers=book["h"]
    ).json()
    assert {a["calc_date"] for a in window} <= {
        d.isoformat() for d in days if d >= date(2022, 12, 20)
    }


def test_a_new_breach_starts_a_limit_event(client: TestClient, book: dict[str, Any]) -> None:
    expected = _expected(client, book)
    index = sorted(expected)
    starts = {
        f"limit:{day.isoformat()}"
        for i, day in enumerate(index)
        if i > 0 and START <= day <= END and expected[day] - expected[index[i - 1]]
    }
    events = client.get(f"{book['base']}/rebalancing/events", headers=book["h"]).json()
    found = {
        f"limit:{e['trigger_date']}"
        for e in events
        if e["kind"] == "limit" and date.fromisoformat(e["trigger_date"]) >= START
    }
    assert found == starts
    assert starts  # AAPL crosses its bound in the month
    assert all(e["proposal"]["variant"] == "back_to_target" for e in events)


def test_limit_validation(client: TestClient, book: dict[str, Any]) -> None:
    for body, code in (
        ({"metric": "volatility"}, "NO_BOUND"),
        ({"metric": "beta", "lower": 2, "upper": 1, "key": "x"}, "EMPTY_RANGE"),
        ({"metric": "sector_weight", "key": "Tech", "upper": 0.3}, "UNKNOWN_SECTOR"),
    ):
        response = client.post(f"{book['base']}/limits", json=body, headers=book["h"])
        assert response.status_code == 422, response.text
        assert code in [d["code"] for d in response.json()["details"]]
    limit = client.post(
        f"{book['base']}/limits", json={"metric": "beta", "upper": 3.0}, headers=book["h"]
    )
    assert limit.status_code == 409
    gone = book["limits"][0]["id"]
    assert client.delete(f"{book['base']}/limits/{gone}", headers=book["h"]).status_code == 204
    assert gone not in {
        x["id"] for x in client.get(f"{book['base']}/limits", headers=book["h"]).json()
    }
