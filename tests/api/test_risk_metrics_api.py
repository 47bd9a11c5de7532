"""Risk-metrics routes end to end: every served figure recomputed from the stored raw
prices and positions with an independent implementation (pandas, empyrical, scipy)."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from datetime import date
from typing import Any

import empyrical
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from scipy import stats
from sqlalchemy import func, select

from sigmasight.api.schemas_risk import DrawdownsOut, RiskMetricsOut, VaRBacktestOut
from sigmasight.services import analytics as service
from sigmasight.storage.history import PortfolioRiskMetrics, PortfolioSnapshot
from sigmasight.storage.history_risk import var_entries
from sigmasight.storage.models import DailyPrice, Portfolio, Position
from sigmasight.storage.uow import UnitOfWork
from tests.api.conftest import get

Headers = dict[str, str]
Json = dict[str, Any]
BASE = "/api/v1/analytics/portfolio"
LATEST = date(2022, 12, 28)
GROWTH, DIVERSIFIED = "Concentrated Growth", "Diversified Individual"


class Book:
    """The book rebuilt from the raw stored rows: closes, lots, equity (no flows in the
    demo), the time-weighted daily NAV returns and the holdings' values on a date."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], pid: int) -> None:
        with uow_factory() as uow:
            portfolio = uow.session.get(Portfolio, pid)
            assert portfolio is not None
            self.equity = float(portfolio.equity_balance)
            lots = uow.session.scalars(select(Position).where(Position.portfolio_id == pid))
            self.lots = pd.DataFrame(
                [
                    (
                        p.symbol,
                        float(p.quantity),
                        p.entry_date,
                        p.exit_date,
                        float(p.entry_price),
                        None if p.exit_price is None else float(p.exit_price),
                    )
                    for p in lots
                ],
                columns=["symbol", "qty", "entry", "exit", "cost", "exit_price"],
            )
            symbols = [*self.lots["symbol"].unique(), "^GSPC"]
            rows = uow.session.execute(
                select(
                    DailyPrice.date,
                    DailyPrice.symbol,
                    func.coalesce(DailyPrice.adj_close, DailyPrice.close),
                ).where(DailyPrice.symbol.in_(symbols), DailyPrice.date <= LATEST)
            ).all()
        closes = pd.DataFrame(rows, columns=["date", "symbol", "close"])
        self.closes = closes.pivot(index="date", columns="symbol", values="close").sort_index()

    def cumulative_pnl(self) -> pd.Series:
        days = self.closes.index
        total = pd.Series(0.0, index=days)
        for lot in self.lots.itertuples():
            held = (days >= lot.entry) & ((lot.exit is None) | (days < lot.exit))
            pnl = lot.qty * (self.closes[lot.symbol] - lot.cost)
            total += np.where(held, pnl, 0.0)
            if lot.exit is not None:
                total += np.where(days >= lot.exit, lot.qty * (lot.exit_price - lot.cost), 0.0)
        return total

    def realized(self) -> pd.Series:
        cum = self.cumulative_pnl()
        nav = self.equity + cum
        previous = nav.shift(1).fillna(self.equity)
        inception = self.lots["entry"].min()
        r = (cum - cum.shift(1).fillna(0.0)) / previous
        return r[r.index >= inception]

    def weights(self, day: date) -> pd.Series:
        held = self.lots[(self.lots["entry"] <= day) & self.lots["exit"].isna()]
        value = held["qty"].to_numpy() * self.closes.loc[day, held["symbol"]].to_numpy()
        nav = self.equity + self.cumulative_pnl().loc[day]
        return pd.Series(value / nav, index=held["symbol"]).groupby(level=0).sum()


def _quiet(fn: Any, *args: Any, **kw: Any) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(*args, **kw))


