"""The Performance page in a real browser: every figure shown equal to the API's (which
tests/api/test_performance_api.py recomputes from the raw stored rows), the charts
drawn, reachable from the nav, no console error or CSP violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sigmasight.web.formatting import num, pct
from tests._pdf import pdf_pages
from tests.web.conftest import watch_csp
from tests.web.test_dashboard import FUND, _api, _login, _text


def test_performance_page_shows_the_apis_numbers(page: Any, live_server: str) -> None:
    problems = watch_csp(page)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(page, live_server)
    page.wait_for_url("**/portfolios")
    base = f"/api/v1/analytics/portfolio/{FUND}"
    with _api(live_server) as api:
        perf = api.get(f"{base}/performance").json()
        bench = api.get(f"{base}/benchmark-comparison").json()
        split = api.get(f"{base}/attribution").json()
    page.goto(f"{live_server}/portfolios/{FUND}")
    assert _text(page, "ytd-twr") == pct(perf["periods"]["YTD"]["total"], 2)  # overview card
    page.get_by_role("link", name="Performance", exact=True).click()
    page.wait_for_url("**/performance")
    assert _text(page, "twr") == pct(perf["twr"]["cumulative"], 2)
    assert _text(page, "ytd") == pct(perf["periods"]["YTD"]["total"], 2)
    assert _text(page, "xirr") == pct(perf["mwr"]["xirr"], 2)
    for name, period in perf["periods"].items():
        assert _text(page, f"period-{name}") == pct(period["total"], 2)
    assert _text(page, "tracking-error") == pct(bench["tracking_error"], 2)
    shown = _text(page, "comparison")
    assert f"information ratio {num(bench['information_ratio'])}" in shown
    assert f"up capture {num(bench['up_capture'])}" in shown
    assert _text(page, "attr-total") == pct(split["total_return"], 2)
    assert _text(page, "attr-specific") == pct(split["specific"], 2)
    for c in split["factors"]:
        if c["contribution"] is not None:
            assert _text(page, f"attr-{c['key']}") == pct(c["contribution"], 2)
    for i, c in enumerate(split["sectors"], start=1):
        assert _text(page, f"attr-sector-{i}") == pct(c["contribution"], 2)
    for chart in ("cumulative", "monthly", "tracking", "attribution"):
        page.wait_for_selector(f"#{chart}-chart .main-svg")
    assert problems == []
    assert errors == []


def test_benchmarks_are_added_refused_and_removed_from_the_page(
    page: Any, live_server: str
) -> None:
    _login(page, live_server)
    page.wait_for_url("**/portfolios")
    page.goto(f"{live_server}/portfolios/{FUND}/performance")
    rows = page.get_by_test_id("benchmark-row")
    before = rows.count()
    page.fill("#bench-legs", "^GSPC=0.5, USMV=0.4")
    page.get_by_role("button", name="Add benchmark").click()
    assert "WEIGHTS_NOT_ONE" in _text(page, "benchmark-error")
    assert page.get_by_test_id("benchmark-row").count() == before  # nothing written
    page.fill("#bench-legs", "^GSPC=0.7, USMV=0.3")
    page.select_option("#bench-rebalance", "monthly")
    page.get_by_role("button", name="Add benchmark").click()
    page.wait_for_url("**/performance")
    added = page.get_by_test_id("benchmark-row").filter(has_text="70% ^GSPC / 30% USMV")
    assert added.count() == 1
    assert "monthly" in added.inner_text()
    with _api(live_server) as api:
        listed = api.get(f"/api/v1/analytics/portfolio/{FUND}/benchmarks").json()
    assert {b["name"] for b in listed} >= {"^GSPC", "70% ^GSPC / 30% USMV"}
    assert next(b for b in listed if b["name"] == "^GSPC")["is_primary"]
    page.get_by_role("button", name="Remove 70% ^GSPC / 30% USMV").click()
    page.wait_for_url("**/performance")
    assert page.get_by_test_id("benchmark-row").filter(has_text="70% ^GSPC").count() == 0
    with _api(live_server) as api:  # leave the shared database as it was
        for b in api.get(f"/api/v1/analytics/portfolio/{FUND}/benchmarks").json():
            if b["id"] is not None:
                assert (
                    api.delete(
                        f"/api/v1/analytics/portfolio/{FUND}/benchmarks/{b['id']}"
                    ).status_code
                    == 204
                )


def test_tearsheet_button_downloads_the_report(page: Any, live_server: str) -> None:
    """The page's "Download tearsheet" gives the HTML report of the page's date, the same
    figure as the API's performance route."""
    _login(page, live_server)
    page.wait_for_url("**/portfolios")
    with _api(live_server) as api:
        perf = api.get(f"/api/v1/analytics/portfolio/{FUND}/performance").json()
    page.goto(f"{live_server}/portfolios/{FUND}/performance")
    with page.expect_download() as caught:
        page.get_by_test_id("tearsheet-link").click()
    download = caught.value
    assert download.suggested_filename == f"tearsheet-{FUND}-{perf['as_of']}.html"
    body = Path(download.path()).read_text(encoding="utf-8")
    assert perf["as_of"] in body
    assert pct(perf["twr"]["cumulative"], 2) in body


def test_pdf_button_downloads_the_tearsheet_printed_by_chromium(
    page: Any, live_server: str
) -> None:
    """Beside the HTML one, "Download tearsheet (PDF)" gives the same report printed by
    the server's Chromium, for the page's date."""
    _login(page, live_server)
    page.wait_for_url("**/portfolios")
    with _api(live_server) as api:
        perf = api.get(f"/api/v1/analytics/portfolio/{FUND}/performance").json()
    page.goto(f"{live_server}/portfolios/{FUND}/performance")
    link = page.get_by_test_id("tearsheet-pdf-link")
    assert link.inner_text() == "Download tearsheet (PDF)"
    with page.expect_download(timeout=180_000) as caught:
        link.click()
    download = caught.value
    assert download.failure() is None
    assert download.suggested_filename == f"tearsheet-{FUND}-{perf['as_of']}.pdf"
    pages = pdf_pages(Path(download.path()).read_bytes())
    assert 3 <= pages <= 12, pages
