"""The batch's drift rows and triggered events, recomputed here from the raw stored closes
and the lots (pandas only), and idempotent across reruns."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api._books import new_book, run_book, symbol_target

#: Targets valid from before every date these tests use (targets are point in time).
SINCE = {"effective_from": "2022-01-01"}

API = "/api/v1"
START, END = date(2022, 11, 1), date(2022, 12, 28)
EQUITY = 60_000.0
LOTS = [("AAPL", 100, 150.0), ("XOM", 150, 100.0), ("JPM", 100, 130.0)]
#: (key, target, half band, absolute threshold, frequency)
TARGETS = [
    ("AAPL", 0.25, 0.05, 0.02, "none"),
    ("XOM", 0.30, 0.05, 0.01, "monthly"),
    ("JPM", 0.20, 0.05, None, "none"),
]


def _run(
    client: TestClient, h: dict[str, str], pid: int, start: date = START, end: date = END
) -> None:
    run_book(client, h, pid, start, end)


def _make_book(client: TestClient) -> dict[str, Any]:
    h, pid = new_book(client, "drift", EQUITY, LOTS)
    targets = [symbol_target(*target) for target in TARGETS]
    assert (
        client.put(
            f"{API}/portfolios/{pid}/targets", json=targets, headers=h, params=SINCE
        ).status_code
        == 200
    )
    return {"pid": pid, "headers": h}


@pytest.fixture(scope="module")
def book(client: TestClient) -> dict[str, Any]:
    made = _make_book(client)
    _run(client, made["headers"], made["pid"])
    return made


def _sql(client: TestClient, query: str, **params: Any) -> list[Any]:
    app: Any = client.app
    with app.state.engine.connect() as connection:
        return list(connection.execute(text(query), params).all())


def _expected(client: TestClient) -> pd.DataFrame:
    """Weights by hand: q x close / NAV, NAV = equity + sum q (close - entry)."""
    symbols = [s for s, _, _ in LOTS]
    rows = _sql(client, "SELECT symbol, date, close FROM daily_prices WHERE date <= :d", d=END)
    frame = pd.DataFrame(rows, columns=["symbol", "date", "close"])
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    close = frame[frame.symbol.isin(symbols)].pivot(index="date", columns="symbol", values="close")
    close = close[symbols].dropna()
    q = pd.Series({s: float(n) for s, n, _ in LOTS})
    entry = pd.Series({s: p for s, _, p in LOTS})
    nav = EQUITY + ((close - entry) * q).sum(axis=1)
    return (close * q).div(nav, axis=0)


def test_drift_rows_recomputed(client: TestClient, book: dict[str, Any]) -> None:
    stored = _sql(
        client,
        "SELECT calc_date, key, weight, drift, in_band, breach, scheduled "
        "FROM portfolio_target_drift WHERE portfolio_id = :p ORDER BY calc_date, key",
        p=book["pid"],
    )
    weights = _expected(client)
    days = [d for d in weights.index if START <= d <= END]
    assert len(stored) == len(days) * len(TARGETS)
    spec = {key: (w, half, thr, freq) for key, w, half, thr, freq in TARGETS}
    for day, key, weight, drift, in_band, breach, scheduled in stored:
        day = pd.Timestamp(day).date()
        w, half, thr, freq = spec[key]
        expected = weights.loc[day, key]
        assert weight == pytest.approx(expected, rel=1e-9)
        assert drift == pytest.approx(expected - w, rel=1e-9, abs=1e-12)
        assert bool(in_band) == (w - half <= expected <= w + half)
        assert bool(breach) == (abs(expected - w) > thr if thr else not in_band)
        previous = weights.index[weights.index.get_loc(day) - 1]
        assert bool(scheduled) == (freq == "monthly" and previous.month != day.month)


def test_events_are_triggered_once(client: TestClient, book: dict[str, Any]) -> None:
    weights = _expected(client)
    spec = {key: (w, half, thr) for key, w, half, thr, _ in TARGETS}

    def breach(day: date) -> set[str]:
        out = set()
        for key, (w, half, thr) in spec.items():
            drift = abs(weights.loc[day, key] - w)
            if (drift > thr) if thr else (drift > half):
                out.add(key)
        return out

    index = list(weights.index)
    expected = set()
    for i, day in enumerate(index):
        if START <= day <= END:
            if breach(day) - breach(index[i - 1]):
                expected.add(f"threshold:{day.isoformat()}")
            if index[i - 1].month != day.month:
                expected.add(f"scheduled:{day.isoformat()}")
    query = "SELECT trigger_key, status, proposal FROM rebalancing_events WHERE portfolio_id = :p"
    events = _sql(client, query, p=book["pid"])
    assert {e[0] for e in events} == expected
    assert expected  # the book does drift out in these weeks
    assert {e[1] for e in events} == {"pending"}
    # A decision survives a rerun, and the rerun adds nothing.
    first = sorted(expected)[0]
    app: Any = client.app
    with app.state.engine.begin() as connection:
        connection.execute(
            text("UPDATE rebalancing_events SET status = 'cancelled' WHERE trigger_key = :k"),
            {"k": first},
        )
    _run(client, book["headers"], book["pid"])
    again = _sql(client, query, p=book["pid"])
    assert len(again) == len(events)
    assert {e[0]: e[1] for e in again}[first] == "cancelled"
    assert {e[0]: e[2] for e in again} == {e[0]: e[2] for e in events}


def test_event_proposal_lands_in_band(client: TestClient, book: dict[str, Any]) -> None:
    query = "SELECT trigger_date, proposal FROM rebalancing_events WHERE portfolio_id = :p"
    for day, proposal in _sql(client, query, p=book["pid"]):
        proposal = proposal if isinstance(proposal, dict) else json.loads(proposal)
        day = pd.Timestamp(day).date()
        q = pd.Series({s: float(n) for s, n, _ in LOTS})
        rows = _sql(client, "SELECT symbol, close FROM daily_prices WHERE date = :d", d=day)
        close = pd.Series(dict(rows))[q.index]
        entry = pd.Series({s: p for s, _, p in LOTS})
        nav = EQUITY + float(((close - entry) * q).sum())
        cost = sum(t["cost"] for t in proposal["trades"])
        for t in proposal["trades"]:
            q[t["symbol"]] += t["quantity"] * (1 if t["side"] == "buy" else -1)
            assert t["cost"] == pytest.approx(5e-4 * t["quantity"] * close[t["symbol"]], rel=1e-9)
        after = q * close / (nav - cost)
        assert proposal["feasible"], proposal["reasons"]
        for key, w, half, _, _ in TARGETS:
            assert proposal["after"]["weights"][key] == pytest.approx(after[key], rel=1e-9)
            assert w - half <= after[key] <= w + half


def _nested_close(a: Any, b: Any) -> bool:
    """Equal JSON, floats to 1e-12 relative."""
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(_nested_close(a[k], b[k]) for k in a)
        )
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_nested_close, a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-15)
    return bool(a == b)


def test_daily_runs_find_what_the_backfill_found(client: TestClient, book: dict[str, Any]) -> None:
    """The same book run one day at a time: the same drift rows and events (a trigger
    compares each date with the session before it, which a daily run must value too)."""
    query = (
        "SELECT trigger_key, proposal FROM rebalancing_events WHERE portfolio_id = :p "
        "AND trigger_date >= :a AND trigger_date <= :b"
    )
    drift = (
        "SELECT calc_date, key, weight, breach FROM portfolio_target_drift "
        "WHERE portfolio_id = :p AND calc_date >= :a AND calc_date <= :b "
        "ORDER BY calc_date, key"
    )
    daily = _make_book(client)
    for day in (date(2022, 12, 15), date(2022, 12, 16), date(2022, 12, 19)):
        _run(client, daily["headers"], daily["pid"], day, day)

    def decoded(rows: list[Any]) -> dict[str, Any]:
        return {k: v if isinstance(v, dict) else json.loads(v) for k, v in rows}

    span = {"a": date(2022, 12, 15), "b": date(2022, 12, 19)}
    backfilled = decoded(_sql(client, query, p=book["pid"], **span))
    assert backfilled  # the threshold event of 2022-12-16 is among these dates
    # Equal but for the last bits of the stored betas (prefix sums over another span).
    assert _nested_close(decoded(_sql(client, query, p=daily["pid"], **span)), backfilled)
    mine = _sql(client, drift, p=daily["pid"], **span)
    assert len(mine) == 3 * len(TARGETS)
    assert mine == _sql(client, drift, p=book["pid"], **span)
