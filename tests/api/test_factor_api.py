"""Factor-exposure routes over the demo database (batch run 2022-12-01..2022-12-28).

Served figures are recomputed here from the raw stored closes and positions with
statsmodels (not the package's kernels): security loadings, positions' currency
exposures, the portfolio's weighted and direct loadings. Also the seed-003 regression:
no demo position with a year of history comes back with empty exposures.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from fastapi.testclient import TestClient
from sqlalchemy import select

from sigmasight.api.schemas_factors import PortfolioFactorExposuresOut, PositionFactorExposuresOut
from sigmasight.domain.factors import FACTOR_KEYS, FACTORS
from sigmasight.services.analytics import factors as factor_service
from sigmasight.storage.history import (
    PortfolioFactorExposure,
    PortfolioSnapshot,
    SecurityFactorExposure,
)
from sigmasight.storage.history_factors import factor_figures
from sigmasight.storage.models import DailyPrice, Position
from sigmasight.storage.uow import UnitOfWork
from tests.api.conftest import get_path

Headers = dict[str, str]
Json = dict[str, Any]
BASE = "/api/v1/analytics/portfolio"
LATEST, PAST = date(2022, 12, 28), date(2022, 12, 15)
ACTIVE = ["market", "momentum", "quality", "size", "low_volatility", "value"]
ETFS = {
    "momentum": "MTUM",
    "quality": "QUAL",
    "size": "SIZE",
    "low_volatility": "USMV",
    "value": "VLUE",
}


@pytest.fixture(scope="module")
def closes(uow_factory: Callable[[], UnitOfWork]) -> pd.DataFrame:
    """Every stored close up to LATEST, date x symbol (adjusted close where known)."""
    with uow_factory() as uow:
        rows = uow.session.execute(
            select(
                DailyPrice.date, DailyPrice.symbol, DailyPrice.adj_close, DailyPrice.close
            ).where(DailyPrice.date <= LATEST, DailyPrice.date >= date(2021, 6, 1))
        ).all()
    frame = pd.DataFrame(rows, columns=["date", "symbol", "adj", "close"])
    frame["price"] = frame["adj"].fillna(frame["close"]).astype(float)
    return frame.pivot(index="date", columns="symbol", values="price").sort_index()


def _window(closes: pd.DataFrame, day: date) -> tuple[pd.DataFrame, np.ndarray]:
    """The 252 returns to ``day`` on the market's sessions, and the factor design."""
    prices = closes[closes.index <= day].dropna(subset=["^GSPC"]).iloc[-253:]
    returns = prices.pct_change().iloc[1:]
    market = returns["^GSPC"].to_numpy()
    design = np.column_stack([market] + [returns[ETFS[k]].to_numpy() - market for k in ACTIVE[1:]])
    return returns, design


