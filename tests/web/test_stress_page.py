"""The Stress page in a real browser (#22): the scenario table (largest loss first), the
waterfall of the chosen scenario by position and by sector, the Greeks table, each
figure equal to the API's (tests/api/test_stress_api.py and test_greeks_api.py recompute
those from the raw stored rows); the page is in the nav."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from sigmasight.web.formatting import money, num, pct
from tests.web.conftest import watch_csp
from tests.web.test_dashboard import FUND, _api, _login, _text


def test_stress_page_shows_the_apis_numbers(page: Any, live_server: str) -> None:
    problems = watch_csp(page)
    _login(page, live_server)
    page.wait_for_url("**/portfolios")
    base = f"/api/v1/analytics/portfolio/{FUND}"
    with _api(live_server) as api:
        stress = api.get(f"{base}/stress-tests").json()
        greeks = api.get(f"{base}/greeks").json()
    page.goto(f"{live_server}/portfolios/{FUND}")
    page.get_by_role("link", name="Stress").click()
    page.wait_for_url("**/stress")
    for s in stress["scenarios"]:
        assert _text(page, f"pnl-{s['key']}") == money(s["pnl"])
        assert _text(page, f"pnl-pct-{s['key']}") == pct(s["pnl_percent"], 2)
    not_sensitive = ", ".join(p["symbol"] for p in stress["not_rate_sensitive"])
    assert not_sensitive
    assert _text(page, "not-rate-sensitive") == not_sensitive
    worst = stress["scenarios"][0]
    for p in worst["positions"]:
        assert _text(page, f"position-pnl-{p['position_id']}") == money(p["pnl"])
    page.wait_for_selector("#waterfall-chart .main-svg")
    assert greeks["options"]
    for o in greeks["options"]:
        assert _text(page, f"greek-delta-{o['position_id']}") == num(o["position"]["delta"])
        assert _text(page, f"greek-vega-{o['position_id']}") == num(o["position"]["vega"])
    covid = next(s for s in stress["scenarios"] if s["key"] == "covid_2020")
    page.get_by_test_id("scenario-link-covid_2020").click()
    page.wait_for_url("**scenario=covid_2020**")
    page.get_by_test_id("by-sector").click()
    page.wait_for_url("**by=sector**")
    sectors: dict[str, float] = defaultdict(float)
    for p in covid["positions"]:
        sectors[p["sector"] or "Unclassified"] += p["pnl"]
    expected = sorted(sectors.items(), key=lambda kv: (kv[1], kv[0]))
    for i, (_, value) in enumerate(expected):
        assert _text(page, f"part-{i}") == money(value)
    assert sum(sectors.values()) == pytest.approx(covid["pnl"], rel=1e-9)
    page.wait_for_selector("#waterfall-chart .main-svg")
    assert [p for p in problems if "Content Security Policy" in p] == []
