"""The tearsheet of each demo portfolio: an HTML file that draws offline in Chromium
(every request refused) with no console error and the API's figures, Markdown and JSON
with the same figures, and a PDF printed by Chromium."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sigmasight.cli.main import app
from sigmasight.web.formatting import money, pct
from tests.web.test_dashboard import _api, _login

DEMO_BOOKS = (1, 2, 3)


@pytest.fixture
def cli(sqlite_api_url: str, tmp_path: Path, logging_restored: None) -> Callable[..., Path]:
    def run(pid: int, fmt: str) -> Path:
        out = tmp_path / f"sheet-{pid}.{fmt}"
        result = CliRunner().invoke(
            app,
            ["report", str(pid), "--format", fmt, "-o", str(out), "--database-url", sqlite_api_url],
        )
        assert result.exit_code == 0, result.output
        return out

    return run


def test_each_demo_tearsheet_renders_offline_with_the_apis_figures(
    cli: Callable[..., Path], browser: Any, live_server: str
) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    _login(page, live_server)
    page.wait_for_url("**/portfolios")
    for pid in DEMO_BOOKS:
        with _api(live_server) as api:
            perf = api.get(f"/api/v1/analytics/portfolio/{pid}/performance").json()
            overview = api.get(f"/api/v1/analytics/portfolio/{pid}/overview").json()
        html = cli(pid, "html").read_text()
        markup = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
        assert not re.search(r"""(src|href)=["']https?:""", markup)  # nothing to fetch
        errors, fetched = _open_offline(browser, html)
        sheet = errors.pop()
        assert sheet.locator(".main-svg").count() >= 5
        assert errors == []
        assert fetched == []
        shown = {
            el.get_attribute("data-label"): el.inner_text()
            for el in sheet.locator("dd[data-label]").all()
        }
        assert shown["NAV"] == money(overview["nav"], 2)
        assert shown["TWR since inception"].startswith(pct(perf["twr"]["cumulative"], 2))
        assert shown["As of"] == perf["as_of"]
        assert "stored from" in shown["Data coverage"]
        sheet.context.close()
        md = cli(pid, "md").read_text()
        assert f"- TWR since inception: {pct(perf['twr']['cumulative'], 2)}" in md
        assert "| Period | Return | Annualised |" in md
        data = json.loads(cli(pid, "json").read_text())
        assert data["as_of"] == perf["as_of"]
        got = data["sections"]["performance"]["view"]["twr"]["cumulative"]
        assert got == pytest.approx(perf["twr"]["cumulative"], rel=1e-12)
    context.close()


def _open_offline(browser: Any, html: str) -> tuple[list[Any], list[str]]:
    """The HTML in a fresh page with every request refused, once its charts are drawn:
    the console errors (the page appended last) and the URLs it tried to fetch."""
    errors: list[Any] = []
    fetched: list[str] = []
    sheet = browser.new_context().new_page()
    sheet.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sheet.on("pageerror", lambda e: errors.append(str(e)))
    sheet.route("**/*", lambda route: (fetched.append(route.request.url), route.abort()))
    sheet.set_content(html, wait_until="load")
    sheet.wait_for_function("window.tearsheetDrawn === true")
    errors.append(sheet)
    return errors, fetched


def test_pdf_is_printed_by_chromium_with_every_section(sqlite_api_url: str, tmp_path: Path) -> None:
    # a process of its own: the browser fixture's Playwright owns this one's event loop
    out = tmp_path / "sheet.pdf"
    command = [sys.executable, "-c", "from sigmasight.cli.main import main; main()", "report", "3"]
    done = subprocess.run(
        [*command, "--format", "pdf", "-o", str(out), "--database-url", sqlite_api_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 3 <= pages <= 12, pages


def test_unknown_portfolio_and_format_fail_cleanly(sqlite_api_url: str) -> None:
    runner = CliRunner()
    db = ["--database-url", sqlite_api_url]
    missing = runner.invoke(app, ["report", "999999", *db])
    assert (missing.exit_code, "not found" in missing.output) == (2, True)
    bad = runner.invoke(app, ["report", "1", "--format", "docx", *db])
    assert bad.exit_code == 2
    nowhere = "/nonexistent/chromium"
    no_pdf = runner.invoke(
        app, ["report", "1", "--format", "pdf", *db], env={"SIGMASIGHT_CHROMIUM": nowhere}
    )
    assert no_pdf.exit_code == 1
    assert f"no PDF: Chromium was not found at {nowhere}" in " ".join(no_pdf.output.split())
