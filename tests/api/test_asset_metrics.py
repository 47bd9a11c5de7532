"""Asset metrics through the API, recomputed end to end from the raw stored closes with
pandas (never the package's kernels), over the demo database with the batch run for
2022-12-01..2022-12-28."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sigmasight.services.demo import DEMO_EMAIL
from sigmasight.storage.history import SecurityMarketBeta
from sigmasight.storage.models import DailyPrice
from sigmasight.storage.uow import UnitOfWork

Headers = dict[str, str]
LATEST = date(2022, 12, 28)
INDICATORS = {
    "sma_20", "sma_50", "sma_200", "ema_12", "ema_26", "rsi_14", "macd", "macd_signal",
    "macd_hist", "bb_upper", "bb_middle", "bb_lower", "atr_14", "stoch_k", "stoch_d", "obv",
    "high_52w", "low_52w",
}  # fmt: skip
RETURNS = {"1m", "3m", "6m", "YTD", "1y", "3y", "5y"}


def _strict(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


def metrics(client: TestClient, headers: Headers, symbol: str, **params: object) -> Any:
    response = client.get(f"/api/v1/securities/{symbol}/metrics", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return _strict(response.text)


def closes(factory: Callable[[], UnitOfWork], symbol: str, day: date) -> pd.Series:
    """Stored adjusted closes up to ``day``, read as raw rows."""
    with factory() as uow:
        rows = uow.session.execute(
            select(DailyPrice.date, DailyPrice.adj_close, DailyPrice.close)
            .where(DailyPrice.symbol == symbol, DailyPrice.date <= day)
            .order_by(DailyPrice.date)
        ).all()
    return pd.Series([a if a is not None else c for _, a, c in rows], index=[d for d, _, _ in rows])


def test_shape_is_exactly_the_issue_s(client: TestClient, demo_headers: Headers) -> None:
    body = metrics(client, demo_headers, "AAPL", as_of="2022-12-28")
    assert set(body) == {"symbol", "as_of", "indicators", "returns", "risk", "reasons"}
    assert body["symbol"] == "AAPL"
    assert body["as_of"] == "2022-12-28"
    assert set(body["indicators"]) >= INDICATORS
    assert set(body["returns"]) == RETURNS
    assert set(body["risk"]) == {"volatility_1y", "sharpe_1y", "max_drawdown_1y", "beta"}
    # closes only in the demo: the range and volume indicators say why they are null
    for name in ("atr_14", "stoch_k", "stoch_d", "obv"):
        assert body["indicators"][name] is None
        assert body["reasons"][name] == "needs OHLCV"
    for name, value in body["indicators"].items():
        assert (value is None) == (name in body["reasons"]), name


def test_served_figures_equal_pandas_on_the_stored_closes(
    client: TestClient, demo_headers: Headers, uow_factory: Callable[[], UnitOfWork]
) -> None:
    day = LATEST
    body = metrics(client, demo_headers, "MSFT", as_of=day.isoformat())
    p = closes(uow_factory, "MSFT", day)
    assert p.index[-1] == day
    ind, ret, risk = body["indicators"], body["returns"], body["risk"]

    def same(a: float | None, b: float, rel: float = 1e-9) -> None:
        assert a is not None
        assert math.isclose(a, b, rel_tol=rel, abs_tol=1e-10), (a, b)

    same(ind["sma_20"], p.iloc[-20:].mean())
    same(ind["sma_200"], p.iloc[-200:].mean())
    # long histories: the seed of pandas' EMA (the first close) has no weight left
    same(ind["ema_12"], p.ewm(span=12, adjust=False).mean().iloc[-1])
    same(ind["ema_26"], p.ewm(span=26, adjust=False).mean().iloc[-1])
    macd = p.ewm(span=12, adjust=False).mean() - p.ewm(span=26, adjust=False).mean()
    signal = macd.ewm(span=9, adjust=False).mean()
    same(ind["macd"], macd.iloc[-1], 1e-7)
    same(ind["macd_signal"], signal.iloc[-1], 1e-7)
    change = p.diff()
    gain = change.clip(lower=0).ewm(alpha=1 / 14, adjust=False).mean()
    loss = (-change).clip(lower=0).ewm(alpha=1 / 14, adjust=False).mean()
    same(ind["rsi_14"], float(100 * gain.iloc[-1] / (gain.iloc[-1] + loss.iloc[-1])))
    sd = p.iloc[-20:].std(ddof=0)
    same(ind["bb_upper"], p.iloc[-20:].mean() + 2 * sd)
    same(ind["high_52w"], p.iloc[-252:].max())
    same(ind["low_52w"], p.iloc[-252:].min())
    for name, h in {"1m": 21, "3m": 63, "6m": 126, "1y": 252}.items():
        same(ret[name], p.iloc[-1] / p.iloc[-1 - h] - 1)
    for name, h in {"3y": 756, "5y": 1260}.items():
        same(ret[name], (p.iloc[-1] / p.iloc[-1 - h]) ** (252 / h) - 1)
    year_end = p[[d.year < day.year for d in p.index]].iloc[-1]
    same(ret["YTD"], p.iloc[-1] / year_end - 1)
    r = p.pct_change().iloc[-252:]
    same(risk["volatility_1y"], r.std(ddof=1) * np.sqrt(252))
    same(risk["sharpe_1y"], r.mean() / r.std(ddof=1) * np.sqrt(252))
    w = p.iloc[-253:]
    same(risk["max_drawdown_1y"], (w / w.cummax() - 1).min())
    with uow_factory() as uow:
        stored = uow.session.scalars(
            select(SecurityMarketBeta.beta).where(
                SecurityMarketBeta.symbol == "MSFT", SecurityMarketBeta.calc_date == day
            )
        ).one()
    assert risk["beta"] == stored


def test_a_weekend_answers_the_previous_session(client: TestClient, demo_headers: Headers) -> None:
    assert metrics(client, demo_headers, "AAPL", as_of="2022-12-25")["as_of"] == "2022-12-23"
    assert metrics(client, demo_headers, "AAPL")["as_of"] == "2022-12-28"


@pytest.mark.parametrize(
    ("symbol", "params", "status", "code"),
    [
        ("ZZZZ", {}, 404, "NO_METRICS"),
        ("AAPL", {"as_of": "2021-06-01"}, 404, "NO_METRICS"),
        ("not a symbol!", {}, 404, "NOT_FOUND"),
        ("AAPL", {"as_of": "yesterday"}, 422, None),
    ],
)
def test_errors_are_json_with_codes(
    client: TestClient,
    demo_headers: Headers,
    symbol: str,
    params: dict[str, str],
    status: int,
    code: str | None,
) -> None:
    response = client.get(
        f"/api/v1/securities/{symbol}/metrics", headers=demo_headers, params=params
    )
    assert response.status_code == status, response.text
    if code:
        assert response.json()["code"] == code


def test_position_metrics_are_each_security_s_and_owner_scoped(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    new_user: Callable[[], Headers],
) -> None:
    with uow_factory() as uow:
        user = uow.users.get_by_email(DEMO_EMAIL)
        assert user is not None
        pid = uow.portfolios.list_owned(user.id)[0].id
    url = f"/api/v1/analytics/portfolio/{pid}/positions/metrics"
    response = client.get(url, headers=demo_headers, params={"as_of": "2022-12-28"})
    assert response.status_code == 200, response.text
    body = _strict(response.text)
    assert body["as_of"] == "2022-12-28"
    assert body["positions"]
    for row in body["positions"]:
        if row["security"] is None:
            assert row["metrics"] is None
            continue
        alone = metrics(client, demo_headers, row["security"], as_of="2022-12-28")
        assert row["metrics"] == alone
    assert client.get(url, headers=new_user()).status_code == 404


def test_cli_shows_the_same_figures(
    sqlite_api_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command itself (not through the app's callback, which would point the
    process's logging at a runner's stream that closes after it)."""
    import typer

    from sigmasight.cli import data

    data.metrics("aapl", as_of="2022-12-28", database_url=sqlite_api_url)
    shown = capsys.readouterr().out
    assert "AAPL as of 2022-12-28" in shown
    assert "needs OHLCV" in shown
    with pytest.raises(typer.Exit) as stopped:
        data.metrics("ZZZZ", as_of=None, database_url=sqlite_api_url)
    assert stopped.value.exit_code == 1
    assert "no asset metrics for ZZZZ" in capsys.readouterr().err
