"""Performance routes end to end: served figures recomputed from the stored raw closes,
positions and equity changes (pandas, empyrical, pyxirr), and the benchmark CRUD's
validation (clear codes, nothing written)."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable
from datetime import date
from typing import Any

import empyrical
import numpy as np
import pandas as pd
import pytest
import pyxirr
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sigmasight.storage.history_performance import PortfolioBenchmark
from sigmasight.storage.models import DailyPrice, Portfolio, Position, Security
from sigmasight.storage.uow import UnitOfWork
from tests.api.conftest import get

Headers = dict[str, str]
BASE = "/api/v1/analytics/portfolio"
LATEST = date(2022, 12, 28)
DIVERSIFIED = "Diversified Individual"


def _book(uow_factory: Callable[[], UnitOfWork], pid: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily NAV and flows of the book from the raw rows, and the raw closes."""
    with uow_factory() as uow:
        portfolio = uow.session.get(Portfolio, pid)
        assert portfolio is not None
        equity = float(portfolio.equity_balance)
        lots = list(uow.session.scalars(select(Position).where(Position.portfolio_id == pid)))
        uow.session.expunge_all()
        symbols = [*{p.symbol for p in lots}, "^GSPC"]
        rows = uow.session.execute(
            select(
                DailyPrice.date,
                DailyPrice.symbol,
                func.coalesce(DailyPrice.adj_close, DailyPrice.close),
            ).where(DailyPrice.symbol.in_(symbols), DailyPrice.date <= LATEST)
        ).all()
        flows = [
            (c.change_date, c.change_type.value, float(c.amount)) for c in portfolio_flows(uow, pid)
        ]
    closes = pd.DataFrame(rows, columns=["date", "symbol", "close"]).pivot(
        index="date", columns="symbol", values="close"
    )
    inception = min(p.entry_date for p in lots)
    closes = closes.sort_index()
    days = closes.index[closes.index >= inception]
    pnl = pd.Series(0.0, index=days)
    for p in lots:
        qty, cost = float(p.quantity), float(p.entry_price)
        held = (days >= p.entry_date) & ((days < p.exit_date) if p.exit_date else True)
        pnl += np.where(held, qty * (closes.loc[days, p.symbol] - cost), 0.0)
        if p.exit_date:
            pnl += np.where(days >= p.exit_date, qty * (float(p.exit_price) - cost), 0.0)
    inflow = pd.Series(0.0, index=days)
    outflow = pd.Series(0.0, index=days)
    inflow.iloc[0] = equity
    for day, kind, amount in flows:
        at = days[days >= day][0]
        (inflow if kind == "CONTRIBUTION" else outflow)[at] += amount
    nav = pnl + (inflow - outflow).cumsum()
    return pd.DataFrame({"nav": nav, "inflow": inflow, "outflow": outflow}), closes


def portfolio_flows(uow: UnitOfWork, pid: int) -> list[Any]:
    return uow.equity_changes.for_portfolio(pid)


def _twr(frame: pd.DataFrame) -> pd.Series:
    previous = frame["nav"].shift(1, fill_value=0.0)
    return (frame["nav"] - previous - frame["inflow"] + frame["outflow"]) / (
        previous + frame["inflow"]
    )


def _quiet(fn: Any, *args: Any) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(*args))


