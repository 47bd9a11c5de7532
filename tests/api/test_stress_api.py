"""GET .../stress-tests end to end (#22): the 2020 replay of each demo book recomputed
from the raw stored closes and positions (pandas, vollib for the options), the answer's
shape as the issue pins it, scenarios sorted by loss, positions adding up to the book."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from vollib.black_scholes_merton import black_scholes_merton as vl_price

from sigmasight.storage.models import DailyPrice, Position
from sigmasight.storage.uow import UnitOfWork
from tests.api.conftest import Headers, get

LATEST = date(2022, 12, 28)
BOOKS = ("Diversified Individual", "Concentrated Growth", "Long/Short Equity Fund")


def _closes(uow_factory: Callable[[], UnitOfWork]) -> pd.DataFrame:
    with uow_factory() as uow:
        rows = uow.session.execute(
            select(DailyPrice.symbol, DailyPrice.date, DailyPrice.adj_close, DailyPrice.close)
        ).all()
    frame = pd.DataFrame(rows, columns=["symbol", "date", "adj", "close"])
    frame["px"] = frame.adj.fillna(frame.close).astype(float)
    return frame.pivot(index="date", columns="symbol", values="px").sort_index()


def _covid_pnl(closes: pd.DataFrame, p: Position, day: date) -> float | None:
    """A held position's 2020-crash P&L from raw rows (None: private, excluded)."""
    episode = closes.loc[date(2020, 3, 23)] / closes.loc[date(2020, 2, 19)] - 1
    qty = float(p.quantity)
    if p.investment_class.value == "PRIVATE":
        return None
    if p.investment_class.value != "OPTIONS":
        return qty * float(closes.at[day, p.symbol]) * float(episode[p.symbol])
    u = p.underlying_symbol
    assert u is not None
    assert p.expiry is not None
    hist = closes[u].loc[:day]
    sigma = float(np.std(hist.pct_change().dropna().to_numpy()[-63:], ddof=1) * math.sqrt(252))
    spot, tau = float(hist.iloc[-1]), (p.expiry - day).days / 365.0
    flag = "c" if p.position_type.value in ("LC", "SC") else "p"
    old = vl_price(flag, spot, float(p.strike or 0), tau, 0.0, sigma, 0.0)
    new = vl_price(flag, spot * (1 + float(episode[u])), float(p.strike or 0), tau, 0.0, sigma, 0.0)
    return qty * 100 * (new - old)


@pytest.mark.parametrize("book", BOOKS)
def test_the_2020_replay_served_equals_raw_rows(
    client: TestClient,
    demo_headers: Headers,
    ids: dict[str, int],
    uow_factory: Callable[[], UnitOfWork],
    book: str,
) -> None:
    pid = ids[book]
    body = get(client, demo_headers, pid, "stress-tests", as_of=LATEST.isoformat())
    assert body["as_of"] == LATEST.isoformat()
    pnls = [s["pnl"] for s in body["scenarios"]]
    assert pnls == sorted(pnls)  # largest loss first
    for s in body["scenarios"]:
        assert {"key", "name", "kind", "start", "end", "pnl", "pnl_percent", "positions"} <= set(s)
        assert sum(p["pnl"] for p in s["positions"]) == pytest.approx(s["pnl"], rel=1e-9, abs=1e-6)
        assert s["pnl_percent"] == pytest.approx(s["pnl"] / body["nav"], rel=1e-9)
        assert "market" in s["factor_moves"]
    covid = next(s for s in body["scenarios"] if s["key"] == "covid_2020")
    assert (covid["kind"], covid["start"], covid["end"]) == (
        "historical",
        "2020-02-19",
        "2020-03-23",
    )
    closes = _closes(uow_factory)
    with uow_factory() as uow:
        held = uow.session.scalars(
            select(Position).where(
                Position.portfolio_id == pid,
                Position.entry_date <= LATEST,
                (Position.exit_date.is_(None)) | (Position.exit_date > LATEST),
            )
        ).all()
        expected = {p.id: _covid_pnl(closes, p, LATEST) for p in held}
        kinds = {p.id: p.investment_class.value for p in held}
    served = {p["position_id"]: p for p in covid["positions"]}
    assert set(served) == {k for k, v in expected.items() if v is not None}
    assert {e["position_id"] for e in body["excluded"]} == {
        k for k, v in expected.items() if v is None
    }
    for pid_, want in expected.items():
        if want is None:
            continue
        assert served[pid_]["pnl"] == pytest.approx(want, rel=1e-9, abs=1e-6)
        method = "repriced" if kinds[pid_] == "OPTIONS" else "replay"
        assert served[pid_]["method"] == method
    total = sum(v for v in expected.values() if v is not None)
    assert covid["pnl"] == pytest.approx(total, rel=1e-9)


def test_stress_tests_of_another_users_portfolio_are_not_found(
    client: TestClient, new_user: Callable[[], Headers], ids: dict[str, int]
) -> None:
    pid = ids[BOOKS[0]]
    response = client.get(f"/api/v1/analytics/portfolio/{pid}/stress-tests", headers=new_user())
    assert response.status_code == 404
