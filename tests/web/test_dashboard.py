"""The dashboard in a real browser: login, every page, numbers equal the API's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe

from sigmasight.services.demo import DEMO_EMAIL, DEMO_PASSWORD
from sigmasight.web.formatting import money, num, pct
from tests.web.conftest import watch_csp

FUND = 3  # the demo long/short fund: shorts, options and a private holding


def _login(page: Any, base: str, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")


@contextmanager
def _api(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=20) as client:
        token = client.post(
            "/api/v1/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def _text(page: Any, test_id: str) -> str:
    return str(page.get_by_test_id(test_id).inner_text()).strip()


def test_pages_show_the_apis_numbers(page: Any, live_server: str) -> None:
    _login(page, live_server)
    page.wait_for_url("**/portfolios")
    with _api(live_server) as api:
        overview = api.get(f"/api/v1/analytics/portfolio/{FUND}/overview").json()
        risk = api.get(f"/api/v1/analytics/portfolio/{FUND}/positions/risk").json()
        conc = api.get(f"/api/v1/analytics/portfolio/{FUND}/concentration").json()
        vol = api.get(f"/api/v1/analytics/portfolio/{FUND}/volatility").json()
    assert _text(page, f"nav-{FUND}") == money(overview["nav"])

    page.goto(f"{live_server}/portfolios/{FUND}")
    assert _text(page, "as-of") == overview["as_of"]
    assert _text(page, "nav") == money(overview["nav"])
    assert _text(page, "beta-weighted") == num(overview["beta_weighted"]["beta"])
    weighted_r2 = overview["beta_weighted"]["mean_security_r_squared"]
    assert _text(page, "mean-security-r2") == num(weighted_r2)
    assert _text(page, "beta-direct") == num(overview["beta_direct"]["beta"])
    assert _text(page, "vol21") == pct(overview["volatility"]["realized_21d"])
    assert _text(page, "gross") == money(overview["exposures"]["gross"])
    assert _text(page, "short") == money(overview["exposures"]["short"])
    # issue #13: exposures are delta-adjusted, private holdings on their own line
    assert "Delta-adjusted exposure" in _text(page, "exposure-basis")
    assert _text(page, "private-value") == money(overview["exposures"]["private_value"])
    assert _text(page, "private-share") == pct(overview["exposures"]["private_share_of_nav"])
    assert _text(page, "pnl-day") == money(overview["daily_pnl"])

    page.goto(f"{live_server}/portfolios/{FUND}/holdings")
    for row in risk["positions"]:
        pid = row["position_id"]
        assert _text(page, f"mv-{pid}") == money(row["market_value"])
        assert _text(page, f"weight-{pid}") == pct(row["weight"])  # exposure / NAV
        delta = num(row["delta"], 3) if row["delta"] is not None else "–"
        assert _text(page, f"delta-{pid}") == delta

    page.goto(f"{live_server}/portfolios/{FUND}/risk")
    assert _text(page, "risk-hhi") == num(conc["hhi"], 0)
    assert _text(page, "risk-har") == pct(vol["current"]["expected_21d"])
    assert "net: % of gross exposure" in _text(page, "sector-basis")
    assert "private holdings included" in _text(page, "concentration-basis")
    page.wait_for_selector("#vol-chart .main-svg")  # Plotly drew the chart offline
    page.goto(f"{live_server}/portfolios/{FUND}/history")
    page.wait_for_selector("#nav-chart .main-svg")
    with _api(live_server) as api:
        factors = api.get(f"/api/v1/analytics/portfolio/{FUND}/factor-exposures").json()
    page.goto(f"{live_server}/portfolios/{FUND}/factors")
    market = next(f for f in factors["factors"] if f["key"] == "market")
    assert _text(page, "factor-market") == num(market["weighted"])
    assert _text(page, "factor-vol") == pct(factors["risk"]["total_volatility"])
    page.wait_for_selector("#loadings-chart .main-svg")
    page.goto(f"{live_server}/portfolios/{FUND}")
    assert _text(page, "factor-share") == pct(1 - factors["risk"]["specific_share"])


def test_past_date_and_missing_snapshot(page: Any, live_server: str) -> None:
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{FUND}?as_of=2022-12-15")
    assert _text(page, "as-of") == "2022-12-15"
    page.goto(f"{live_server}/portfolios/{FUND}/risk?as_of=2022-12-24")  # a Saturday
    assert "showing the previous session, 2022-12-23" in _text(page, "as-of-note")
    page.goto(f"{live_server}/portfolios/{FUND}?as_of=2022-12-26")  # Christmas, observed
    assert _text(page, "as-of") == "2022-12-23"
    assert "2022-12-26 is not a trading session" in _text(page, "as-of-note")
    page.goto(f"{live_server}/portfolios/{FUND}?as_of=2022-11-01")
    message = _text(page, "no-snapshot")
    assert "no snapshot for 2022-11-01; run the batch" in message
    assert "2022-12-28" in message  # guidance: the latest computed date


def test_holdings_sort_and_filter(page: Any, live_server: str) -> None:
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{FUND}/holdings")
    rows = page.locator("#holdings tbody tr")
    total = rows.count()
    page.select_option("#f-type", "SHORT")
    visible = page.locator("#holdings tbody tr:not([hidden])")
    assert 0 < visible.count() < total
    assert all(t == "Short" for t in visible.locator("td:nth-child(2)").all_inner_texts())
    page.select_option("#f-type", "")
    page.get_by_role("button", name="Market value").click()
    values = [
        float(v)
        for v in page.locator("#holdings tbody td:nth-child(8)").evaluate_all(
            "cells => cells.map(c => c.dataset.value).filter(v => v !== '')"
        )
    ]
    assert values == sorted(values)


def test_bad_csv_shows_every_error_and_saves_nothing(
    page: Any, live_server: str, tmp_path: Path, screenshots: Path
) -> None:
    _login(page, live_server)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Symbol,Quantity,Entry Price Per Share,Entry Date\n"
        "AAPL,0,150,2022-01-03\n"
        "MSFT,5,-1,2022-01-03\n"
        "??,1,1,2022-01-03\n",
        encoding="utf-8",
    )
    page.goto(f"{live_server}/import")
    page.fill("#name", "Broken upload")
    page.fill("#equity", "100000")
    page.set_input_files("#file", str(bad))
    page.click("form.card button[type=submit]")
    table = page.locator("#import-errors tbody tr")
    assert table.count() == 3
    codes = page.locator("#import-errors tbody td:nth-child(3)").all_inner_texts()
    assert codes == ["ZERO_QUANTITY", "NON_POSITIVE_PRICE", "BAD_SYMBOL"]
    page.screenshot(path=str(screenshots / "import-errors.png"), full_page=True)
    page.goto(f"{live_server}/portfolios")
    assert "Broken upload" not in page.content()


def test_login_and_csrf_protections(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/portfolios/{FUND}")
    assert page.url.endswith("/login")  # no session: sent to the login page
    _login(page, live_server, password="wrong-password")
    assert "E-mail or password is wrong" in page.content()
    with httpx.Client(base_url=live_server) as raw:
        # A cross-site form post has no CSRF token: refused, nothing happens.
        forged = raw.post("/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
        assert forged.status_code == 403
        assert forged.json()["code"] == "CSRF_FAILED"
        login_page = raw.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login_page)
        assert token is not None
        ok = raw.post(
            "/login",
            data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
        )
        assert ok.status_code == 303
        cookie = raw.cookies.get("sigmasight_session")
        assert cookie
        assert raw.post("/logout").status_code == 403  # logout needs the token too


@pytest.mark.parametrize(
    ("name", "path", "width"),
    [
        ("portfolios", "/portfolios", 1280),
        ("overview", f"/portfolios/{FUND}", 1280),
        ("holdings", f"/portfolios/{FUND}/holdings", 1280),
        ("risk", f"/portfolios/{FUND}/risk", 1280),
        ("history", f"/portfolios/{FUND}/history", 1280),
        ("factors", f"/portfolios/{FUND}/factors", 1280),
        ("overview-phone", f"/portfolios/{FUND}", 390),
        ("risk-metrics", f"/portfolios/{FUND}/risk-metrics", 1280),
        ("correlations", f"/portfolios/{FUND}/correlations", 1280),
        ("security", f"/portfolios/{FUND}/securities/MSFT", 1280),
        ("stress", f"/portfolios/{FUND}/stress", 1280),
        ("stress-sector", f"/portfolios/{FUND}/stress?scenario=covid_2020&by=sector", 1280),
        ("performance", f"/portfolios/{FUND}/performance", 1280),
        ("rebalancing", f"/portfolios/{FUND}/rebalancing", 1280),
    ],
)
def test_screenshots_and_accessibility(
    browser: Any, live_server: str, screenshots: Path, name: str, path: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = watch_csp(page)
    _login(page, live_server)
    page.goto(f"{live_server}{path}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    serious = [
        v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
    ]
    assert serious == [], [(v["id"], v["help"], len(v["nodes"])) for v in serious]
    page.click("#theme-toggle")
    dark = Axe().run(page).response["violations"]
    assert [v["id"] for v in dark if v.get("impact") in ("serious", "critical")] == []
    context.close()
    assert problems == []  # no CSP violation, no script error, with the policy enforced


def test_every_page_is_served_with_the_security_headers(page: Any, live_server: str) -> None:
    """The policy is really enforced (headers on every page) and the pages still work:
    the portfolio switcher and the percentile bar moved from inline code to app.js."""
    responses: list[Any] = []
    page.on(
        "response", lambda r: responses.append(r) if r.request.resource_type == "document" else None
    )
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{FUND}/risk")
    page.wait_for_selector("#vol-chart .main-svg")
    width = page.locator(".bar span").evaluate("el => el.style.width")
    assert width.endswith("%")
    assert float(width[:-1]) > 0
    if page.locator("#switcher").count():
        target = page.locator("#switcher option").nth(0).get_attribute("value")
        page.select_option("#switcher", index=0)
        page.wait_for_url(f"**{target}")
    assert responses
    for response in responses:
        headers = response.all_headers()
        assert "script-src 'self'" in headers["content-security-policy"], response.url
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in headers  # plain HTTP on loopback
    authenticated = [r for r in responses if "/portfolios/" in r.url]
    assert all(r.all_headers()["cache-control"] == "no-store" for r in authenticated)


def test_risk_metrics_page_shows_the_apis_numbers(page: Any, live_server: str) -> None:
    _login(page, live_server)
    page.wait_for_url("**/portfolios")
    with _api(live_server) as api:
        m = api.get(f"/api/v1/analytics/portfolio/{FUND}/risk-metrics").json()
        bt = api.get(f"/api/v1/analytics/portfolio/{FUND}/var-backtest").json()
    var99 = next(
        e
        for e in m["ex_ante"]["var"]
        if (e["method"], e["confidence"], e["scaling"]) == ("historical", 0.99, "one_day")
    )
    page.goto(f"{live_server}/portfolios/{FUND}")
    assert _text(page, "var99") == pct(var99["var"], 2)
    page.goto(f"{live_server}/portfolios/{FUND}/risk-metrics")
    assert _text(page, "var99") == pct(var99["var"], 2)
    assert _text(page, "risk-level") == m["risk_level"]
    assert _text(page, "sharpe") == num(m["realized"]["sharpe"])
    assert _text(page, "max-drawdown") == pct(m["realized"]["max_drawdown"])
    assert f"Exceptions {bt['exceptions']}" in _text(page, "backtest")
    for chart in ("hist-chart", "underwater-chart", "backtest-chart"):
        page.wait_for_selector(f"#{chart} .main-svg")