@pytest.mark.parametrize("name", [GROWTH, DIVERSIFIED])
def test_risk_metrics_recomputed_from_raw_prices_and_positions(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    ids: dict[str, int],
    name: str,
) -> None:
    body = get(client, demo_headers, ids[name], "risk-metrics", as_of=LATEST)
    book = Book(uow_factory, ids[name])
    returns = book.closes.pct_change(fill_method=None).iloc[-504:]
    w = book.weights(LATEST)
    series = returns[w.index].to_numpy() @ w.to_numpy()
    nav = book.equity + book.cumulative_pnl().loc[LATEST]
    assert body["nav"] == pytest.approx(nav, rel=1e-9)
    ex = body["ex_ante"]
    assert (ex["window"], ex["observations"]) == (504, 504)
    entries = {(e["method"], e["confidence"], e["scaling"]): e for e in ex["var"]}
    assert len(entries) == 14
    mu, sd = series.mean(), series.std(ddof=1)
    s, k = stats.skew(series), stats.kurtosis(series)
    for c in (0.95, 0.99):
        hist = entries[("historical", c, "one_day")]
        assert hist["var"] == pytest.approx(-np.quantile(series, 1 - c), rel=1e-9)
        tail = series[series <= np.quantile(series, 1 - c)]
        assert hist["cvar"] == pytest.approx(-tail.mean(), rel=1e-9)
        assert hist["var_amount"] == pytest.approx(hist["var"] * nav, rel=1e-9)
        normal = entries[("parametric", c, "one_day")]
        assert normal["var"] == pytest.approx(-stats.norm(mu, sd).ppf(1 - c), rel=1e-9)
        z = stats.norm.ppf(1 - c)
        zcf = z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36
        assert entries[("cornish_fisher", c, "one_day")]["var"] == pytest.approx(
            -(mu + zcf * sd), rel=1e-9
        )
        scaled = entries[("parametric", c, "sqrt_time")]
        assert (scaled["horizon_days"], scaled["var"]) == (
            21,
            pytest.approx(np.sqrt(21) * normal["var"], rel=1e-12),
        )
        month = pd.Series(1 + series).rolling(21).apply(np.prod, raw=True).dropna() - 1
        over = entries[("historical", c, "overlapping")]
        assert over["var"] == pytest.approx(-np.quantile(month, 1 - c), rel=1e-9)
    assert ex["volatility"] == pytest.approx(sd * np.sqrt(252), rel=1e-9)
    sec = returns[w.index].std(ddof=1) * np.sqrt(252)
    assert body["diversification_ratio"] == pytest.approx(
        (w.abs() * sec).sum() / (sd * np.sqrt(252)), rel=1e-9
    )

    realized = book.realized().iloc[-504:]
    r = realized.to_numpy()
    got = body["realized"]
    assert got["observations"] == r.size
    assert got["sharpe"] == pytest.approx(_quiet(empyrical.sharpe_ratio, r), rel=1e-8)
    assert got["sortino"] == pytest.approx(_quiet(empyrical.sortino_ratio, r), rel=1e-8)
    assert got["calmar"] == pytest.approx(_quiet(empyrical.calmar_ratio, r), rel=1e-8)
    assert got["omega"] == pytest.approx(_quiet(empyrical.omega_ratio, r), rel=1e-8)
    assert got["max_drawdown"] == pytest.approx(_quiet(empyrical.max_drawdown, r), rel=1e-8)
    market = returns["^GSPC"].reindex(realized.index).to_numpy()
    beta = stats.linregress(market, r).slope
    assert got["beta"] == pytest.approx(beta, rel=1e-8)
    assert got["treynor"] == pytest.approx(252 * r.mean() / beta, rel=1e-8)
    wealth = np.cumprod(1 + r)
    peak = np.maximum.accumulate(np.r_[1.0, wealth])[1:]
    assert got["current_drawdown"] == pytest.approx(wealth[-1] / peak[-1] - 1, abs=1e-12)

    dd = get(client, demo_headers, ids[name], "drawdowns", as_of=LATEST)
    trough = int(np.argmin(wealth / peak - 1))
    assert dd["trough"] == realized.index[trough].isoformat()
    before = np.r_[1.0, wealth][: trough + 2]
    at = int(np.flatnonzero(before == before.max())[-1]) - 1
    start = realized.index[0]
    prior = book.closes.index[list(book.closes.index).index(start) - 1]
    assert dd["peak"] == (realized.index[at] if at >= 0 else prior).isoformat()
    assert dd["episodes"][0]["depth"] == pytest.approx(dd["max_drawdown"])
    assert len(dd["episodes"]) <= 5