@pytest.mark.parametrize("day", [LATEST, PAST])
def test_positions_and_portfolio_equal_statsmodels_on_stored_prices(
    client: TestClient,
    demo_headers: Headers,
    ids: dict[str, int],
    closes: pd.DataFrame,
    uow_factory: Callable[[], UnitOfWork],
    day: date,
) -> None:
    returns, design = _window(closes, day)
    X = sm.add_constant(design)
    for pid in ids.values():
        rows = get_path(client, demo_headers, f"{BASE}/{pid}/positions/factor-exposures", as_of=day)
        book = get_path(client, demo_headers, f"{BASE}/{pid}/factor-exposures", as_of=day)
        assert rows["window"] == 252
        assert rows["observations"] == 252
        assert rows["method"] == "ols"
        exposure_sum = np.zeros(len(ACTIVE))
        weights: dict[str, float] = {}
        for pos in rows["positions"]:
            ref = pos["exposure_symbol"]
            if ref is None:
                continue
            fit = sm.OLS(returns[ref].to_numpy(), X).fit()
            got = [pos["exposures"][k] for k in ACTIVE]
            np.testing.assert_allclose(
                [g["loading"] for g in got], fit.params[1:], rtol=1e-9, atol=1e-12
            )
            if fit.rsquared > 1 - 1e-9:  # a factor ETF itself: a perfect fit, SE ~ 1e-17
                exposure_sum += fit.params[1:] * pos["delta_adjusted_exposure"]
                weights[ref] = weights.get(ref, 0.0) + pos["delta_adjusted_exposure"]
                continue
            np.testing.assert_allclose([g["std_error"] for g in got], fit.bse[1:], rtol=1e-9)
            np.testing.assert_allclose(
                [g["p_value"] for g in got], fit.pvalues[1:], rtol=1e-7, atol=1e-12
            )
            assert pos["r_squared"] == pytest.approx(fit.rsquared, rel=1e-9)
            dae = pos["delta_adjusted_exposure"]
            if pos["symbol"] == ref:  # a stock or ETF: quantity x close
                with uow_factory() as uow:
                    held = uow.session.get(Position, pos["position_id"])
                    assert held is not None
                    quantity = float(held.quantity)
                last_close = closes.loc[:day, ref].dropna().iloc[-1]
                assert dae == pytest.approx(quantity * last_close, rel=1e-12)
            np.testing.assert_allclose(
                [g["exposure"] for g in got], fit.params[1:] * dae, rtol=1e-9, atol=1e-9 * abs(dae)
            )
            exposure_sum += fit.params[1:] * dae
            weights[ref] = weights.get(ref, 0.0) + dae
        nav = book["nav"]
        with uow_factory() as uow:
            snapshot = uow.session.get(PortfolioSnapshot, (pid, day))
            assert snapshot is not None
            assert nav == pytest.approx(snapshot.nav, rel=1e-12)
        served = {f["key"]: f for f in book["factors"]}
        np.testing.assert_allclose(
            [served[k]["weighted"] for k in ACTIVE], exposure_sum / nav, rtol=1e-9
        )
        np.testing.assert_allclose([served[k]["exposure"] for k in ACTIVE], exposure_sum, rtol=1e-9)
        # Direct: the ex-ante series of today's weights on the window's returns.
        series = sum(returns[s].to_numpy() * w / nav for s, w in weights.items())
        direct = sm.OLS(series, X).fit()
        np.testing.assert_allclose(
            [served[k]["direct"] for k in ACTIVE], direct.params[1:], rtol=1e-9, atol=1e-12
        )
        np.testing.assert_allclose(
            [served[k]["direct_se"] for k in ACTIVE], direct.bse[1:], rtol=1e-9
        )
        assert book["diagnostics"]["r_squared"] == pytest.approx(direct.rsquared, rel=1e-9)
        # Every security has a full window: weighted and direct agree (linearity of OLS).
        np.testing.assert_allclose(
            [served[k]["weighted"] for k in ACTIVE],
            [served[k]["direct"] for k in ACTIVE],
            rtol=1e-9,
            atol=1e-12,
        )
        assert max(abs(served[k]["difference"]) for k in ACTIVE) < 1e-10
        shares = sum(served[k]["risk_share"] for k in ACTIVE) + book["risk"]["specific_share"]
        assert shares == pytest.approx(1.0, abs=1e-12)
        total = book["risk"]["factor_variance"] + book["risk"]["specific_variance"]
        assert total == pytest.approx(book["risk"]["total_variance"], rel=1e-12)
        cov = np.cov(design, rowvar=False) * 252
        b = exposure_sum / nav
        assert book["risk"]["factor_variance"] == pytest.approx(b @ cov @ b, rel=1e-9)


def test_seed_003_no_position_with_history_has_empty_exposures(
    client: TestClient, demo_headers: Headers, ids: dict[str, int]
) -> None:
    """The original system served ``exposures: {}`` for every position (seed 003)."""
    seen = 0
    for method in ("ols", "ridge"):
        for pid in ids.values():
            body = get_path(
                client, demo_headers, f"{BASE}/{pid}/positions/factor-exposures", method=method
            )
            assert body["method"] == method
            for pos in body["positions"]:
                assert set(pos["exposures"]) == set(FACTOR_KEYS)
                if pos["exposure_symbol"] is None:
                    assert "private" in pos["reason"]
                    continue
                seen += 1
                assert pos["observations"] == 252
                assert pos["reason"] is None
                for key in ACTIVE:
                    cell = pos["exposures"][key]
                    assert cell["loading"] is not None, (pos, key)
                    assert cell["exposure"] is not None, (pos, key)
                    assert (cell["std_error"] is not None) == (method == "ols")
                for f in FACTORS:
                    if f.key not in ACTIVE:  # no VUG / VTV / IWM / TLT in the demo data
                        cell = pos["exposures"][f.key]
                        assert cell["loading"] is None
                        assert f"no prices for {f.long}" in cell["reason"]
    assert seen > 10


