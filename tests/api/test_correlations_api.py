"""Correlation and risk-contribution routes end to end: every served figure recomputed
from the stored raw closes and positions with pandas, numpy, scipy and statsmodels."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from fastapi.testclient import TestClient
from scipy import stats
from sqlalchemy import func, select

from sigmasight.storage.history import AssetCorrelation
from sigmasight.storage.models import DailyPrice, Position, Security
from sigmasight.storage.uow import UnitOfWork
from tests.api.test_risk_metrics_api import Book

Headers = dict[str, str]
Json = dict[str, Any]
BASE = "/api/v1/analytics/portfolio"
LATEST = date(2022, 12, 28)
GROWTH = "Concentrated Growth"
HORIZONS = {"1m": 21, "3m": 63, "6m": 126, "1y": 252, "3y": 756}
ETFS = {
    "momentum": "MTUM",
    "quality": "QUAL",
    "size": "SIZE",
    "low_volatility": "USMV",
    "value": "VLUE",
}


@pytest.fixture(scope="module")
def pid(ids: dict[str, int]) -> int:
    return ids[GROWTH]


class Raw:
    """The growth book (stocks only, no exits before the date) from the raw rows."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], pid: int) -> None:
        with uow_factory() as uow:
            lots = uow.session.scalars(select(Position).where(Position.portfolio_id == pid)).all()
            held = [p for p in lots if p.entry_date <= LATEST and p.exit_date is None]
            self.qty = pd.Series(
                {p.symbol: float(p.quantity) for p in held}, dtype=float
            ).sort_index()
            symbols = [*self.qty.index, "^GSPC", *ETFS.values()]
            rows = uow.session.execute(
                select(
                    DailyPrice.date,
                    DailyPrice.symbol,
                    func.coalesce(DailyPrice.adj_close, DailyPrice.close),
                ).where(DailyPrice.symbol.in_(symbols), DailyPrice.date <= LATEST)
            ).all()
            self.sectors = dict(
                uow.session.execute(
                    select(Security.symbol, Security.sector).where(
                        Security.symbol.in_(list(self.qty.index))
                    )
                ).all()
            )
        closes = pd.DataFrame(rows, columns=["date", "symbol", "close"])
        self.closes = closes.pivot(index="date", columns="symbol", values="close").sort_index()
        self.returns = self.closes.pct_change(fill_method=None)
        self.book = Book(uow_factory, pid)


@pytest.fixture(scope="module")
def raw(uow_factory: Callable[[], UnitOfWork], pid: int) -> Raw:
    return Raw(uow_factory, pid)


def get(client: TestClient, headers: Headers, pid: int, route: str, **params: object) -> Json:
    response = client.get(f"{BASE}/{pid}/{route}", headers=headers, params=params)
    assert response.status_code == 200, response.text
    assert "NaN" not in response.text
    body: Json = json.loads(response.text, parse_constant=lambda c: pytest.fail(c))
    return body


@pytest.mark.parametrize("horizon", list(HORIZONS))
def test_matrix_recomputed_from_raw_prices(
    client: TestClient, demo_headers: Headers, pid: int, raw: Raw, horizon: str
) -> None:
    body = get(client, demo_headers, pid, "correlations", as_of=LATEST, horizon=horizon)
    w = HORIZONS[horizon]
    assert (body["as_of"], body["horizon"], body["window"]) == ("2022-12-28", horizon, w)
    symbols = body["symbols"]
    assert sorted(symbols) == sorted(raw.qty.index)
    part = raw.returns[symbols].iloc[-w:]
    need = max(4, math.ceil(0.75 * w))
    ref = part.corr(min_periods=need).to_numpy()
    got = np.array(body["matrix"], dtype=float)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(got, got.T)
    np.testing.assert_array_equal(np.diag(got), 1.0)
    assert np.linalg.eigvalsh(got).min() > -1e-10
    counts = part.notna().astype(int)
    np.testing.assert_array_equal(body["observations"], (counts.T @ counts).to_numpy())
    for i, j in ((0, 1), (1, len(symbols) - 1)):
        both = part.iloc[:, [i, j]].dropna()
        res = stats.pearsonr(both.iloc[:, 0], both.iloc[:, 1])
        assert body["p_values"][i][j] == pytest.approx(res.pvalue, rel=1e-7, abs=1e-300)
        ci = res.confidence_interval(0.95)
        assert body["ci_low"][i][j] == pytest.approx(ci.low, rel=1e-9)
        assert body["ci_high"][i][j] == pytest.approx(ci.high, rel=1e-9)