def test_performance_recomputed_from_raw_prices_and_positions(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    ids: dict[str, int],
) -> None:
    pid = ids[DIVERSIFIED]
    frame, _ = _book(uow_factory, pid)
    r = _twr(frame)
    growth = (1 + r).cumprod()
    body = get(client, demo_headers, pid, "performance", as_of=LATEST)
    assert body["as_of"] == LATEST.isoformat()
    assert "start of the session" in body["flow_timing"]
    assert body["start"] == body["inception"] == frame.index[0].isoformat()
    # the batch stored December 2022 only: the series starts there, the TWR is still
    # since inception, the XIRR needs the flows since inception and says so
    assert body["series"][0]["date"] == "2022-12-01"
    assert body["mwr"]["xirr"] is None
    assert "starts on 2022-12-01" in body["mwr"]["reason"]
    n = len(frame)
    assert body["twr"]["sessions"] == n
    assert body["twr"]["cumulative"] == pytest.approx(growth.iloc[-1] - 1, rel=1e-9)
    assert body["twr"]["annualized"] == pytest.approx(growth.iloc[-1] ** (252 / n) - 1, rel=1e-9)
    periods = body["periods"]
    assert list(periods) == [
        "1D", "MTD", "QTD", "YTD", "1m", "3m", "6m", "1y", "3y", "5y", "inception"
    ]  # fmt: skip
    g = growth
    assert periods["1D"]["total"] == pytest.approx(r.iloc[-1], rel=1e-9)
    ytd = g.iloc[-1] / g[g.index <= date(2021, 12, 31)].iloc[-1] - 1
    assert periods["YTD"]["total"] == pytest.approx(ytd, rel=1e-9)
    assert periods["1y"]["total"] == pytest.approx(g.iloc[-1] / g.iloc[-253] - 1, rel=1e-9)
    assert periods["1y"]["annualized"] is None
    assert periods["3y"]["total"] is None
    start = date(2022, 12, 12)
    part = get(client, demo_headers, pid, "performance", as_of=LATEST, start=start)
    inside = g[g.index >= start]
    anchor = g[g.index < start].iloc[-1]
    assert [p["date"] for p in part["series"]] == [d.isoformat() for d in inside.index]
    for point, value in zip(part["series"], inside, strict=True):
        assert point["twr_cumulative"] == pytest.approx(value / anchor - 1, rel=1e-9)
    assert part["twr"]["cumulative"] == pytest.approx(inside.iloc[-1] / anchor - 1, rel=1e-9)
    assert part["twr"]["annualized"] is None
    before = frame[frame.index < start]
    dates = [before.index[-1], frame.index[-1]]
    amounts = [-before["nav"].iloc[-1], frame["nav"].iloc[-1]]
    assert part["mwr"]["xirr"] == pytest.approx(pyxirr.xirr(dates, amounts), rel=1e-8)
    assert part["mwr"]["reason"] is None
    early = client.get(
        f"{BASE}/{pid}/performance", headers=demo_headers, params={"start": "2022-06-01"}
    )
    assert (early.status_code, early.json()["code"]) == (422, "INVALID_RANGE")


