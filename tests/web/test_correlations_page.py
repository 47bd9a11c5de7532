"""The Correlations page in a real browser: the heatmap, the rolling pair and the
contribution bars drawn, and every figure shown equal to the API's (which
tests/api/test_correlations_api.py recomputes from the raw stored rows)."""

from __future__ import annotations

from typing import Any

from sigmasight.web.formatting import num, pct
from tests.web.conftest import watch_csp
from tests.web.test_dashboard import FUND, _api, _login, _text


def test_correlations_page_shows_the_apis_numbers(page: Any, live_server: str) -> None:
    problems = watch_csp(page)  # the page fixture fails on CSP violations too
    _login(page, live_server)
    page.wait_for_url("**/portfolios")
    base = f"/api/v1/analytics/portfolio/{FUND}"
    with _api(live_server) as api:
        matrix = api.get(f"{base}/correlations", params={"horizon": "3m"}).json()
        splits = {
            by: api.get(f"{base}/risk-contributions", params={"measure": "cvar", "by": by}).json()
            for by in ("position", "sector", "factor")
        }
    page.goto(f"{live_server}/portfolios/{FUND}/correlations?horizon=3m&measure=cvar")
    symbols = matrix["symbols"]
    assert len(symbols) >= 3
    for i in range(len(symbols)):
        for j in range(len(symbols)):
            assert _text(page, f"corr-{i}-{j}") == num(matrix["matrix"][i][j])
    summary = matrix["summary"]
    assert _text(page, "corr-average") == num(summary["average_correlation"])
    assert _text(page, "corr-market") == num(summary["market_correlation"])
    assert _text(page, "corr-bets") == num(summary["effective_bets"], 1)
    assert _text(page, "contrib-total") == pct(splits["position"]["total"])
    for by, split in splits.items():
        assert split["contributions"], by
        for c in split["contributions"]:
            assert _text(page, f"contrib-{by}-{c['key']}") == pct(c["component"], 2)
    hedged = [c for c in splits["position"]["contributions"] if c["component"] < 0]
    assert hedged, "the fund's shorts hedge: some contribution is negative"
    for chart in ("heatmap", "rolling", "contrib-position", "contrib-sector", "contrib-factor"):
        page.wait_for_selector(f"#{chart}-chart .main-svg")

    a, b = symbols[0], symbols[-1]
    page.select_option("#pair-a", a)
    page.select_option("#pair-b", b)
    page.select_option("#pair-window", "20")
    page.get_by_role("button", name="Show").last.click()
    page.wait_for_url("**window=20**")
    with _api(live_server) as api:
        rolling = api.get(
            f"{base}/correlations/rolling", params={"a": a, "b": b, "window": 20}
        ).json()
    assert _text(page, "rolling-last") == num(rolling["correlations"][-1])
    page.get_by_test_id("horizon-1m").click()
    page.wait_for_url("**horizon=1m**")
    assert "21 sessions" in page.content()
    assert [p for p in problems if "Content Security Policy" in p] == []
