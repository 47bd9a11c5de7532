"""Point-in-time targets in the batch and the full before/after of batch-created events.

A backfill across a target change evaluates the old target before the change and the new
one from it; a deleted target has no drift after its deletion; a rerun writes the same
rows. Every event the batch creates stores what ``GET /rebalancing/proposals?as_of=``
answers for its date, and its before state is recomputed here from the raw stored
closes and the lots (pandas/numpy only: volatility, beta by OLS on the market index,
sector exposure)."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api._books import new_book, run_book, symbol_target

API = "/api/v1"
START, END = date(2022, 11, 1), date(2022, 12, 28)
EQUITY = 60_000.0
LOTS = [("AAPL", 100, 150.0), ("XOM", 150, 100.0), ("JPM", 100, 130.0)]
SINCE = "2022-01-03"
CHANGE, DELETION = date(2022, 12, 1), date(2022, 12, 15)
#: key -> versions (from, to, target, half band, absolute threshold, frequency)
VERSIONS: dict[str, list[tuple[date, date | None, float, float, float | None, str]]] = {
    "AAPL": [(date(2022, 1, 3), None, 0.25, 0.05, 0.02, "none")],
    "XOM": [
        (date(2022, 1, 3), CHANGE, 0.30, 0.05, 0.01, "monthly"),
        (CHANGE, None, 0.26, 0.05, 0.01, "monthly"),
    ],
    "JPM": [(date(2022, 1, 3), DELETION, 0.20, 0.05, None, "none")],
}
MARKET = "^GSPC"


def _body(key: str, version: int) -> dict[str, Any]:
    _, _, w, half, thr, freq = VERSIONS[key][version]
    return symbol_target(key, w, half, thr, freq)


def _run(client: TestClient, h: dict[str, str], pid: int) -> None:
    run_book(client, h, pid, START, END)


@pytest.fixture(scope="module")
def book(client: TestClient) -> dict[str, Any]:
    h, pid = new_book(client, "pit", EQUITY, LOTS)
    base = f"{API}/portfolios/{pid}"
    made = client.put(
        f"{base}/targets",
        json=[_body(k, 0) for k in VERSIONS],
        headers=h,
        params={"effective_from": SINCE},
    )
    assert made.status_code == 200, made.text
    ids = {t["key"]: t["id"] for t in made.json()}
    changed = client.patch(
        f"{base}/targets/{ids['XOM']}",
        json={"target_weight": 0.26, "min_weight": 0.21, "max_weight": 0.31},
        headers=h,
        params={"effective_from": CHANGE.isoformat()},
    )
    assert changed.status_code == 200, changed.text
    deleted = client.delete(
        f"{base}/targets/{ids['JPM']}", headers=h, params={"effective_from": DELETION.isoformat()}
    )
    assert deleted.status_code == 204
    _run(client, h, pid)
    return {"pid": pid, "headers": h}


def _sql(client: TestClient, query: str, **params: Any) -> list[Any]:
    app: Any = client.app
    with app.state.engine.connect() as connection:
        return list(connection.execute(text(query), params).all())


def _prices(client: TestClient, column: str, symbols: list[str]) -> pd.DataFrame:
    rows = _sql(client, f"SELECT symbol, date, {column} FROM daily_prices WHERE date <= :d", d=END)
    frame = pd.DataFrame(rows, columns=["symbol", "date", "px"])
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame = frame[frame.symbol.isin(symbols)]
    return frame.pivot(index="date", columns="symbol", values="px").sort_index()[symbols]


def _weights(client: TestClient) -> pd.DataFrame:
    """Weights by hand: q x close / NAV, NAV = equity + sum q (close - entry)."""
    symbols = [s for s, _, _ in LOTS]
    close = _prices(client, "close", symbols).dropna()
    q = pd.Series({s: float(n) for s, n, _ in LOTS})
    entry = pd.Series({s: p for s, _, p in LOTS})
    nav = EQUITY + ((close - entry) * q).sum(axis=1)
    return (close * q).div(nav, axis=0)


def _version(key: str, day: date) -> int | None:
    for i, (start, end, *_) in enumerate(VERSIONS[key]):
        if start <= day and (end is None or day < end):
            return i
    return None


def _drift(client: TestClient, pid: int) -> list[Any]:
    return _sql(
        client,
        "SELECT calc_date, key, weight, target_weight, min_weight, max_weight, breach, "
        "scheduled FROM portfolio_target_drift WHERE portfolio_id = :p ORDER BY calc_date, key",
        p=pid,
    )


def test_drift_uses_the_version_valid_on_each_date(
    client: TestClient, book: dict[str, Any]
) -> None:
    weights = _weights(client)
    days = [d for d in weights.index if START <= d <= END]
    expected = {
        (day, key): VERSIONS[key][v]
        for day in days
        for key in VERSIONS
        if (v := _version(key, day)) is not None
    }
    stored = _drift(client, book["pid"])
    assert {(pd.Timestamp(r[0]).date(), r[1]) for r in stored} == set(expected)
    assert any(k == "JPM" for _, k in expected)  # before its deletion
    for day, key, weight, target, lower, upper, breach, scheduled in stored:
        day = pd.Timestamp(day).date()
        _, _, w, half, thr, freq = expected[(day, key)]
        assert (target, lower, upper) == pytest.approx((w, w - half, w + half), rel=1e-12)
        assert weight == pytest.approx(weights.loc[day, key], rel=1e-9)
        drift = abs(weights.loc[day, key] - w)
        assert bool(breach) == (drift > thr if thr else drift > half + 1e-12)
        previous = weights.index[weights.index.get_loc(day) - 1]
        assert bool(scheduled) == (freq == "monthly" and previous.month != day.month)
    assert max(pd.Timestamp(r[0]).date() for r in stored if r[1] == "JPM") < DELETION
    xom = {pd.Timestamp(r[0]).date(): r[3] for r in stored if r[1] == "XOM"}
    assert {w for d, w in xom.items() if d < CHANGE} == {0.30}
    assert {w for d, w in xom.items() if d >= CHANGE} == {0.26}


def _events(client: TestClient, pid: int) -> dict[str, tuple[date, dict[str, Any]]]:
    query = (
        "SELECT trigger_key, trigger_date, proposal FROM rebalancing_events WHERE portfolio_id = :p"
    )
    return {
        key: (pd.Timestamp(day).date(), p if isinstance(p, dict) else json.loads(p))
        for key, day, p in _sql(client, query, p=pid)
    }


def test_triggers_follow_the_versions(client: TestClient, book: dict[str, Any]) -> None:
    weights = _weights(client)
    index = list(weights.index)

    def breach(day: date) -> set[tuple[str, int]]:
        out = set()
        for key in VERSIONS:
            v = _version(key, day)
            if v is None:
                continue
            _, _, w, half, thr, _ = VERSIONS[key][v]
            drift = abs(weights.loc[day, key] - w)
            if (drift > thr) if thr else (drift > half):
                out.add((key, v))
        return out

    expected = set()
    for i, day in enumerate(index):
        if START <= day <= END:
            if breach(day) - breach(index[i - 1]):
                expected.add(f"threshold:{day.isoformat()}")
            monthly = _version("XOM", day) is not None
            if monthly and index[i - 1].month != day.month:
                expected.add(f"scheduled:{day.isoformat()}")
    assert set(_events(client, book["pid"])) == expected
    assert f"scheduled:{CHANGE.isoformat()}" in expected


def test_events_store_what_the_proposals_route_answers(
    client: TestClient, book: dict[str, Any]
) -> None:
    events = _events(client, book["pid"])
    assert events
    for day, proposal in events.values():
        url = f"{API}/portfolios/{book['pid']}/rebalancing/proposals"
        params = {"as_of": day.isoformat(), "variant": "back_to_target"}
        response = client.get(url, headers=book["headers"], params=params)
        assert response.status_code == 200, response.text
        (served,) = response.json()["proposals"]
        assert proposal == served
        valid = {k for k in VERSIONS if _version(k, day) is not None}
        assert set(proposal["before"]) >= {"volatility", "beta", "var_95", "sector_exposure"}
        assert set(proposal["before"]["weights"]) == valid


def _ols_beta(y: np.ndarray, x: np.ndarray) -> float:
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    dx = x - x.mean()
    return float(dx @ (y - y.mean()) / (dx @ dx))


def test_event_before_state_recomputed_from_raw_prices(
    client: TestClient, book: dict[str, Any]
) -> None:
    symbols = [s for s, _, _ in LOTS]
    weights = _weights(client)
    adjusted = _prices(client, "COALESCE(adj_close, close)", [*symbols, MARKET])
    returns = adjusted.pct_change().iloc[1:]
    sectors = dict(
        _sql(client, "SELECT symbol, sector FROM securities WHERE symbol IN ('AAPL','XOM','JPM')")
    )
    for day, proposal in _events(client, book["pid"]).values():
        before = proposal["before"]
        w = weights.loc[day]
        mine = returns.loc[:day]
        ex_ante = mine[symbols].iloc[-504:].to_numpy() @ w.to_numpy()
        volatility = np.std(ex_ante, ddof=1) * math.sqrt(252)
        assert before["volatility"] == pytest.approx(volatility, rel=1e-9)
        window = mine.iloc[-90:]
        betas = {s: _ols_beta(window[s].to_numpy(), window[MARKET].to_numpy()) for s in symbols}
        assert before["beta"] == pytest.approx(sum(w[s] * betas[s] for s in symbols), rel=1e-9)
        assert before["holdings"] == pytest.approx(w.to_dict(), rel=1e-12)
        assert before["sector_exposure"] == pytest.approx(
            {sectors[s]: w[s] for s in symbols}, rel=1e-12
        )


def test_a_rerun_writes_the_same_rows(client: TestClient, book: dict[str, Any]) -> None:
    drift, events = _drift(client, book["pid"]), _events(client, book["pid"])
    _run(client, book["headers"], book["pid"])
    assert _drift(client, book["pid"]) == drift
    assert _events(client, book["pid"]) == events
