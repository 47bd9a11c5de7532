"""Rate sensitivity of bond holdings end to end (#22): positions given a modified
duration (and convexity) through the API, a daily batch run on the shared demo database
for that one book, and the stored and served stress figures recomputed from the raw
closes and positions: a long bond loses exactly D x 0.01 x value on +100 bp, a short
one gains, the convexity term is C dy^2 / 2 of the value, the option beside them is
repriced by vollib with the shocked rate, positions without a duration are stated as
not rate-sensitive, and a rerun rewrites the same history row.

The demo has no bond prices: two ETFs of the demo (USMV, QUAL) stand in for bond
holdings, which is all the duration rule needs (a price to value the position).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import date

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from vollib.black_scholes_merton import black_scholes_merton as vl_price

from sigmasight.batch.runner import BatchOptions, run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.storage.history_stress import PortfolioStressResult
from sigmasight.storage.models import DailyPrice
from sigmasight.storage.uow import UnitOfWork
from tests.api.conftest import Headers, get

API = "/api/v1"
DAY = date(2022, 12, 28)
LONG_BOND = {"symbol": "USMV", "quantity": "1000", "entry_price": "70", "entry_date": "2022-06-01",
             "investment_subtype": "ETF", "modified_duration": "7"}  # fmt: skip
SHORT_BOND = {"symbol": "QUAL", "quantity": "-200", "entry_price": "110",
              "entry_date": "2022-06-01", "investment_subtype": "ETF",
              "modified_duration": "16.8", "convexity": "3.7"}  # fmt: skip
STOCK = {"symbol": "AAPL", "quantity": "50", "entry_price": "140", "entry_date": "2022-06-01"}
CALL = {"symbol": "AAPL230317C00130000", "quantity": "2", "entry_price": "9",
        "entry_date": "2022-11-01"}  # fmt: skip


def _closes(uow_factory: Callable[[], UnitOfWork], symbol: str) -> tuple[list[date], list[float]]:
    """Stored closes of one symbol (the mark) and adjusted closes (the returns) to DAY."""
    with uow_factory() as uow:
        rows = uow.session.execute(
            select(DailyPrice.date, DailyPrice.close, DailyPrice.adj_close)
            .where(DailyPrice.symbol == symbol, DailyPrice.date <= DAY)
            .order_by(DailyPrice.date)
        ).all()
    return [r[0] for r in rows], [float(r[2] if r[2] is not None else r[1]) for r in rows]


def _mark(uow_factory: Callable[[], UnitOfWork], symbol: str) -> float:
    with uow_factory() as uow:
        close = uow.session.scalar(
            select(DailyPrice.close).where(DailyPrice.symbol == symbol, DailyPrice.date == DAY)
        )
    assert close is not None
    return float(close)


def _call_pnl(uow_factory: Callable[[], UnitOfWork], dy: float) -> float:
    """The two AAPL calls repriced by vollib at rate 0 + dy (63-session realized vol)."""
    days, adjusted = _closes(uow_factory, "AAPL")
    assert days[-1] == DAY
    r = np.diff(np.asarray(adjusted)) / np.asarray(adjusted)[:-1]
    sigma = float(np.std(r[-63:], ddof=1) * math.sqrt(252))
    spot = _mark(uow_factory, "AAPL")
    tau = (date(2023, 3, 17) - DAY).days / 365.0
    new = vl_price("c", spot, 130.0, tau, dy, sigma, 0.0)
    old = vl_price("c", spot, 130.0, tau, 0.0, sigma, 0.0)
    return 2 * 100 * (new - old)


@pytest.fixture(scope="module")
def bond_book(client: TestClient) -> tuple[Headers, int]:
    """A fresh user's book with two bond holdings, a stock and a call, run for DAY."""
    email = f"bonds-{uuid.uuid4().hex[:10]}@example.com"
    user = {"email": email, "password": "correct-horse-battery", "name": "Bonds"}
    assert client.post(f"{API}/auth/register", json=user).status_code == 201
    login = client.post(f"{API}/auth/login", json={"email": email, "password": user["password"]})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    book = {"name": "Bond book", "equity_balance": "250000"}
    pid = client.post(f"{API}/portfolios", json=book, headers=headers).json()["id"]
    positions = [LONG_BOND, SHORT_BOND, STOCK, CALL]
    response = client.post(
        f"{API}/portfolios/{pid}/positions/bulk", json=positions, headers=headers
    )
    assert response.status_code == 201, response.text
    _run(client, pid)
    return headers, pid


def _run(client: TestClient, pid: int) -> None:
    factory: Callable[[], UnitOfWork] = client.app.state.uow_factory  # type: ignore[attr-defined]
    calendar = TradingCalendar(start=date(2015, 1, 1), end=date(2024, 12, 31))
    options = BatchOptions(portfolio_ids=[pid], fetch_prices=False)
    report = run_batch(
        factory, ProviderChain([DemoProvider()]), calendar, DAY, DAY, options=options
    )
    assert report.ok, report.errors


