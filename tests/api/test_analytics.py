"""Analytics routes over the demo database with the batch run for 2022-12-01..2022-12-28.

Each answer is checked three ways: equal to the service function's result on the same
database, equal to the stored history (snapshot rows, the position view, the closes),
and internally consistent (sector sums, concentration weights, values adding to NAV).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import select, text

from sigmasight.api import schemas_analytics as schemas
from sigmasight.services import analytics as service
from sigmasight.services.portfolios import PortfolioSpec, import_portfolio
from sigmasight.storage.history import PortfolioSnapshot
from sigmasight.storage.models import DailyPrice
from sigmasight.storage.uow import UnitOfWork
from tests.api.conftest import TEST_BENCHMARK_AS_OF, get

Headers = dict[str, str]
Json = dict[str, Any]
BASE = "/api/v1/analytics/portfolio"
LATEST, PAST = date(2022, 12, 28), date(2022, 12, 15)
SESSIONS_TO_LATEST, SESSIONS_TO_PAST = 19, 11  # Dec 2022 sessions from the 1st
DIVERSIFIED, GROWTH, LONG_SHORT = (
    "Diversified Individual",
    "Concentrated Growth",
    ("Long/Short Equity Fund"),
)

#: route -> (service function, response schema), written out here rather than read from
#: the app's VIEWS, so a route wired to the wrong service fails this test
ROUTES: dict[str, tuple[Callable[..., Any], type[BaseModel]]] = {
    "overview": (service.portfolio_overview, schemas.OverviewOut),
    "market-beta": (service.market_beta, schemas.MarketBetaOut),
    "volatility": (service.volatility, schemas.VolatilityViewOut),
    "sector-exposure": (service.sector_exposure, schemas.SectorViewOut),
    "concentration": (service.concentration, schemas.ConcentrationOut),
    "positions/risk": (service.position_risk, schemas.PositionRiskViewOut),
    "snapshots": (service.snapshot_series, schemas.SnapshotSeriesOut),
}
AS_OF_ROUTES = [r for r in ROUTES if r != "snapshots"]


def stored(factory: Callable[[], UnitOfWork], pid: int, day: date) -> PortfolioSnapshot:
    with factory() as uow:
        row = uow.session.get(PortfolioSnapshot, (pid, day))
        assert row is not None
        uow.session.expunge(row)
        return row


def close(a: float | None, b: float | None, rel: float = 1e-12) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


# ------------------------------------------------------------------ service equality


@pytest.mark.parametrize("route", list(ROUTES))
def test_route_returns_the_service_result(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    owner: int,
    ids: dict[str, int],
    route: str,
) -> None:
    function, schema = ROUTES[route]

    def expected(*args: object) -> Json:
        dumped: Json = schema.model_validate(function(uow_factory, owner, *args)).model_dump(
            mode="json"
        )
        return dumped

    for pid in ids.values():
        body = get(client, demo_headers, pid, route)
        assert body == expected(pid)
        if route == "snapshots":
            assert body["end"] == LATEST.isoformat()
            assert get(client, demo_headers, pid, route, end=PAST) == expected(pid, None, PAST)
        else:
            assert body["as_of"] == LATEST.isoformat()
            assert get(client, demo_headers, pid, route, as_of=PAST) == expected(pid, PAST)


# ------------------------------------------------------------------ stored history


def test_overview_equals_the_snapshot_row(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    ids: dict[str, int],
) -> None:
    pid = ids[LONG_SHORT]
    for day in (LATEST, PAST):
        row = stored(uow_factory, pid, day)
        body = get(client, demo_headers, pid, "overview", as_of=day)
        assert body["as_of"] == day.isoformat()
        assert body["name"] == LONG_SHORT
        for key in ("nav", "cash", "daily_pnl", "daily_return", "cumulative_pnl", "flows"):
            assert body[key] == getattr(row, key)
        assert body["exposures"] == {
            "long": row.long_exposure,
            "short": row.short_exposure,
            "gross": row.gross_exposure,
            "net": row.net_exposure,
            "leverage": row.leverage,
            "private_value": row.private_value,
            "private_share_of_nav": row.private_value / row.nav if row.private_value else None,
        }
        assert body["counts"] == {
            "positions": row.n_positions,
            "long": row.n_long,
            "short": row.n_short,
            "options": row.n_options,
            "private": row.n_private,
        }
        assert body["beta_weighted"] == {
            "beta": row.beta_weighted,
            "mean_security_r_squared": row.beta_weighted_r_squared,
            "positions_covered": row.beta_weighted_positions,
        }
        assert body["beta_direct"] == {
            "beta": row.beta_direct,
            "r_squared": row.beta_direct_r_squared,
            "observations": row.beta_direct_observations,
        }
        assert body["volatility"] == {
            "realized_21d": row.volatility_21d,
            "realized_63d": row.volatility_63d,
            "expected_21d": row.volatility_expected_21d,
            "trend": row.volatility_trend,
            "percentile": row.volatility_percentile,
            "expected_21d_fallback": row.volatility_har_fallback,
        }
        assert body["is_complete"] is row.is_complete
        assert body["notes"] == row.notes
    # five short stocks, a short call and the long put (short by delta: issue #13), two
    # options; and the figures move day to day
    assert body["counts"]["short"] == 7
    assert body["counts"]["options"] == 2
    latest = get(client, demo_headers, pid, "overview")
    assert latest["nav"] != body["nav"]
    assert latest["beta_direct"] != body["beta_direct"]


def test_market_beta_rows_match_the_position_view(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    ids: dict[str, int],
) -> None:
    pid = ids[LONG_SHORT]
    body = get(client, demo_headers, pid, "market-beta", as_of=PAST)
    row = stored(uow_factory, pid, PAST)
    assert body["weighted"]["beta"] == row.beta_weighted
    assert body["direct"]["beta"] == row.beta_direct
    assert (body["method"], body["window"], body["market_index"]) == ("ols", 90, "^GSPC")
    query = text(
        "SELECT position_id, beta, alpha, r_squared, std_error, t_stat, p_value, "
        "observations FROM position_market_betas WHERE portfolio_id = :p AND calc_date = :d"
    )
    with uow_factory() as uow:
        view = {r.position_id: r for r in uow.session.execute(query, {"p": pid, "d": PAST})}
    by_symbol = {p["symbol"]: p for p in body["positions"]}
    public = [p for p in body["positions"] if p["investment_class"] == "PUBLIC"]
    assert len(public) == 12
    assert {p["position_id"] for p in public} == set(view)
    for p in public:
        v = view[p["position_id"]]
        for key in ("beta", "alpha", "r_squared", "std_error", "t_stat", "p_value"):
            assert p[key] == getattr(v, key), key
        assert p["observations"] == v.observations == 90
        assert p["reason"] == "OK"
    for option in (p for p in body["positions"] if p["investment_class"] == "OPTIONS"):
        underlying = option["beta_symbol"]
        assert underlying in ("AAPL", "MSFT")
        assert underlying in option["note"]
        assert option["included"]
        assert option["p_value"] is not None
    assert by_symbol["MSFT230120C00260000"]["beta"] == by_symbol["MSFT"]["beta"]
    private = by_symbol["Evergreen Private Credit Fund"]
    assert private["reason"] == "EXCLUDED_PRIVATE"
    assert not private["included"]
    assert private["beta"] is None
    assert private["beta_symbol"] is None
    # the weighted beta covers one security per distinct symbol with a beta (lots merged)
    covered = {p["beta_symbol"] for p in body["positions"] if p["included"]}
    assert len(covered) == body["weighted"]["positions_covered"] == 13


# ------------------------------------------------------------------ volatility


def test_volatility_history_length_order_and_values(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    ids: dict[str, int],
) -> None:
    pid = ids[GROWTH]
    for day, sessions in ((LATEST, SESSIONS_TO_LATEST), (PAST, SESSIONS_TO_PAST)):
        body = get(client, demo_headers, pid, "volatility", as_of=day)
        history = body["history"]
        dates = [point["date"] for point in history]
        assert len(history) == sessions
        assert not body["truncated"]
        assert dates == sorted(set(dates))
        assert dates[0] == "2022-12-01"
        assert dates[-1] == day.isoformat()
        row = stored(uow_factory, pid, day)
        assert history[-1] == {
            "date": day.isoformat(),
            "realized_21d": row.volatility_21d,
            "realized_63d": row.volatility_63d,
            "expected_21d": row.volatility_expected_21d,
        }
        assert body["current"]["realized_21d"] == row.volatility_21d
        assert body["current"]["percentile"] == row.volatility_percentile
    body = get(client, demo_headers, pid, "volatility", as_of=PAST, start="2022-12-05")
    assert [p["date"] for p in body["history"]][:2] == ["2022-12-05", "2022-12-06"]
    assert len(body["history"]) == SESSIONS_TO_PAST - 2
    inverted = client.get(
        f"{BASE}/{pid}/volatility",
        headers=demo_headers,
        params={"as_of": "2022-12-05", "start": "2022-12-06"},
    )
    assert inverted.status_code == 422
    assert inverted.json()["code"] == "INVALID_RANGE"


# ------------------------------------------------------------------ sectors


def test_sector_weights_sum_as_documented(
    client: TestClient, demo_headers: Headers, ids: dict[str, int]
) -> None:
    body = get(client, demo_headers, ids[LONG_SHORT], "sector-exposure")
    sums, buckets = body["sums"], body["buckets"]
    # the latest weights published on or before as_of, carried forward with their date
    assert body["benchmark_as_of"] == TEST_BENCHMARK_AS_OF.isoformat()
    assert "S&P" in body["benchmark_source"]
    assert sums["long"] == pytest.approx(1.0, abs=1e-12)
    assert sums["short"] == pytest.approx(-1.0, abs=1e-12)
    assert sums["benchmark"] == pytest.approx(1.0, abs=1e-12)
    assert sums["long"] == pytest.approx(math.fsum(b["long"] for b in buckets), abs=1e-15)
    net_over_gross = (body["long_total"] + body["short_total"]) / body["gross"]
    assert sums["net"] == pytest.approx(net_over_gross, rel=1e-12)
    assert sums["active"] == pytest.approx(sums["net"] - sums["benchmark"], abs=1e-12)
    for bucket in buckets:
        assert close(bucket["active"], bucket["net"] - bucket["benchmark"]) or (
            bucket["active"] == bucket["net"] - bucket["benchmark"]
        )
        assert bucket["short"] <= 0 <= bucket["long"]
    by_name = {b["sector"]: b for b in buckets}
    assert by_name["Unclassified"]["long"] == 0.0  # private credit fund: on its own line
    assert by_name["ETF"]["benchmark"] == 0.0
    long_only = get(client, demo_headers, ids[DIVERSIFIED], "sector-exposure")
    assert long_only["sums"]["short"] == 0.0
    assert long_only["sums"]["net"] == pytest.approx(1.0, abs=1e-12)
    # before the benchmark's publication date there is no benchmark: null, not 0
    past = get(client, demo_headers, ids[LONG_SHORT], "sector-exposure", as_of=PAST)
    assert past["benchmark_as_of"] is None
    assert past["sums"]["benchmark"] is None
    assert all(b["benchmark"] is None and b["active"] is None for b in past["buckets"])
    assert past["notes"]
    assert past["sums"]["short"] == pytest.approx(-1.0, abs=1e-12)


# ------------------------------------------------------------------ concentration and values


def test_concentration_weights_reproduce_the_stored_figures(
    client: TestClient, demo_headers: Headers, ids: dict[str, int]
) -> None:
    for pid in ids.values():
        for day in (LATEST, PAST):
            body = get(client, demo_headers, pid, "concentration", as_of=day)
            weights = [h["weight"] for h in body["holdings"]]
            assert weights == sorted(weights, reverse=True)
            assert math.fsum(weights) == pytest.approx(1.0, abs=1e-12)
            squares = math.fsum(w * w for w in weights)
            assert 1e4 * squares == pytest.approx(body["hhi"], rel=1e-12)
            assert 1 / squares == pytest.approx(body["effective_positions"], rel=1e-12)
            assert math.fsum(weights[:3]) == pytest.approx(body["top3_weight"], rel=1e-12)
            assert math.fsum(weights[:10]) == pytest.approx(body["top10_weight"], rel=1e-12)


def test_position_values_add_up_to_nav_minus_cash(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    ids: dict[str, int],
) -> None:
    for pid in ids.values():
        for day in (LATEST, PAST):
            body = get(client, demo_headers, pid, "positions/risk", as_of=day)
            row = stored(uow_factory, pid, day)
            values = [p["market_value"] for p in body["positions"]]
            assert body["nav"] == row.nav
            assert len(values) == row.n_positions
            assert math.fsum(values) == pytest.approx(row.nav - row.cash, rel=1e-12)
            exposures = [p["exposure"] for p in body["positions"] if p["exposure"] is not None]
            assert math.fsum(exposures) == pytest.approx(row.net_exposure, rel=1e-9)
            for p in body["positions"]:  # weight: delta-adjusted exposure / NAV (issue #13)
                if p["exposure"] is None:
                    assert p["weight"] is None
                else:
                    assert p["weight"] == pytest.approx(p["exposure"] / row.nav, rel=1e-15)
    body = get(client, demo_headers, ids[LONG_SHORT], "positions/risk", as_of=PAST)
    by_symbol = {p["symbol"]: p for p in body["positions"]}
    with uow_factory() as uow:
        msft = uow.session.get(DailyPrice, ("MSFT", PAST))
        assert msft is not None
        msft_close = msft.close
    stock = by_symbol["MSFT"]
    assert stock["price"] == msft_close
    assert stock["price_date"] == PAST.isoformat()
    assert stock["market_value"] == pytest.approx(4000 * msft_close, rel=1e-15)
    call = by_symbol["MSFT230120C00260000"]
    assert call["quantity"] == -20
    assert call["market_value"] < 0 < call["price"] < msft_close
    assert (call["beta"], call["realized_63d"]) == (stock["beta"], stock["realized_63d"])
    private = by_symbol["Evergreen Private Credit Fund"]
    assert private["price"] == 2_500_000
    assert private["beta"] is None
    assert private["realized_21d"] is None
    assert "cost" in private["note"]


# ------------------------------------------------------------------ snapshots series


def test_snapshot_series_pages_and_bounds(
    client: TestClient,
    demo_headers: Headers,
    uow_factory: Callable[[], UnitOfWork],
    ids: dict[str, int],
) -> None:
    pid = ids[DIVERSIFIED]
    full = get(client, demo_headers, pid, "snapshots")
    dates = [r["date"] for r in full["rows"]]
    assert len(dates) == SESSIONS_TO_LATEST
    assert dates == sorted(dates)
    assert full["end"] == LATEST.isoformat()
    assert not full["truncated"]
    with uow_factory() as uow:
        query = select(PortfolioSnapshot.nav).where(PortfolioSnapshot.portfolio_id == pid)
        navs = list(uow.session.scalars(query.order_by(PortfolioSnapshot.snapshot_date)))
    assert [r["nav"] for r in full["rows"]] == navs
    pages: list[Json] = []
    start: str | None = "2022-11-01"
    while start is not None:
        page = get(client, demo_headers, pid, "snapshots", start=start, limit=7)
        pages.extend(page["rows"])
        start = page["next_start"]
        assert page["truncated"] is (start is not None)
    assert pages == full["rows"]
    latest_five = get(client, demo_headers, pid, "snapshots", end=PAST, limit=5)
    assert [r["date"] for r in latest_five["rows"]][-1] == PAST.isoformat()
    assert len(latest_five["rows"]) == 5
    assert latest_five["truncated"]
    for params in ({"limit": 0}, {"limit": 2521}, {"start": "2022-12-10", "end": "2022-12-09"}):
        response = client.get(f"{BASE}/{pid}/snapshots", headers=demo_headers, params=params)
        assert response.status_code == 422, params


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("day", [date(2022, 12, 29), date(2022, 11, 1)])
def test_no_snapshot_for_a_date_the_batch_did_not_run(
    client: TestClient, demo_headers: Headers, ids: dict[str, int], day: date
) -> None:
    pid = ids[GROWTH]
    for route in AS_OF_ROUTES:
        response = client.get(
            f"{BASE}/{pid}/{route}", headers=demo_headers, params={"as_of": day.isoformat()}
        )
        assert response.status_code == 404
        assert response.json() == {
            "code": "NO_SNAPSHOT",
            "message": f"no snapshot for {day.isoformat()}; run the batch",
            "details": {
                "portfolio_id": pid,
                "as_of": day.isoformat(),
                "latest_available": LATEST.isoformat(),
            },
        }


def test_portfolio_never_snapshotted(
    client: TestClient, new_user: Callable[[], Headers], uow_factory: Callable[[], UnitOfWork]
) -> None:
    headers = new_user()
    user_id = client.get("/api/v1/auth/me", headers=headers).json()["id"]
    csv = b"Symbol,Quantity,Entry Price Per Share,Entry Date\nAAPL,10,150.00,2022-06-01\n"
    outcome = import_portfolio(
        uow_factory,
        user_id,
        PortfolioSpec("Fresh", equity_balance=Decimal(10_000)),
        csv,
        today=date(2022, 12, 28),
    )
    assert outcome.ok, outcome.errors
    pid = outcome.portfolio_id
    for route in ROUTES:
        response = client.get(f"{BASE}/{pid}/{route}", headers=headers)
        assert response.status_code == 404
        assert response.json()["code"] == "NO_SNAPSHOT"
        assert response.json()["message"] == f"no snapshot for portfolio {pid}; run the batch"
        assert response.json()["details"]["latest_available"] is None
    dated = client.get(f"{BASE}/{pid}/overview", headers=headers, params={"as_of": "2022-12-28"})
    assert dated.json()["message"] == "no snapshot for 2022-12-28; run the batch"


def test_another_users_portfolio_is_not_found(
    client: TestClient, new_user: Callable[[], Headers], ids: dict[str, int]
) -> None:
    stranger = new_user()
    for pid in (*ids.values(), 987_654):
        for route in ROUTES:
            response = client.get(f"{BASE}/{pid}/{route}", headers=stranger)
            assert response.status_code == 404, (pid, route)
            assert response.json()["code"] == "NOT_FOUND"
            assert response.json()["message"] == f"portfolio {pid} not found"


@pytest.mark.parametrize("bad", ["2022-13-01", "28/12/2022", "yesterday"])
def test_bad_as_of_is_a_validation_error(
    client: TestClient, demo_headers: Headers, ids: dict[str, int], bad: str
) -> None:
    response = client.get(
        f"{BASE}/{ids[GROWTH]}/overview", headers=demo_headers, params={"as_of": bad}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_analytics_need_authentication(client: TestClient, ids: dict[str, int]) -> None:
    response = client.get(f"{BASE}/{ids[GROWTH]}/overview")
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_non_finite_numbers_serialise_as_null() -> None:
    bucket = schemas.SectorBucketOut(
        sector="Energy", long=math.nan, short=-math.inf, net=0.5, benchmark=None, active=None
    )
    assert bucket.model_dump(mode="json") == {
        "sector": "Energy",
        "long": None,
        "short": None,
        "net": 0.5,
        "benchmark": None,
        "active": None,
    }
