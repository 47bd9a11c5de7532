"""GET .../greeks end to end (#22): every served figure recomputed from the raw stored
closes and positions with vollib (the reference's own volatility: pandas), on a date with
both demo options, and on a book without options."""

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
from vollib.black_scholes_merton.greeks import analytical as vl

from sigmasight.storage.models import DailyPrice, Position
from sigmasight.storage.uow import UnitOfWork
from tests.api.conftest import Headers, get

FUND = "Long/Short Equity Fund"
LATEST = date(2022, 12, 28)


def _closes(uow_factory: Callable[[], UnitOfWork], symbol: str) -> pd.Series:
    with uow_factory() as uow:
        rows = uow.session.execute(
            select(DailyPrice.date, DailyPrice.adj_close, DailyPrice.close).where(
                DailyPrice.symbol == symbol
            )
        ).all()
    return pd.Series(
        {d: float(a if a is not None else c) for d, a, c in rows}, dtype=float
    ).sort_index()


def _expected(uow_factory: Callable[[], UnitOfWork], p: Position, day: date) -> dict[str, float]:
    underlying = p.underlying_symbol
    assert underlying is not None
    assert p.expiry is not None
    assert p.strike is not None
    closes = _closes(uow_factory, underlying).loc[:day]
    returns = closes.pct_change().dropna().to_numpy()[-63:]
    sigma = float(np.std(returns, ddof=1) * math.sqrt(252))
    spot, tau = float(closes.iloc[-1]), (p.expiry - day).days / 365.0
    flag = "c" if p.position_type.value in ("LC", "SC") else "p"
    args = (flag, spot, float(p.strike), tau, 0.0, sigma, 0.0)
    out = {"spot": spot, "time_to_expiry_years": tau, "volatility": sigma}
    out["price"] = vl_price(*args) * 100
    for name in ("delta", "gamma", "vega", "theta", "rho"):
        out[name] = getattr(vl, name)(*args) * 100
    return out


def test_greeks_served_equal_vollib_from_raw_rows(
    client: TestClient,
    demo_headers: Headers,
    ids: dict[str, int],
    uow_factory: Callable[[], UnitOfWork],
) -> None:
    body = get(client, demo_headers, ids[FUND], "greeks", as_of=LATEST.isoformat())
    assert body["as_of"] == LATEST.isoformat()
    with uow_factory() as uow:
        options = {
            p.id: p
            for p in uow.session.scalars(
                select(Position).where(
                    Position.portfolio_id == ids[FUND], Position.investment_class == "OPTIONS"
                )
            )
        }
        assert {o["position_id"] for o in body["options"]} == set(options)
        for o in body["options"]:
            p = options[o["position_id"]]
            want = _expected(uow_factory, p, LATEST)
            for name, value in want.items():
                assert o[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
            assert o["symbol"] == p.symbol
            assert o["rate"] == 0.0  # the configured risk-free rate of the demo (0 %)
            assert o["dividend_yield"] == 0.0
            assert o["contracts"] == float(p.quantity)
            for name in ("delta", "gamma", "vega", "theta", "rho"):
                assert o["position"][name] == pytest.approx(want[name] * float(p.quantity))
                assert "per contract" in o["units"][name]
    assert "volatility point" in body["units"]["vega"]
    assert "calendar day" in body["units"]["theta"]
    assert "percentage point" in body["units"]["rho"]
    assert set(body["inputs"]) >= {"volatility", "rate", "dividend_yield"}


def test_greeks_of_a_book_without_options_are_empty(
    client: TestClient, demo_headers: Headers, ids: dict[str, int]
) -> None:
    body = get(client, demo_headers, ids["Diversified Individual"], "greeks", as_of="2022-12-01")
    assert body["as_of"] == "2022-12-01"
    assert body["options"] == []


def test_greeks_of_another_users_portfolio_are_not_found(
    client: TestClient, new_user: Callable[[], Headers], ids: dict[str, int]
) -> None:
    response = client.get(f"/api/v1/analytics/portfolio/{ids[FUND]}/greeks", headers=new_user())
    assert response.status_code == 404