def test_matrix_equals_the_stored_pairs(
    client: TestClient,
    demo_headers: Headers,
    pid: int,
    uow_factory: Callable[[], UnitOfWork],
) -> None:
    body = get(client, demo_headers, pid, "correlations", as_of=LATEST, horizon="3m")
    index = {s: i for i, s in enumerate(body["symbols"])}
    with uow_factory() as uow:
        rows = uow.session.scalars(
            select(AssetCorrelation).where(
                AssetCorrelation.calc_date == LATEST,
                AssetCorrelation.symbol_a.in_(list(index)),
                AssetCorrelation.symbol_b.in_(list(index)),
            )
        ).all()
        assert len(rows) == len(index) * (len(index) - 1) // 2
        for row in rows:
            served = body["matrix"][index[row.symbol_a]][index[row.symbol_b]]
            assert served == pytest.approx(row.corr_3m, rel=1e-12)


def test_rolling_recomputed_with_pandas(
    client: TestClient, demo_headers: Headers, pid: int, raw: Raw
) -> None:
    a, b = list(raw.qty.index[:2])
    body = get(client, demo_headers, pid, "correlations/rolling", a=a, b=b, window=20)
    ref = raw.returns[a].rolling(20, min_periods=15).corr(raw.returns[b]).iloc[-252:]
    assert body["dates"] == [d.isoformat() for d in ref.index]
    np.testing.assert_allclose(body["correlations"], ref.to_numpy(), rtol=1e-9)
    assert set(body["observations"]) == {20}


def _weights(raw: Raw) -> pd.Series:
    """Exposure / NAV of each held stock (the risk-metrics reference's book)."""
    return raw.book.weights(LATEST).sort_index()


def _measures() -> dict[str, Callable[[np.ndarray], float]]:
    def vol(p: np.ndarray) -> float:
        return float(np.std(p, ddof=1) * np.sqrt(252))

    def var(p: np.ndarray) -> float:
        return float(-np.quantile(p, 0.05))

    def cvar(p: np.ndarray) -> float:
        return float(-p[p <= np.quantile(p, 0.05)].mean())

    return {"volatility": vol, "var": var, "cvar": cvar}


@pytest.mark.parametrize("measure", ["volatility", "var", "cvar"])
def test_contributions_by_position_and_sector(
    client: TestClient, demo_headers: Headers, pid: int, raw: Raw, measure: str
) -> None:
    f = _measures()[measure]
    w = _weights(raw)
    R = raw.returns[w.index].iloc[-504:].to_numpy()
    body = get(client, demo_headers, pid, "risk-contributions", measure=measure, by="position")
    assert (body["by"], body["window"], body["observations"]) == ("position", 504, 504)
    assert body["total"] == pytest.approx(f(R @ w.to_numpy()), rel=1e-9)
    rows = {c["key"]: c for c in body["contributions"]}
    assert list(rows) == list(w.index)
    h = 1e-7
    for i, symbol in enumerate(w.index):
        e = np.zeros(len(w))
        e[i] = h
        fd = (f(R @ (w.to_numpy() + e)) - f(R @ (w.to_numpy() - e))) / (2 * h)
        assert rows[symbol]["weight"] == pytest.approx(w[symbol], rel=1e-9)
        assert rows[symbol]["marginal"] == pytest.approx(fd, abs=1e-6)
        assert rows[symbol]["component"] == pytest.approx(w[symbol] * fd, abs=1e-6)
    assert sum(c["component"] for c in rows.values()) == pytest.approx(body["total"], abs=1e-10)
    sectors = get(client, demo_headers, pid, "risk-contributions", measure=measure, by="sector")
    expected = (
        pd.Series({s: rows[s]["component"] for s in w.index})
        .groupby(lambda s: raw.sectors[s] or "Unclassified")
        .sum()
    )
    got = {c["key"]: c["component"] for c in sectors["contributions"]}
    assert got == pytest.approx(expected.to_dict(), abs=1e-12)


