"""Pages a new user reads and changes: allocation, top holdings, totals, labels, one
position count, paginated history, p-values; editing, deleting and computing from the web.

Figures on the pages are recomputed here from the API's rows (positions and their
marks, the portfolio's own positions), never from the dashboard's helpers.
"""

from __future__ import annotations

import math
import time
import uuid
from collections import defaultdict
from typing import Any

import httpx
from axe_playwright_python.sync_playwright import Axe

from sigmasight.web.formatting import money, pct, pvalue
from tests.web.test_dashboard import FUND, _api, _login, _text

PASSWORD = "correct-horse-battery"
CSV = (
    b"Symbol,Quantity,Entry Price Per Share,Entry Date\n"
    b"MSFT,100,250,2022-06-01\n"
    b"AAPL,50,140,2022-06-01\n"
    b"XOM,-40,90,2022-06-01\n"
)


def _axe_clean(page: Any) -> None:
    violations = Axe().run(page).response["violations"]
    serious = [v["id"] for v in violations if v.get("impact") in ("serious", "critical")]
    assert serious == [], serious


def _cells(page: Any, table: str, column: int) -> list[str]:
    return [
        t.strip() for t in page.locator(f"{table} tbody td:nth-child({column})").all_inner_texts()
    ]


def test_overview_allocation_and_top_holdings(page: Any, live_server: str) -> None:
    with _api(live_server) as api:
        overview = api.get(f"/api/v1/analytics/portfolio/{FUND}/overview").json()
        risk = api.get(f"/api/v1/analytics/portfolio/{FUND}/positions/risk").json()
        securities = {s["symbol"]: s for s in api.get("/api/v1/securities").json()}
        stored = {p["id"]: p for p in api.get(f"/api/v1/portfolios/{FUND}/positions").json()}
    nav = overview["nav"]
    buckets: dict[str, float] = defaultdict(float)
    for row in risk["positions"]:
        position = stored[row["position_id"]]
        if position["investment_class"] == "PRIVATE":
            bucket = "Private holdings"
        else:
            security = securities.get(position["underlying_symbol"] or position["symbol"], {})
            bucket = "ETF" if security.get("is_etf") else security.get("sector") or "Unclassified"
        buckets[bucket] += row["market_value"]
    buckets["Cash"] = overview["cash"]
    assert math.isclose(sum(buckets.values()), nav, rel_tol=1e-9)  # NAV = values + cash

    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{FUND}")
    page.wait_for_selector("#allocation-chart .main-svg")  # drawn offline by Plotly
    names = _cells(page, "#allocation", 1)
    assert set(names) == set(buckets)
    assert names[-1] == "Cash"
    shown = dict(zip(names, _cells(page, "#allocation", 2), strict=True))
    assert shown == {name: money(value) for name, value in buckets.items()}
    weights = dict(zip(names, _cells(page, "#allocation", 3), strict=True))
    assert weights == {name: pct(value / nav) for name, value in buckets.items()}

    largest = sorted(risk["positions"], key=lambda r: (-abs(r["market_value"]), r["symbol"]))[:10]
    assert _cells(page, "#top-holdings", 1) == [r["symbol"] for r in largest]
    assert _cells(page, "#top-holdings", 3) == [money(r["market_value"]) for r in largest]
    # One position count: the overview, the holdings page and the portfolio card agree.
    held = len(risk["positions"])
    assert _text(page, "open-positions").startswith(f"{held} (")
    assert overview["counts"]["positions"] == held
    page.goto(f"{live_server}/portfolios/{FUND}/holdings")
    assert _text(page, "holdings-count") == str(held)
    page.goto(f"{live_server}/portfolios")
    counts = _text(page, f"counts-{FUND}")
    assert counts == f"{held} open positions on {overview['as_of']} · {len(stored)} lots recorded"
    assert "Other" in page.content()
    assert "roth_ira" not in page.content()


def test_holdings_totals_sector_and_cost(page: Any, live_server: str) -> None:
    with _api(live_server) as api:
        risk = api.get(f"/api/v1/analytics/portfolio/{FUND}/positions/risk").json()
        stored = {p["id"]: p for p in api.get(f"/api/v1/portfolios/{FUND}/positions").json()}
    costs = {}
    for row in risk["positions"]:
        p = stored[row["position_id"]]
        multiplier = 100 if p["investment_class"] == "OPTIONS" else 1
        costs[row["position_id"]] = float(p["quantity"]) * float(p["entry_price"]) * multiplier
    values = [r["market_value"] for r in risk["positions"]]
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{FUND}/holdings")
    for position_id, cost in costs.items():
        assert _text(page, f"cost-{position_id}") == money(cost)
    assert _text(page, "total-cost") == money(math.fsum(costs.values()))
    assert _text(page, "total-mv") == money(math.fsum(values))
    assert _text(page, "total-pnl") == money(math.fsum(values) - math.fsum(costs.values()))
    assert _text(page, "total-weight") == pct(math.fsum(values) / risk["nav"])
    types = set(_cells(page, "#holdings", 2))
    assert {"Long", "Short", "Long put"} <= types
    assert not types & {"LONG", "SHORT", "LP", "SC"}
    assert "Information Technology" in _cells(page, "#holdings", 3)


