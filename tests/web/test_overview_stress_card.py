"""The overview's stress card in a real browser (#22): the worst scenario of the shown
date, its P&L and its share of NAV, read back against the stored stress rows (each of
them recomputed from raw closes by tests/reference/test_stored_stress.py) with the NAV
recomputed from the raw positions and closes (tests/reference), the worst chosen here by
plain ``min`` over the stored list; its link opens the Stress page on that scenario; axe
in both themes and no CSP or console error."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import create_engine, text

from sigmasight.web.formatting import money, pct
from tests.api.conftest import BATCH_END
from tests.reference.books import BookReference
from tests.reference.raw import read_raw
from tests.web.conftest import watch_csp
from tests.web.test_dashboard import _login, _text

PAST = date(2022, 12, 15)


@pytest.fixture(scope="module")
def stored(sqlite_api_url: str) -> dict[tuple[int, date], tuple[str, str, float, float]]:
    """(book, date) -> (key, name, worst P&L, P&L / NAV) from the raw rows: the stress
    lists of ``portfolio_stress_results``, the names of ``stress_scenario_moves`` and the
    NAV of tests/reference (equity + cumulative P&L + flows from raw closes)."""
    engine = create_engine(sqlite_api_url)
    try:
        books = BookReference(read_raw(engine))
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT portfolio_id, calc_date, scenario_keys, pnl "
                    "FROM portfolio_stress_results"
                )
            ).all()
            names = {
                (str(d), k): n
                for d, k, n in connection.execute(
                    text("SELECT calc_date, scenario_key, name FROM stress_scenario_moves")
                ).all()
            }
    finally:
        engine.dispose()
    out = {}
    for pid, day, keys_json, pnl_json in rows:
        when = date.fromisoformat(str(day))
        keys, pnl = json.loads(keys_json), json.loads(pnl_json)
        worst = min(range(len(pnl)), key=lambda k: pnl[k])
        nav = books.nav(pid, when)
        out[(pid, when)] = (
            keys[worst],
            names[(str(day), keys[worst])],
            pnl[worst],
            pnl[worst] / nav,
        )
    return out


@pytest.mark.parametrize("day", [BATCH_END, PAST])
@pytest.mark.parametrize("portfolio", [1, 2, 3])
def test_the_stress_card_shows_the_worst_stored_scenario(
    page: Any, live_server: str, stored: dict[Any, Any], portfolio: int, day: date
) -> None:
    _, name, pnl, share = stored[(portfolio, day)]
    assert pnl < 0
    _login(page, live_server)
    page.wait_for_url("**/portfolios")
    page.goto(f"{live_server}/portfolios/{portfolio}?as_of={day.isoformat()}")
    assert _text(page, "stress-worst-name") == name
    assert _text(page, "stress-worst-pnl") == money(pnl)
    assert _text(page, "stress-worst-pct") == pct(share, 2)


def test_the_stress_card_links_to_its_scenario_and_is_accessible(
    browser: Any, live_server: str, stored: dict[Any, Any]
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = watch_csp(page)
    _login(page, live_server)
    page.wait_for_url("**/portfolios")
    page.goto(f"{live_server}/portfolios/3")
    page.wait_for_load_state("networkidle")
    for theme in ("light", "dark"):
        violations = Axe().run(page).response["violations"]
        serious = [v["id"] for v in violations if v.get("impact") in ("serious", "critical")]
        assert serious == [], theme
        if theme == "light":
            page.click("#theme-toggle")
    key = stored[(3, BATCH_END)][0]
    page.get_by_test_id("stress-link").click()
    page.wait_for_url(f"**/portfolios/3/stress?scenario={key}")
    assert page.get_by_test_id(f"scenario-link-{key}").get_attribute("aria-current") == "true"
    context.close()
    assert problems == []