@pytest.mark.parametrize("measure", ["volatility", "cvar"])
def test_contributions_by_factor(
    client: TestClient, demo_headers: Headers, pid: int, raw: Raw, measure: str
) -> None:
    """Loadings re-estimated with statsmodels on the stored closes (the batch's window of
    252 sessions); the factor components are the exposures times central differences."""
    body = get(client, demo_headers, pid, "risk-contributions", measure=measure, by="factor")
    keys = [c["key"] for c in body["contributions"]]
    assert keys[-1] == "specific"
    factors = keys[:-1]
    assert set(factors) >= {"market", *ETFS}
    ret = raw.returns
    legs = {"market": ret["^GSPC"]} | {k: ret[e] - ret["^GSPC"] for k, e in ETFS.items()}
    Fall = pd.DataFrame({k: legs[k] for k in factors if k in legs})
    if list(Fall.columns) != factors:  # factors beyond the four ETFs: not in this data
        pytest.fail(f"unexpected factors {factors}")
    w = _weights(raw)
    window = pd.concat([ret[w.index], Fall], axis=1).iloc[-252:]
    B = np.array(
        [sm.OLS(window[s], sm.add_constant(window[factors])).fit().params[factors] for s in w.index]
    )
    b = B.T @ w.to_numpy()
    R = ret[w.index].iloc[-504:].to_numpy()
    F = Fall.iloc[-504:].to_numpy()
    p = R @ w.to_numpy()
    u = p - F @ b
    f = _measures()[measure]
    rows = {c["key"]: c for c in body["contributions"]}
    assert body["total"] == pytest.approx(f(p), rel=1e-9)
    h = 1e-7
    for k, key in enumerate(factors):
        e = np.zeros(len(b))
        e[k] = h
        fd = (f(F @ (b + e) + u) - f(F @ (b - e) + u)) / (2 * h)
        assert rows[key]["weight"] == pytest.approx(b[k], rel=1e-6, abs=1e-9)
        assert rows[key]["component"] == pytest.approx(b[k] * fd, abs=1e-6)
    total = sum(c["component"] for c in rows.values())
    assert total == pytest.approx(body["total"], abs=1e-10)


@pytest.mark.parametrize(
    ("route", "params"),
    [
        ("correlations", {"horizon": "2y"}),
        ("correlations/rolling", {"a": "AAPL", "b": "NOPE", "window": 60}),
        ("correlations/rolling", {"a": "AAPL", "b": "MSFT", "window": 30}),
        ("risk-contributions", {"measure": "sharpe"}),
        ("risk-contributions", {"by": "country"}),
    ],
)
def test_bad_parameters_answer_json_errors(
    client: TestClient, demo_headers: Headers, pid: int, route: str, params: Json
) -> None:
    response = client.get(f"{BASE}/{pid}/{route}", headers=demo_headers, params=params)
    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_PARAMETER"


@pytest.mark.parametrize("route", ["correlations", "risk-contributions"])
def test_another_owner_gets_404(
    client: TestClient, new_user: Callable[[], Headers], pid: int, route: str
) -> None:
    response = client.get(f"{BASE}/{pid}/{route}", headers=new_user())
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


@pytest.mark.usefixtures("logging_restored")
def test_cli_prints_the_served_figures(
    client: TestClient, demo_headers: Headers, pid: int, api_database_url: str
) -> None:
    from typer.testing import CliRunner

    from sigmasight.cli.main import app

    matrix = get(client, demo_headers, pid, "correlations", horizon="6m")
    split = get(client, demo_headers, pid, "risk-contributions", measure="var")
    runner = CliRunner()
    args = ["analytics", "correlations", str(pid), "--horizon", "6m", "--measure", "var"]
    result = runner.invoke(app, [*args, "--database-url", api_database_url], terminal_width=400)
    assert result.exit_code == 0, result.output
    first = matrix["symbols"][0]
    line = next(ln for ln in result.output.splitlines() if ln.strip("│ ").startswith(first))
    for value in matrix["matrix"][0]:
        assert f"{value:.2f}" in line
    for c in split["contributions"]:
        assert f"{100 * c['component']:.2f}%" in result.output
    bad = runner.invoke(app, [*args[:3], "--horizon", "2y", "--database-url", api_database_url])
    assert bad.exit_code == 2
    assert "unknown horizon" in bad.output
