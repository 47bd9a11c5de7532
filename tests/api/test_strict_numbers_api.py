"""Numbers and dates through the API and the CLI (issue 14, item 8): plain ASCII
decimals kept exactly, dates written YYYY-MM-DD from 1900 to 2100 (``as_of=0`` is not
1970-01-01), no short mutual fund or cash, ``--equity -5`` refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"
Headers = dict[str, str]


def _portfolio(client: TestClient, headers: Headers) -> int:
    body = {"name": f"Strict {uuid.uuid4().hex[:8]}", "equity_balance": "100000"}
    created = client.post(f"{API}/portfolios", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _refused(answer: Any, field: str) -> None:
    assert answer.status_code == 422, answer.text
    body = answer.json()
    places = [d.get("location", [None])[-1] for d in body["details"]] if body["details"] else []
    fields = [d.get("field") for d in body["details"]] if body["details"] else []
    assert field in places or field in fields, body


def test_position_numbers_are_plain_decimals_kept_exactly(
    client: TestClient, new_user: Callable[[], Headers]
) -> None:
    headers = new_user()
    url = f"{API}/portfolios/{_portfolio(client, headers)}/positions"
    base = {"symbol": "AAPL", "quantity": "10", "entry_price": "150", "entry_date": "2022-06-01"}
    for quantity in ("١٠٠", "１００", "1_000", "1e3", "1.0000001"):
        _refused(client.post(url, json={**base, "quantity": quantity}, headers=headers), "quantity")
    _refused(
        client.post(url, json={**base, "entry_price": "150.1234567"}, headers=headers),
        "entry_price",
    )
    kept = client.post(url, json={**base, "quantity": "10.123456"}, headers=headers)
    assert kept.status_code == 201, kept.text
    assert kept.json()["quantity"] == "10.123456"


def test_shorts_only_where_the_asset_allows(
    client: TestClient, new_user: Callable[[], Headers]
) -> None:
    headers = new_user()
    url = f"{API}/portfolios/{_portfolio(client, headers)}/positions"
    for subtype in ("MUTUAL_FUND", "CASH"):
        body = {
            "symbol": "VFIAX",
            "quantity": "-10",
            "entry_price": "400",
            "entry_date": "2022-06-01",
            "investment_subtype": subtype,
        }
        answer = client.post(url, json=body, headers=headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["details"][0]["code"] == "SHORT_NOT_ALLOWED"


def test_dates_are_iso_and_in_a_sane_range(
    client: TestClient, new_user: Callable[[], Headers], demo_headers: Headers
) -> None:
    headers = new_user()
    pid = _portfolio(client, headers)
    for as_of in ("0", "1", "1670000000", "0001-01-01", "9999-12-31"):
        answer = client.get(
            f"{API}/analytics/portfolio/3/overview?as_of={as_of}", headers=demo_headers
        )
        assert answer.status_code == 422, (as_of, answer.text)
    flows = f"{API}/portfolios/{pid}/equity-changes"
    for day in ("0001-01-01", "9999-12-31", 0):
        flow = {"change_type": "CONTRIBUTION", "amount": "100", "change_date": day}
        _refused(client.post(flows, json=flow, headers=headers), "change_date")
    positions = f"{API}/portfolios/{pid}/positions"
    option = {
        "symbol": "AAPL",
        "quantity": "1",
        "entry_price": "5",
        "entry_date": "2022-06-01",
        "investment_class": "OPTIONS",
        "underlying_symbol": "AAPL",
        "strike": "200",
        "expiry": "2099-12-31",
        "option_type": "CALL",
    }
    far = client.post(positions, json=option, headers=headers)
    assert far.status_code == 422, far.text
    assert far.json()["details"][0]["code"] == "EXPIRY_TOO_FAR"
    _refused(
        client.post(positions, json={**option, "expiry": "9999-12-31"}, headers=headers), "expiry"
    )
