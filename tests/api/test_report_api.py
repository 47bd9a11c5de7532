"""The tearsheet from the API (``/report``) and the Performance page's download: the
same report ``sigmasight report`` writes, each format carrying the figures the
performance route serves, owner-scoped, with clear errors."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sigmasight.reports.tearsheet import render_pdf
from tests._ci import unavailable
from tests._pdf import pdf_pages
from tests.api.conftest import get

Headers = dict[str, str]
BASE = "/api/v1/analytics/portfolio"
LATEST = date(2022, 12, 28)
FUND = "Long/Short Equity Fund"
CHROMIUM = Path(os.environ.get("SIGMASIGHT_CHROMIUM", "/usr/bin/chromium"))


@pytest.mark.parametrize(
    ("fmt", "media"), [("html", "text/html"), ("md", "text/markdown"), ("json", "application/json")]
)
def test_report_formats_carry_the_served_figures(
    client: TestClient, demo_headers: Headers, ids: dict[str, int], fmt: str, media: str
) -> None:
    pid = ids[FUND]
    served = get(client, demo_headers, pid, "performance", as_of=LATEST)
    r = client.get(
        f"{BASE}/{pid}/report", headers=demo_headers, params={"as_of": LATEST, "format": fmt}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(media)
    name = f"tearsheet-{pid}-{LATEST.isoformat()}.{fmt}"
    assert r.headers["content-disposition"] == f'attachment; filename="{name}"'
    if fmt == "json":
        body = json.loads(r.text)
        assert body["as_of"] == LATEST.isoformat()
        assert body["portfolio_id"] == pid
        twr = body["sections"]["performance"]["view"]["twr"]["cumulative"]
        assert twr == pytest.approx(served["twr"]["cumulative"], rel=1e-12)
    else:
        assert LATEST.isoformat() in r.text
        assert FUND in r.text
    if fmt == "html":
        assert "<script src=" not in r.text  # one offline file: Plotly is inlined


def test_report_errors_are_json_with_codes(
    client: TestClient, demo_headers: Headers, ids: dict[str, int], new_user: object
) -> None:
    pid = ids[FUND]
    bad = client.get(f"{BASE}/{pid}/report", headers=demo_headers, params={"format": "docx"})
    assert bad.status_code == 422
    early = client.get(f"{BASE}/{pid}/report", headers=demo_headers, params={"as_of": "2001-01-02"})
    assert early.status_code == 404
    assert early.json()["code"] == "NO_SNAPSHOT"
    stranger = new_user()  # type: ignore[operator]
    for fmt in ("html", "pdf"):
        hidden = client.get(f"{BASE}/{pid}/report", headers=stranger, params={"format": fmt})
        assert hidden.status_code == 404
        assert hidden.json()["code"] == "NOT_FOUND"
        assert FUND not in hidden.text


def _printer() -> None:
    """Skip (locally) or fail (under CI) when nothing can print a PDF here."""
    if not CHROMIUM.is_file():
        unavailable("Chromium", f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("Playwright", "playwright is not installed (the pdf extra)")


def test_pdf_report_is_the_html_report_printed_by_chromium(
    client: TestClient, demo_headers: Headers, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _printer()
    monkeypatch.setattr(client.app.state.settings, "chromium", CHROMIUM)  # type: ignore[attr-defined]
    pid = ids[FUND]
    params = {"as_of": LATEST, "format": "pdf"}
    r = client.get(f"{BASE}/{pid}/report", headers=demo_headers, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    name = f"tearsheet-{pid}-{LATEST.isoformat()}.pdf"
    assert r.headers["content-disposition"] == f'attachment; filename="{name}"'
    pages = pdf_pages(r.content)
    assert 3 <= pages <= 12, pages
    # The served HTML of the same date, printed here outside the app, has the same pages.
    html = client.get(
        f"{BASE}/{pid}/report", headers=demo_headers, params={**params, "format": "html"}
    ).text
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API wants a thread without a loop
        printed = pool.submit(render_pdf, html, CHROMIUM).result(timeout=180)
    assert pdf_pages(printed) == pages


def test_pdf_report_without_a_printer_is_503_with_the_reason(
    client: TestClient,
    demo_headers: Headers,
    ids: dict[str, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pid = ids[FUND]
    settings = client.app.state.settings  # type: ignore[attr-defined]

    def pdf() -> dict[str, str]:
        r = client.get(f"{BASE}/{pid}/report", headers=demo_headers, params={"format": "pdf"})
        assert r.status_code == 503, r.text
        body: dict[str, str] = r.json()
        assert body["code"] == "PDF_UNAVAILABLE"
        return body

    missing = tmp_path / "no-chromium"
    monkeypatch.setattr(settings, "chromium", missing)
    assert f"Chromium was not found at {missing}" in pdf()["message"]
    # An executable that is no browser: Playwright cannot launch it.
    monkeypatch.setattr(settings, "chromium", Path("/bin/false"))
    if importlib.util.find_spec("playwright") is not None:
        assert "did not start" in pdf()["message"]
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # as if not installed
    assert "pdf extra" in pdf()["message"]
    # The other formats do not need a printer.
    r = client.get(f"{BASE}/{pid}/report", headers=demo_headers, params={"format": "md"})
    assert r.status_code == 200


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_a_text_report_is_cached_per_revision_with_its_headers(
    client: TestClient, demo_headers: Headers, ids: dict[str, int], fmt: str
) -> None:
    pid = ids[FUND]
    url = f"{BASE}/{pid}/report"
    params = {"as_of": LATEST.isoformat(), "format": fmt}
    first = client.get(url, headers=demo_headers, params=params)
    answers = client.app.state.answers  # type: ignore[attr-defined]
    hits = answers.hits
    second = client.get(url, headers=demo_headers, params=params)
    assert first.status_code == second.status_code == 200
    assert answers.hits == hits + 1
    assert second.content == first.content
    for header in ("content-type", "content-disposition", "etag"):
        assert second.headers[header] == first.headers[header]
    unchanged = client.get(
        url, headers={**demo_headers, "If-None-Match": first.headers["etag"]}, params=params
    )
    assert unchanged.status_code == 304
    other = client.get(url, headers=demo_headers, params={**params, "format": "html"})
    assert other.headers["content-type"].startswith("text/html")