def test_var_backtest_recomputed_from_stored_rows(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    ids: dict[str, int],
) -> None:
    pid = ids[GROWTH]
    body = get(client, demo_headers, pid, "var-backtest", method="parametric", confidence=0.95)
    with uow_factory() as uow:
        rows = uow.session.execute(
            select(PortfolioRiskMetrics.calc_date, PortfolioRiskMetrics.var)
            .where(PortfolioRiskMetrics.portfolio_id == pid)
            .order_by(PortfolioRiskMetrics.calc_date)
        ).all()
        returns = dict(
            uow.session.execute(
                select(PortfolioSnapshot.snapshot_date, PortfolioSnapshot.daily_return).where(
                    PortfolioSnapshot.portfolio_id == pid
                )
            ).all()
        )
    var = {
        d: next(
            e["var"]
            for e in entries
            if (e["method"], e["confidence"], e["scaling"]) == ("parametric", 0.95, "one_day")
        )
        for d, entries in ((d, var_entries(stored)) for d, stored in rows)
    }
    days = [d for d, _ in rows]
    hits = [-returns[b] > var[a] for a, b in itertools.pairwise(days)]
    assert [p["exception"] for p in body["points"]] == hits
    assert body["sessions"] == len(hits)
    x, n, p = sum(hits), len(hits), 0.05
    ll0 = (n - x) * np.log(1 - p) + (x * np.log(p) if x else 0.0)
    ll1 = (n - x) * np.log(1 - x / n) + (x * np.log(x / n) if x else 0.0)
    assert body["kupiec_lr"] == pytest.approx(-2 * (ll0 - ll1), abs=1e-9)
    assert body["traffic_light"] in {"green", "yellow", "red"}
    bad = client.get(
        f"{BASE}/{pid}/var-backtest", headers=demo_headers, params={"method": "monte_carlo"}
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "INVALID_PARAMETER"


@pytest.mark.parametrize(
    ("route", "function", "schema"),
    [
        ("risk-metrics", service.risk_metrics, RiskMetricsOut),
        ("drawdowns", service.drawdowns, DrawdownsOut),
        ("var-backtest", service.var_backtest, VaRBacktestOut),
    ],
)
def test_routes_serve_the_service_and_answer_404_without_a_row(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    owner: int,
    ids: dict[str, int],
    route: str,
    function: Callable[..., Any],
    schema: Any,
) -> None:
    for pid in ids.values():
        body = get(client, demo_headers, pid, route)
        assert body == schema.model_validate(function(uow_factory, owner, pid)).model_dump(
            mode="json"
        )
    missing = client.get(
        f"{BASE}/{ids[GROWTH]}/{route}", headers=demo_headers, params={"as_of": "2022-11-30"}
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "NO_SNAPSHOT"


@pytest.mark.usefixtures("logging_restored")
def test_cli_analytics_risk_prints_the_served_figures(
    client: TestClient, demo_headers: Headers, ids: dict[str, int], api_database_url: str
) -> None:
    from typer.testing import CliRunner

    from sigmasight.cli.main import app

    pid = ids[GROWTH]
    body = get(client, demo_headers, pid, "risk-metrics")
    runner = CliRunner()
    result = runner.invoke(app, ["analytics", "risk", str(pid), "--database-url", api_database_url])
    assert result.exit_code == 0, result.output
    for entry in body["ex_ante"]["var"]:
        assert f"{100 * entry['var']:.2f} %" in result.output
    assert body["risk_level"] in result.output
    missing = runner.invoke(
        app, ["analytics", "risk", "999999", "--database-url", api_database_url]
    )
    assert missing.exit_code == 2
    assert "not found" in missing.output