def test_history_is_paginated_and_p_values_are_readable(page: Any, live_server: str) -> None:
    with _api(live_server) as api:
        series = api.get(f"/api/v1/analytics/portfolio/{FUND}/snapshots").json()
        betas = api.get(f"/api/v1/analytics/portfolio/{FUND}/market-beta").json()
    days = [r["date"] for r in reversed(series["rows"])]
    _login(page, live_server)
    page.goto(f"{live_server}/portfolios/{FUND}/history")
    first = [t.strip() for t in page.locator("table tbody td:nth-child(1)").all_inner_texts()]
    assert first == days[:50]
    assert (
        _text(page, "history-range") == f"Rows 1–{min(50, len(days))} of {len(days)}, newest first"
    )
    if len(days) > 50:
        page.click("[data-testid=older]")
        second = [t.strip() for t in page.locator("table tbody td:nth-child(1)").all_inner_texts()]
        assert second == days[50:100]

    page.goto(f"{live_server}/portfolios/{FUND}/risk")
    rows = {r["symbol"]: r for r in betas["positions"] if r["p_value"] is not None}
    smallest = min(rows.values(), key=lambda r: r["p_value"])
    assert smallest["p_value"] < 1e-3
    shown = page.locator("table tbody tr", has_text=smallest["symbol"]).first
    text = shown.locator("td:nth-child(5)").inner_text().strip()
    assert text == pvalue(smallest["p_value"])
    assert "e-" in text
    assert text != "0.0000"


def _new_user_with_book(base: str) -> tuple[str, int]:
    email = f"web-{uuid.uuid4().hex[:10]}@example.com"
    with httpx.Client(base_url=base, timeout=30) as client:
        registered = client.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Web"}
        )
        assert registered.status_code == 201, registered.text
        token = client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        ).json()["access_token"]
        created = client.post(
            "/api/v1/portfolios/import",
            headers={"Authorization": f"Bearer {token}"},
            data={"name": "Web book", "equity_balance": "100000"},
            files={"file": ("book.csv", CSV, "text/csv")},
        )
        assert created.status_code == 201, created.text
        return email, int(created.json()["id"])


def test_compute_edit_and_delete_from_the_web(page: Any, live_server: str) -> None:
    email, portfolio_id = _new_user_with_book(live_server)
    _login(page, live_server, email=email, password=PASSWORD)
    page.goto(f"{live_server}/portfolios/{portfolio_id}")
    # The import queued the book's history (issue #13 item 10): the page says it is being
    # computed, and the worker beside the server computes it.
    deadline = time.monotonic() + 120
    while page.get_by_test_id("computation").count():
        assert "being computed" in _text(page, "computation")
        assert time.monotonic() < deadline, "the computation did not finish"
        page.wait_for_timeout(500)
        page.reload()
    assert _text(page, "as-of") == "2022-12-28"  # the last priced session

    page.goto(f"{live_server}/portfolios/{portfolio_id}/holdings")
    msft = page.locator("#holdings tbody tr", has_text="MSFT")
    msft.get_by_role("link", name="Edit or delete MSFT").click()
    _axe_clean(page)
    page.fill("#quantity", "1,250")
    page.fill("#modified_duration", "7.5")
    page.fill("#convexity", "0.6")
    page.click("form.card button.primary")
    page.wait_for_url(f"**/portfolios/{portfolio_id}/holdings")
    with httpx.Client(base_url=live_server, timeout=30) as client:
        token = client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        positions = client.get(f"/api/v1/portfolios/{portfolio_id}/positions", headers=headers)
        by_symbol = {p["symbol"]: p for p in positions.json()}
    assert float(by_symbol["MSFT"]["quantity"]) == 1250
    assert (by_symbol["MSFT"]["modified_duration"], by_symbol["MSFT"]["convexity"]) == (7.5, 0.6)

    # A change that breaks a rule is shown on the form, and nothing is saved.
    page.goto(f"{live_server}/portfolios/{portfolio_id}/positions/{by_symbol['AAPL']['id']}/edit")
    page.fill("#entry_price", "-5")
    page.click("form.card button.primary")
    assert "price" in _text(page, "edit-errors").lower()
    page.fill("#entry_price", "150")
    page.fill("#convexity", "2")
    page.click("form.card button.primary")
    assert "needs one" in _text(page, "edit-errors")
    page.click("[data-testid=delete-position]")
    page.wait_for_url(f"**/portfolios/{portfolio_id}/holdings")
    with httpx.Client(base_url=live_server, timeout=30) as client:
        left = client.get(f"/api/v1/portfolios/{portfolio_id}/positions", headers=headers).json()
    assert sorted(p["symbol"] for p in left) == ["MSFT", "XOM"]
    assert float(next(p for p in left if p["symbol"] == "MSFT")["quantity"]) == 1250
