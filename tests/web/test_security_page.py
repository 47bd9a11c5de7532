"""The security page in a real browser: reached from a holding, its numbers equal the
API's, the chart draws, and it passes the accessibility checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe

from sigmasight.web.formatting import num, pct
from tests.web.test_dashboard import FUND, _api, _login, _text


def test_security_page_from_a_holding(page: Any, live_server: str, screenshots: Path) -> None:
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{FUND}/holdings")
    link = page.locator("#holdings tbody td.text a[href*='/securities/']").first
    symbol = link.inner_text().strip()
    cells = [c.strip() for c in link.locator("xpath=ancestor::tr").locator("td").all_inner_texts()]
    assert len(cells) > 3
    link.click()
    page.wait_for_load_state("networkidle")
    with _api(live_server) as api:
        body = api.get(f"/api/v1/securities/{symbol}/metrics").json()
        held = api.get(f"/api/v1/analytics/portfolio/{FUND}/positions/metrics").json()
    assert page.locator("h1").inner_text().startswith(symbol)
    assert _text(page, "sec-rsi") == num(body["indicators"]["rsi_14"], 1)
    assert _text(page, "sec-1y") == pct(body["returns"]["1y"])
    # the Holdings columns (the last one is the Edit link)
    assert cells[-4] == num(body["indicators"]["rsi_14"], 1)
    assert cells[-2] == pct(body["returns"]["1y"])
    # distance to the 200-day SMA: the close over the stored SMA 200, recomputed
    row = next(p for p in held["positions"] if p["symbol"] == symbol)
    assert cells[-3] == pct(row["close"] / body["indicators"]["sma_200"] - 1.0)
    assert cells[-3] == pct(row["dist_sma_200"])
    assert page.locator("#security-chart .main-svg").count() > 0
    table = page.get_by_test_id("metrics-table").inner_text()
    assert "needs OHLCV" in table
    page.screenshot(path=str(screenshots / "security.png"), full_page=True)
    violations = Axe().run(page).response["violations"]
    serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
    assert serious == [], [(v["id"], v["help"], len(v["nodes"])) for v in serious]


def test_security_without_metrics_says_so(page: Any, live_server: str) -> None:
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{FUND}/securities/ZZZZ")
    assert "no asset metrics for ZZZZ" in _text(page, "no-metrics")