def test_missing_factor_etf_gives_a_reason_not_an_error(
    client: TestClient, demo_headers: Headers, ids: dict[str, int]
) -> None:
    for pid in ids.values():
        body = get_path(client, demo_headers, f"{BASE}/{pid}/factor-exposures", method="ridge")
        by_key = {f["key"]: f for f in body["factors"]}
        assert [f["key"] for f in body["factors"]] == list(FACTOR_KEYS)
        for key in ("growth", "value_vtv", "small_cap", "rates"):
            assert not by_key[key]["active"]
            assert by_key[key]["weighted"] is None
            assert by_key[key]["reason"].startswith("no prices for ")
        for key in ACTIVE:
            assert by_key[key]["active"]
            assert by_key[key]["reason"] is None
            assert by_key[key]["weighted"] is not None
            assert by_key[key]["weighted_se"] is None


def test_registry_route_and_every_stored_key_is_registered(
    client: TestClient, demo_headers: Headers, uow_factory: Callable[[], UnitOfWork]
) -> None:
    listed = get_path(client, demo_headers, "/api/v1/factors")
    assert [f["key"] for f in listed] == list(FACTOR_KEYS)
    assert listed[1] == {
        "key": "momentum",
        "name": "Momentum",
        "kind": "style",
        "proxy": "MTUM",
        "long": "MTUM",
        "short": "^GSPC",
        "description": listed[1]["description"],
    }
    with uow_factory() as uow:
        securities = uow.session.scalars(select(SecurityFactorExposure)).all()
        books = uow.session.scalars(select(PortfolioFactorExposure)).all()
        keys = {k for row in securities for k in row.factors}
        keys |= {k for row in books for m in (row.ols, row.ridge) for k in factor_figures(m)}
        keys |= {k for row in books for k in row.absent}
        flagged = {f.split(":", 1)[1] for row in securities for f in row.flags if ":" in f}
    assert keys == set(FACTOR_KEYS)
    assert flagged <= set(FACTOR_KEYS)


def test_routes_return_the_service_result_and_validate_method(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    owner: int,
    ids: dict[str, int],
) -> None:
    pid = ids["Long/Short Equity Fund"]
    for method in ("ols", "ridge"):
        body = get_path(
            client, demo_headers, f"{BASE}/{pid}/factor-exposures", method=method, as_of=PAST
        )
        want = factor_service.portfolio_factor_exposures(uow_factory, owner, pid, PAST, method)
        assert body == PortfolioFactorExposuresOut.model_validate(want).model_dump(mode="json")
        body = get_path(
            client, demo_headers, f"{BASE}/{pid}/positions/factor-exposures", method=method
        )
        want2 = factor_service.position_factor_exposures(uow_factory, owner, pid, None, method)
        assert body == PositionFactorExposuresOut.model_validate(want2).model_dump(mode="json")
    bad = client.get(
        f"{BASE}/{pid}/factor-exposures", headers=demo_headers, params={"method": "pca"}
    )
    assert bad.status_code == 422
    missing = client.get(
        f"{BASE}/{pid}/factor-exposures", headers=demo_headers, params={"as_of": "2022-11-01"}
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "NO_SNAPSHOT"


def test_cli_prints_the_service_figures(
    client: TestClient,
    api_database_url: str,
    uow_factory: Callable[[], UnitOfWork],
    owner: int,
    ids: dict[str, int],
) -> None:
    from typer.testing import CliRunner

    from sigmasight.cli.main import app

    pid = ids["Diversified Individual"]
    args = ["analytics", "factors", str(pid), "--as-of", PAST.isoformat()]
    result = CliRunner().invoke(app, [*args, "--database-url", api_database_url])
    assert result.exit_code == 0, result.output
    view = factor_service.portfolio_factor_exposures(uow_factory, owner, pid, PAST)
    assert f"on {PAST.isoformat()}" in result.output
    momentum = next(f for f in view.factors if f.key == "momentum")
    assert momentum.weighted is not None
    assert f"{momentum.weighted:.3f}" in result.output
    assert "Growth absent: no prices for VUG" in result.output
    bad = CliRunner().invoke(
        app, [*args[:3], "--as-of", "2022-11-01", "--database-url", api_database_url]
    )
    assert bad.exit_code != 0
    assert "no snapshot" in bad.output
