"""Starting equity is required and positive wherever a book is imported (issue 13,
item 9): the web form, the API and ``sigmasight portfolio import --equity`` used to
default to 0, which gave a book with a negative NAV."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from sigmasight.services.portfolios import PortfolioSpec, import_portfolio, parse_equity
from tests.api.test_no_server_errors_from_input import CSV, _csrf, _portfolio_count

API = "/api/v1"
Headers = dict[str, str]


@pytest.fixture
def web_form(client: TestClient, new_user: Callable[[], Headers]) -> Iterator[str]:
    headers = new_user()
    email = client.get(f"{API}/auth/me", headers=headers).json()["email"]
    token = _csrf(client.get("/login").text)
    body = {"email": email, "password": "correct-horse-battery", "csrf_token": token}
    assert client.post("/login", data=body, follow_redirects=False).status_code == 303
    yield _csrf(client.get("/import").text)
    client.cookies.clear()


def test_parse_equity_requires_a_positive_plain_amount() -> None:
    assert parse_equity(" 250000.5 ") == Decimal("250000.5")
    for text, fragment in [
        ("", "required"),
        ("  ", "required"),
        ("0", "greater than 0"),
        ("0.00", "greater than 0"),
        ("-5", "greater than 0"),
        ("1.234", "decimal places"),
    ]:
        with pytest.raises(ValueError, match=fragment):
            parse_equity(text)


def test_web_import_requires_starting_equity(client: TestClient, web_form: str) -> None:
    before = _portfolio_count(client)
    for equity, fragment in [("", "required"), ("0", "greater than 0"), ("-5", "greater")]:
        data = {"name": f"No equity {uuid.uuid4().hex[:6]}", "equity": equity}
        answer = client.post(
            "/import",
            data={**data, "csrf_token": web_form},
            files={"file": ("p.csv", CSV)},
            follow_redirects=False,
        )
        assert answer.status_code == 422, answer.text
        assert fragment in answer.text
    page = client.get("/import").text
    assert 'id="equity" name="equity" inputmode="decimal" required' in page
    assert _portfolio_count(client) == before


def test_api_import_requires_starting_equity(
    client: TestClient, new_user: Callable[[], Headers]
) -> None:
    headers = new_user()
    for form in ({"name": "No equity"}, {"name": "Zero", "equity_balance": "0"}):
        answer = client.post(
            f"{API}/portfolios/import", data=form, files={"file": ("p.csv", CSV)}, headers=headers
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["details"][0]["location"][-1] == "equity_balance"


def test_service_refuses_a_book_without_nav(client: TestClient) -> None:
    factory = client.app.state.uow_factory  # type: ignore[attr-defined]
    outcome = import_portfolio(
        factory,
        1,
        PortfolioSpec("Zero NAV", equity_balance=Decimal(0)),
        CSV,
        today=date(2023, 1, 2),
    )
    assert not outcome.ok
    assert outcome.errors[0].code == "NON_POSITIVE_EQUITY"