def test_benchmark_comparison_recomputed_with_empyrical(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    ids: dict[str, int],
) -> None:
    pid = ids[DIVERSIFIED]
    frame, closes = _book(uow_factory, pid)
    r = _twr(frame).to_numpy()[-252:]
    b = closes["^GSPC"].pct_change(fill_method=None).loc[frame.index].to_numpy()[-252:]
    body = get(client, demo_headers, pid, "benchmark-comparison", as_of=LATEST, window="1y")
    assert (body["benchmark"], body["window"], body["observations"]) == ("^GSPC", "1y", 252)
    assert body["tracking_error"] == pytest.approx((r - b).std(ddof=1) * np.sqrt(252), rel=1e-9)
    ir = _quiet(empyrical.excess_sharpe, r, b) * np.sqrt(252)
    assert body["information_ratio"] == pytest.approx(ir, rel=1e-9)
    assert body["beta"] == pytest.approx(_quiet(empyrical.beta, r, b), rel=1e-9)
    assert body["alpha"] == pytest.approx(_quiet(empyrical.alpha, r, b), rel=1e-8)
    assert body["up_capture"] == pytest.approx(_quiet(empyrical.up_capture, r, b), rel=1e-9)
    assert body["down_capture"] == pytest.approx(_quiet(empyrical.down_capture, r, b), rel=1e-9)
    assert body["correlation"] == pytest.approx(np.corrcoef(r, b)[0, 1], rel=1e-9)
    assert body["hit_rate"] == pytest.approx(np.mean(r > b))
    assert body["excess_return"] == pytest.approx(np.prod(1 + r) - np.prod(1 + b), rel=1e-9)
    missing = client.get(
        f"{BASE}/{pid}/benchmark-comparison",
        headers=demo_headers,
        params={"benchmark": "NOPE", "as_of": LATEST.isoformat()},
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "NO_BENCHMARK_METRICS"
    bad = client.get(
        f"{BASE}/{pid}/benchmark-comparison", headers=demo_headers, params={"window": "9y"}
    )
    assert bad.status_code == 422


def _stored_benchmarks(uow_factory: Callable[[], UnitOfWork], pid: int) -> list[tuple[Any, ...]]:
    with uow_factory() as uow:
        rows = uow.session.scalars(
            select(PortfolioBenchmark).where(PortfolioBenchmark.portfolio_id == pid)
        )
        return sorted((b.name, b.is_primary, b.rebalance) for b in rows)


def test_benchmark_crud_validates_and_writes_nothing_on_error(
    client: TestClient, demo_headers: Headers, uow_factory: Callable[[], UnitOfWork]
) -> None:
    h = demo_headers
    made = client.post(
        "/api/v1/portfolios", json={"name": f"Bench {uuid.uuid4().hex[:8]}"}, headers=h
    )
    pid = made.json()["id"]
    url = f"{BASE}/{pid}/benchmarks"
    try:
        listed = client.get(url, headers=h).json()
        assert listed == [
            {"id": None, "name": "^GSPC", "legs": [{"symbol": "^GSPC", "weight": 1.0}],
             "rebalance": "daily", "is_primary": True}
        ]  # fmt: skip
        with uow_factory() as uow:
            if uow.session.get(Security, "NOPX") is None:
                uow.session.add(Security(symbol="NOPX", name="No prices"))
                uow.commit()
        refused = {
            "UNKNOWN_SYMBOL": {"legs": [{"symbol": "ZZZQ", "weight": 1.0}]},
            "WEIGHTS_NOT_ONE": {
                "legs": [{"symbol": "^GSPC", "weight": 0.5}, {"symbol": "USMV", "weight": 0.4}]
            },
            "NO_PRICE_HISTORY": {"legs": [{"symbol": "NOPX", "weight": 1.0}]},
        }
        for code, body in refused.items():
            response = client.post(url, json=body, headers=h)
            assert response.status_code == 422, response.text
            assert response.json()["code"] == code
            assert _stored_benchmarks(uow_factory, pid) == []
        blend = {
            "legs": [{"symbol": "^GSPC", "weight": 0.6}, {"symbol": "USMV", "weight": 0.4}],
            "rebalance": "monthly",
            "is_primary": True,
        }
        added = client.post(url, json=blend, headers=h)
        assert added.status_code == 201, added.text
        assert added.json()["name"] == "60% ^GSPC / 40% USMV"
        assert _stored_benchmarks(uow_factory, pid) == [
            ("60% ^GSPC / 40% USMV", True, "monthly"),
            ("^GSPC", False, "daily"),
        ]
        again = client.post(url, json=blend, headers=h)
        assert (again.status_code, again.json()["code"]) == (409, "DUPLICATE_BENCHMARK")
        gone = client.delete(f"{url}/{added.json()['id']}", headers=h)
        assert gone.status_code == 204
        assert _stored_benchmarks(uow_factory, pid) == [("^GSPC", True, "daily")]
        assert client.delete(f"{url}/{added.json()['id']}", headers=h).status_code == 404
    finally:
        assert client.delete(f"/api/v1/portfolios/{pid}", headers=h).status_code == 204


@pytest.mark.usefixtures("logging_restored")
def test_cli_performance_and_benchmarks_print_the_served_figures(
    client: TestClient, demo_headers: Headers, ids: dict[str, int], api_database_url: str
) -> None:
    from typer.testing import CliRunner

    from sigmasight.cli.main import app

    pid = ids[DIVERSIFIED]
    body = get(client, demo_headers, pid, "performance")
    bench = get(client, demo_headers, pid, "benchmark-comparison")
    runner = CliRunner()
    db = ["--database-url", api_database_url]
    result = runner.invoke(app, ["analytics", "performance", str(pid), *db])
    assert result.exit_code == 0, result.output
    assert f"TWR {100 * body['twr']['cumulative']:.2f} %" in result.output
    assert f"{100 * body['periods']['YTD']['total']:.2f} %" in result.output
    assert f"tracking error {100 * bench['tracking_error']:.2f} %" in result.output
    listed = runner.invoke(app, ["analytics", "benchmarks", "list", str(pid), *db])
    assert listed.exit_code == 0, listed.output
    assert "* ^GSPC (default)" in listed.output
    refused = runner.invoke(
        app, ["analytics", "benchmarks", "add", str(pid), "^GSPC=0.5", "USMV=0.4", *db]
    )
    assert refused.exit_code == 2
    assert "WEIGHTS_NOT_ONE" in refused.output
    missing = runner.invoke(app, ["analytics", "performance", "999999", *db])
    assert (missing.exit_code, "not found" in missing.output) == (2, True)


def test_attribution_recomputed_from_raw_rows_and_sums_to_the_return(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    ids: dict[str, int],
) -> None:
    from sigmasight.domain.factors import FACTORS
    from sigmasight.storage.history import PortfolioFactorExposure

    pid = ids[DIVERSIFIED]
    frame, _ = _book(uow_factory, pid)
    r = _twr(frame)
    body = get(client, demo_headers, pid, "attribution", start="2022-12-05", end=LATEST)
    assert (body["start"], body["end"]) == ("2022-12-05", LATEST.isoformat())
    period = r[(r.index >= date(2022, 12, 5)) & (r.index <= LATEST)]
    growth_before = (1 + period).cumprod().shift(1, fill_value=1.0)
    total = float((1 + period).prod() - 1)
    assert body["total_return"] == pytest.approx(total, rel=1e-9)
    parts = [c["contribution"] or 0.0 for c in body["factors"]]
    assert sum(parts) + body["specific"] == pytest.approx(total, rel=1e-9, abs=1e-12)
    assert body["sum_of_parts"] == pytest.approx(total, rel=1e-9, abs=1e-12)
    # the raw stored loadings (JSON columns) at each previous close, the raw closes
    with uow_factory() as uow:
        stored = {
            row.calc_date: row.ols
            for row in uow.session.scalars(
                select(PortfolioFactorExposure).where(PortfolioFactorExposure.portfolio_id == pid)
            )
        }
        symbols = sorted({s for d in FACTORS for s in (d.long, d.short) if s})
        rows = uow.session.execute(
            select(
                DailyPrice.date,
                DailyPrice.symbol,
                func.coalesce(DailyPrice.adj_close, DailyPrice.close),
            ).where(DailyPrice.symbol.in_(symbols), DailyPrice.date <= LATEST)
        ).all()
    closes = pd.DataFrame(rows, columns=["date", "symbol", "close"]).pivot(
        index="date", columns="symbol", values="close"
    )
    legs = closes.sort_index().pct_change(fill_method=None)
    days = list(r.index)
    expected: dict[str, float | None] = {d.key: None for d in FACTORS}
    for day in period.index:
        before = days[days.index(day) - 1]
        figures = stored[before]["factors"]
        weighted = dict(zip(figures["keys"], figures["weighted"], strict=True))
        for d in FACTORS:
            b = weighted.get(d.key)
            if b is None or d.long not in legs:  # not estimated (no prices in the demo)
                continue
            f = legs.loc[day, d.long] - (legs.loc[day, d.short] if d.short else 0.0)
            expected[d.key] = (expected[d.key] or 0.0) + growth_before[day] * b * f
    for c in body["factors"]:
        want = expected[c["key"]]
        if want is None:
            assert c["contribution"] is None
        else:
            assert c["contribution"] == pytest.approx(want, rel=1e-9, abs=1e-13)
    assert any(c["contribution"] is None for c in body["factors"])  # no prices in the demo
    assert body["factors"][0]["key"] == "market"
    assert body["sessions_without_loadings"] == 0
    # by sector: the P&L of the lots in each bucket over the capital at risk, linked
    sectors = {c["key"]: c["contribution"] for c in body["sectors"]}
    assert sum(sectors.values()) == pytest.approx(total, rel=1e-9, abs=1e-12)
    with uow_factory() as uow:
        etfs = {
            p.symbol: float(p.quantity)
            for p in uow.session.scalars(select(Position).where(Position.portfolio_id == pid))
            if (sec := uow.session.get(Security, p.symbol)) is not None and sec.is_etf
        }
    assert etfs  # USMV and QUAL
    closes_all = _book(uow_factory, pid)[1]
    etf_pnl = sum(qty * closes_all[s].diff() for s, qty in etfs.items())
    base = frame["nav"].shift(1) + frame["inflow"]
    etf_share = sum(growth_before[day] * etf_pnl[day] / base[day] for day in period.index)
    assert sectors["ETF"] == pytest.approx(etf_share, rel=1e-9)
