"""The tearsheet from the API (``/report``) and the Performance page's download: the
same report ``sigmasight report`` writes, each format carrying the figures the
performance route serves, owner-scoped, with clear errors."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import get

Headers = dict[str, str]
BASE = "/api/v1/analytics/portfolio"
LATEST = date(2022, 12, 28)
FUND = "Long/Short Equity Fund"


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
    bad = client.get(f"{BASE}/{pid}/report", headers=demo_headers, params={"format": "pdf"})
    assert bad.status_code == 422
    early = client.get(f"{BASE}/{pid}/report", headers=demo_headers, params={"as_of": "2001-01-02"})
    assert early.status_code == 404
    assert early.json()["code"] == "NO_SNAPSHOT"
    stranger = new_user()  # type: ignore[operator]
    hidden = client.get(f"{BASE}/{pid}/report", headers=stranger)
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "NOT_FOUND"
