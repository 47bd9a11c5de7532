"""One exposure convention on every route (issue #13, items 1-3), on the demo database."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Headers, get
from tests.api.test_analytics import LATEST, LONG_SHORT


def test_overview_and_sector_view_serve_the_same_gross_exposure(
    client: TestClient,
    demo_headers: Headers,
    ids: dict[str, int],
) -> None:
    pid = ids[LONG_SHORT]
    overview = get(client, demo_headers, pid, "overview", as_of=LATEST)
    sectors = get(client, demo_headers, pid, "sector-exposure", as_of=LATEST)
    exposures = overview["exposures"]
    assert sectors["gross"] == pytest.approx(exposures["gross"], rel=1e-12)
    assert sectors["long_total"] == pytest.approx(exposures["long"], rel=1e-12)
    assert sectors["short_total"] == pytest.approx(exposures["short"], rel=1e-12)
    # the private credit fund is on its own line, in no bucket and no denominator
    by_name = {b["sector"]: b for b in sectors["buckets"]}
    assert by_name["Unclassified"]["long"] == 0.0
    assert exposures["private_value"] == pytest.approx(2_500_000.0)
    assert sectors["private_value"] == pytest.approx(2_500_000.0)
    share = 2_500_000.0 / overview["nav"]
    assert exposures["private_share_of_nav"] == pytest.approx(share, rel=1e-12)
    assert sectors["private_share_of_nav"] == pytest.approx(share, rel=1e-12)
    assert any("private holdings" in note for note in sectors["notes"])
    concentration = get(client, demo_headers, pid, "concentration", as_of=LATEST)
    assert concentration["includes_private"] is True
    assert "private holdings included" in concentration["basis"]


def test_risk_weights_are_exposure_over_nav_and_sum_to_the_weighted_beta(
    client: TestClient,
    demo_headers: Headers,
    ids: dict[str, int],
) -> None:
    pid = ids[LONG_SHORT]
    risk = get(client, demo_headers, pid, "positions/risk", as_of=LATEST)
    nav = risk["nav"]
    rows = risk["positions"]
    put = next(r for r in rows if r["symbol"] == "AAPL230317P00120000")
    assert put["market_value"] > 0  # the premium
    assert put["delta"] < 0
    assert put["exposure"] < 0
    assert put["weight"] < 0
    assert put["weight"] == pytest.approx(put["exposure"] / nav, rel=1e-12)
    call = next(r for r in rows if r["investment_class"] == "OPTIONS" and r is not put)
    assert call["delta"] > 0
    assert call["exposure"] < 0
    private = next(r for r in rows if r["investment_class"] == "PRIVATE")
    assert private["exposure"] is None
    assert private["weight"] is None
    for r in rows:
        if r["investment_class"] == "PUBLIC":
            assert r["exposure"] == r["market_value"]
            assert r["delta"] is None
    contribution = math.fsum(r["weight"] * r["beta"] for r in rows if r["beta"] is not None)
    overview = get(client, demo_headers, pid, "overview", as_of=LATEST)
    assert contribution == pytest.approx(overview["beta_weighted"]["beta"], rel=1e-9)
    assert math.fsum(r["exposure"] for r in rows if r["exposure"] is not None) == pytest.approx(
        overview["exposures"]["net"], rel=1e-9
    )


def test_weighted_beta_r2_is_served_as_the_mean_security_r2_it_is(
    client: TestClient,
    demo_headers: Headers,
    ids: dict[str, int],
) -> None:
    """Issue #13 item 4: the |exposure|-weighted mean of security R² is named for what it
    is; the portfolio's R² (share of its ex-ante variance the market explains) is the
    direct regression's, and the two differ widely for a hedged book."""
    pid = ids[LONG_SHORT]
    overview = get(client, demo_headers, pid, "overview", as_of=LATEST)
    weighted = overview["beta_weighted"]
    assert "r_squared" not in weighted
    betas = get(client, demo_headers, pid, "market-beta", as_of=LATEST)
    risk = get(client, demo_headers, pid, "positions/risk", as_of=LATEST)
    exposure = {r["position_id"]: r["exposure"] for r in risk["positions"]}
    per_security: dict[str, list[float]] = {}
    for p in betas["positions"]:
        if p["included"]:
            entry = per_security.setdefault(p["beta_symbol"], [0.0, p["r_squared"]])
            entry[0] += exposure[p["position_id"]]
    num = math.fsum(abs(e) * r2 for e, r2 in per_security.values())
    den = math.fsum(abs(e) for e, _ in per_security.values())
    assert weighted["mean_security_r_squared"] == pytest.approx(num / den, rel=1e-12)
    assert betas["weighted"]["mean_security_r_squared"] == weighted["mean_security_r_squared"]
    # not the portfolio's R²: that one is the direct regression's, a different number
    assert overview["beta_direct"]["r_squared"] != pytest.approx(num / den, abs=0.01)