def _stored(uow_factory: Callable[[], UnitOfWork], pid: int) -> dict[str, object]:
    with uow_factory() as uow:
        table = PortfolioStressResult.__table__
        row = uow.session.execute(
            select(table).where(table.c.portfolio_id == pid, table.c.calc_date == DAY)
        ).mappings().one()  # fmt: skip
        return dict(row)


def test_a_rate_rise_loses_on_the_long_bond_and_gains_on_the_short(
    client: TestClient, bond_book: tuple[Headers, int], uow_factory: Callable[[], UnitOfWork]
) -> None:
    headers, pid = bond_book
    body = get(client, headers, pid, "stress-tests", as_of=DAY.isoformat())
    scenarios = {s["key"]: s for s in body["scenarios"]}
    usmv, qual = _mark(uow_factory, "USMV"), _mark(uow_factory, "QUAL")
    for key, dy in (("rates_up_100bp", 0.01), ("rates_down_100bp", -0.01)):
        s = scenarios[key]
        assert s["rate_change_bp"] == pytest.approx(dy * 10_000)
        by_symbol = {p["symbol"]: p for p in s["positions"]}
        long_bond = -7.0 * dy * (1000 * usmv)
        short_bond = (-16.8 * dy + 0.5 * 3.7 * dy * dy) * (-200 * qual)
        assert by_symbol["USMV"]["pnl"] == pytest.approx(long_bond, rel=1e-12)
        assert by_symbol["QUAL"]["pnl"] == pytest.approx(short_bond, rel=1e-12)
        assert (by_symbol["USMV"]["method"], by_symbol["QUAL"]["method"]) == ("duration",) * 2
        call = _call_pnl(uow_factory, dy)
        assert by_symbol["AAPL230317C00130000"]["pnl"] == pytest.approx(call, rel=1e-9)
        assert by_symbol["AAPL230317C00130000"]["method"] == "repriced"
        # no rates factor in the demo: the stock does not move under a pure rate shock
        assert by_symbol["AAPL"]["pnl"] == 0.0
        book = long_bond + short_bond + call
        assert s["pnl"] == pytest.approx(book, rel=1e-9)
        assert s["pnl_percent"] == pytest.approx(book / body["nav"], rel=1e-9)
    up = scenarios["rates_up_100bp"]["positions"]
    assert next(p for p in up if p["symbol"] == "USMV")["pnl"] < 0  # long bond: a loss
    assert next(p for p in up if p["symbol"] == "QUAL")["pnl"] > 0  # short bond: a gain
    # +100 bp on the long bond is exactly D x 0.01 x value
    assert next(p for p in up if p["symbol"] == "USMV")["pnl"] == pytest.approx(
        -0.07 * 1000 * usmv, rel=1e-12
    )
    # the one public position without a duration is said to be not rate-sensitive
    assert [p["symbol"] for p in body["not_rate_sensitive"]] == ["AAPL"]
    assert "not rate-sensitive" in body["not_rate_sensitive"][0]["reason"]
    assert any(n.startswith("duration = ") for n in body["notes"])


def test_replays_keep_the_bonds_own_returns(
    client: TestClient, bond_book: tuple[Headers, int], uow_factory: Callable[[], UnitOfWork]
) -> None:
    """A historical replay moves a bond holding by its security's own episode return."""
    headers, pid = bond_book
    body = get(client, headers, pid, "stress-tests", as_of=DAY.isoformat())
    covid = next(s for s in body["scenarios"] if s["key"] == "covid_2020")
    days, adjusted = _closes(uow_factory, "USMV")
    episode = adjusted[days.index(date(2020, 3, 23))] / adjusted[days.index(date(2020, 2, 19))] - 1
    usmv = next(p for p in covid["positions"] if p["symbol"] == "USMV")
    assert usmv["method"] == "replay"
    assert usmv["pnl"] == pytest.approx(1000 * _mark(uow_factory, "USMV") * episode, rel=1e-9)


def test_the_ad_hoc_rate_shock_equals_the_stored_one(
    client: TestClient, bond_book: tuple[Headers, int]
) -> None:
    headers, pid = bond_book
    stored = get(client, headers, pid, "stress-tests", as_of=DAY.isoformat())
    want = next(s for s in stored["scenarios"] if s["key"] == "rates_up_100bp")
    response = client.post(
        f"{API}/analytics/portfolio/{pid}/stress-tests/run",
        headers=headers,
        params={"as_of": DAY.isoformat()},
        json={"name": "r", "rate_bp": 100},
    )
    assert response.status_code == 200, response.text
    got = response.json()["scenario"]
    assert got["pnl"] == pytest.approx(want["pnl"], rel=1e-9)
    assert {p["symbol"]: p["method"] for p in got["positions"]} == {
        p["symbol"]: p["method"] for p in want["positions"]
    }
    # the ad-hoc answer names the positions a rate shock does not reach, as the GET does
    assert response.json()["not_rate_sensitive"] == stored["not_rate_sensitive"]


def test_a_rerun_rewrites_the_same_history_row(
    client: TestClient, bond_book: tuple[Headers, int], uow_factory: Callable[[], UnitOfWork]
) -> None:
    _, pid = bond_book
    before = _stored(uow_factory, pid)
    _run(client, pid)
    assert _stored(uow_factory, pid) == before
