"""Resource routes: portfolios, positions, tags, equity changes, securities and prices.

Each test registers its own users on the shared demo databases (SQLite and PostgreSQL),
so tests never see each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sigmasight.services.resources import market

API = "/api/v1"
Headers = dict[str, str]
NewUser = Callable[[], Headers]

AAPL = {"symbol": "AAPL", "quantity": "100", "entry_price": "150.25", "entry_date": "2022-06-01"}
HEADER = "Symbol,Quantity,Entry Price Per Share,Entry Date,Exit Date,Exit Price Per Share\n"


@pytest.fixture(scope="module")
def account(client: TestClient) -> Headers:
    """One user shared by the tests that need no fresh account (registering costs an
    Argon2 hash); they work on portfolios of their own, with unique names."""
    email = f"resources-{uuid.uuid4().hex[:10]}@example.com"
    user = {"email": email, "password": "correct-horse-battery", "name": "Shared"}
    _ok(client.post(f"{API}/auth/register", json=user), 201)
    login = {"email": email, "password": user["password"]}
    token = _ok(client.post(f"{API}/auth/login", json=login))["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if status != 204 else None


def _error(response: Any, status: int, code: str) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert set(body) == {"code", "message", "details"}
    return body["details"]


def _portfolio(client: TestClient, headers: Headers, name: str = "", **fields: Any) -> Any:
    body = {"name": name or _unique("Book"), **fields}
    return _ok(client.post(f"{API}/portfolios", json=body, headers=headers), 201)


def _position(client: TestClient, headers: Headers, pid: int, **fields: Any) -> Any:
    url = f"{API}/portfolios/{pid}/positions"
    return _ok(client.post(url, json={**AAPL, **fields}, headers=headers), 201)


def _csv(*rows: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("book.csv", (HEADER + "\n".join(rows) + "\n").encode(), "text/csv")}


# -- portfolios -------------------------------------------------------------------------


def test_portfolio_lifecycle(client: TestClient, new_user: NewUser) -> None:
    headers = new_user()
    created = _portfolio(
        client, headers, "Core", account_type="ira", equity_balance="1000.5", base_currency="eur"
    )
    assert created["name"] == "Core"
    assert created["account_type"] == "ira"
    assert created["equity_balance"] == "1000.50"  # exact decimals travel as strings
    assert created["base_currency"] == "EUR"
    assert created["primary_benchmark"] == "^GSPC"
    assert created["position_count"] == 0
    pid = created["id"]

    assert [p["id"] for p in _ok(client.get(f"{API}/portfolios", headers=headers))] == [pid]
    assert _ok(client.get(f"{API}/portfolios/{pid}", headers=headers)) == created
    patch = {"description": "long book", "primary_benchmark": "spy"}
    changed = _ok(client.patch(f"{API}/portfolios/{pid}", json=patch, headers=headers))
    assert (changed["description"], changed["primary_benchmark"]) == ("long book", "SPY")
    assert changed["name"] == "Core"

    _error(client.post(f"{API}/portfolios", json={"name": "Core"}, headers=headers), 409,
           "PORTFOLIO_EXISTS")  # fmt: skip
    other = _portfolio(client, headers, "Other")
    rename = client.patch(f"{API}/portfolios/{other['id']}", json={"name": "Core"}, headers=headers)
    _error(rename, 409, "PORTFOLIO_EXISTS")

    _ok(client.delete(f"{API}/portfolios/{pid}", headers=headers), 204)
    _error(client.get(f"{API}/portfolios/{pid}", headers=headers), 404, "NOT_FOUND")
    _error(client.delete(f"{API}/portfolios/{pid}", headers=headers), 404, "NOT_FOUND")
    assert [p["name"] for p in _ok(client.get(f"{API}/portfolios", headers=headers))] == ["Other"]
    assert _portfolio(client, headers, "Core")["id"] != pid  # a deleted name is free again


@pytest.mark.parametrize(
    "body",
    [
        {"name": "  "},
        {"name": "x", "base_currency": "US"},
        {"name": "x", "equity_balance": "-1"},
        {"name": "x", "equity_balance": "1.234"},
        {"name": "x", "primary_benchmark": "not a symbol"},
        {"name": "x", "account_type": "brokerage"},
        {"name": "x", "colour": "red"},
        {"name": "x", "description": "nul\x00byte"},  # PostgreSQL would refuse it: 422
    ],
)
def test_portfolio_create_validation(
    client: TestClient, account: Headers, body: dict[str, Any]
) -> None:
    before = _ok(client.get(f"{API}/portfolios", headers=account))
    _error(client.post(f"{API}/portfolios", json=body, headers=account), 422, "VALIDATION_ERROR")
    assert _ok(client.get(f"{API}/portfolios", headers=account)) == before


def test_portfolio_patch_refuses_null_for_required_fields(
    client: TestClient, account: Headers
) -> None:
    headers = account
    pid = _portfolio(client, headers)["id"]
    response = client.patch(f"{API}/portfolios/{pid}", json={"name": None}, headers=headers)
    _error(response, 422, "VALIDATION_ERROR")
    cleared = client.patch(f"{API}/portfolios/{pid}", json={"description": None}, headers=headers)
    assert _ok(cleared)["description"] is None


def test_resources_require_a_token(client: TestClient) -> None:
    for url in ("/portfolios", "/tags", "/securities", "/prices/AAPL", "/batch/runs/x"):
        _error(client.get(f"{API}{url}"), 401, "UNAUTHORIZED")


def test_out_of_range_ids_are_not_found_or_invalid(client: TestClient, account: Headers) -> None:
    headers = account
    _error(client.get(f"{API}/portfolios/999999999", headers=headers), 404, "NOT_FOUND")
    _error(client.get(f"{API}/portfolios/{2**40}", headers=headers), 422, "VALIDATION_ERROR")


# -- positions --------------------------------------------------------------------------


def test_position_lifecycle(client: TestClient, account: Headers) -> None:
    headers = account
    pid = _portfolio(client, headers)["id"]
    base = f"{API}/portfolios/{pid}/positions"
    stock = _position(client, headers, pid, symbol=" aapl ", notes="core holding")
    assert stock["symbol"] == "AAPL"
    assert (stock["position_type"], stock["investment_class"]) == ("LONG", "PUBLIC")
    assert stock["investment_subtype"] == "STOCK"
    assert (stock["quantity"], stock["entry_price"]) == ("100.000000", "150.250000")
    assert (stock["notes"], stock["tags"], stock["portfolio_id"]) == ("core holding", [], pid)
    put = {
        "symbol": "SPY",
        "quantity": -3,
        "entry_price": 7.85,
        "entry_date": "2022-05-06",
        "underlying_symbol": "SPY",
        "strike": "380",
        "expiry": "2022-12-16",
        "option_type": "PUT",
    }
    option = _ok(client.post(base, json=put, headers=headers), 201)
    assert (option["symbol"], option["position_type"]) == ("SPY221216P00380000", "SP")
    assert (option["investment_class"], option["investment_subtype"]) == ("OPTIONS", "PUT")

    listed = _ok(client.get(base, headers=headers))
    assert [p["id"] for p in listed] == [stock["id"], option["id"]]
    assert _ok(client.get(f"{API}/portfolios/{pid}", headers=headers))["position_count"] == 2
    assert _ok(client.get(f"{base}/{stock['id']}", headers=headers)) == stock

    short = _ok(client.patch(f"{base}/{stock['id']}", json={"quantity": "-40"}, headers=headers))
    assert (short["quantity"], short["position_type"]) == ("-40.000000", "SHORT")
    assert short["notes"] == "core holding"
    closed = {"exit_date": "2022-11-01", "exit_price": "0"}
    assert (
        _ok(client.patch(f"{base}/{stock['id']}", json=closed, headers=headers))["exit_price"]
        == "0.000000"
    )
    restruck = _ok(client.patch(f"{base}/{option['id']}", json={"strike": 390}, headers=headers))
    assert restruck["symbol"] == "SPY221216P00390000"  # the OCC symbol follows the terms

    _ok(client.delete(f"{base}/{stock['id']}", headers=headers), 204)
    _error(client.get(f"{base}/{stock['id']}", headers=headers), 404, "NOT_FOUND")
    assert [p["id"] for p in _ok(client.get(base, headers=headers))] == [option["id"]]


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"quantity": "0"}, "quantity", "ZERO_QUANTITY"),
        ({"entry_price": "0"}, "entry_price", "NON_POSITIVE_PRICE"),
        ({"entry_date": "2099-01-01"}, "entry_date", "FUTURE_DATE"),
        ({"exit_date": "2022-01-03", "exit_price": "1"}, "exit_date", "EXIT_BEFORE_ENTRY"),
        ({"exit_price": "1"}, "exit_price", "EXIT_PRICE_WITHOUT_DATE"),
        ({"investment_class": "OPTIONS"}, "underlying_symbol", "OPTION_FIELDS_MISSING"),
        ({"strike": "100"}, "underlying_symbol", "OPTION_FIELDS_MISSING"),
        ({"symbol": "AAPL220121C00150000", "quantity": "1.5"}, "quantity",
         "FRACTIONAL_CONTRACTS"),
        ({"quantity": "10000000000000"}, "quantity", "OUT_OF_RANGE"),
        ({"entry_price": "1000000000000"}, "entry_price", "OUT_OF_RANGE"),
        ({"symbol": "Acme Ventures Growth Fund Number Two", "investment_class": "PRIVATE"},
         "symbol", "OUT_OF_RANGE"),
        ({"symbol": "NOT A TICKER"}, "symbol", "BAD_SYMBOL"),
        ({"symbol": "AA\x00PL"}, "symbol", "BAD_SYMBOL"),
        ({"modified_duration": "101"}, "modified_duration", "DURATION_OUT_OF_RANGE"),
        ({"modified_duration": "5", "convexity": "-10001"}, "convexity",
         "DURATION_OUT_OF_RANGE"),
        ({"convexity": "2"}, "convexity", "CONVEXITY_WITHOUT_DURATION"),
        ({"symbol": "AAPL220121C00150000", "modified_duration": "3"}, "modified_duration",
         "DURATION_NOT_APPLICABLE"),
    ],
)  # fmt: skip
def test_position_obeys_the_import_rules(
    client: TestClient, account: Headers, fields: dict[str, str], field: str, code: str
) -> None:
    headers = account
    pid = _portfolio(client, headers)["id"]
    url = f"{API}/portfolios/{pid}/positions"
    details = _error(client.post(url, json={**AAPL, **fields}, headers=headers), 422,
                     "INVALID_POSITION")  # fmt: skip
    assert {(d["row"], d["field"], d["code"]) for d in details} >= {(1, field, code)}
    assert _ok(client.get(url, headers=headers)) == []


def test_position_patch_is_checked_as_a_whole(client: TestClient, account: Headers) -> None:
    headers = account
    pid = _portfolio(client, headers)["id"]
    position = _position(client, headers, pid)
    url = f"{API}/portfolios/{pid}/positions/{position['id']}"
    before_entry = {"exit_date": "2022-05-01", "exit_price": "10"}
    details = _error(client.patch(url, json=before_entry, headers=headers), 422,
                     "INVALID_POSITION")  # fmt: skip
    assert [(d["field"], d["code"]) for d in details] == [("exit_date", "EXIT_BEFORE_ENTRY")]
    _error(client.patch(url, json={"quantity": None}, headers=headers), 422, "VALIDATION_ERROR")
    assert _ok(client.get(url, headers=headers)) == position


def test_position_duration_and_convexity(client: TestClient, account: Headers) -> None:
    """A bond holding's duration and convexity are stored as sent, changed and cleared by
    PATCH, and kept when other fields change; a position without them shows null."""
    headers = account
    pid = _portfolio(client, headers)["id"]
    plain = _position(client, headers, pid)
    assert (plain["modified_duration"], plain["convexity"]) == (None, None)
    bond = _position(client, headers, pid, symbol="MSFT", modified_duration="16.8",
                     convexity="3.7")  # fmt: skip
    assert (bond["modified_duration"], bond["convexity"]) == (16.8, 3.7)
    url = f"{API}/portfolios/{pid}/positions/{bond['id']}"
    changed = _ok(client.patch(url, json={"quantity": "-5"}, headers=headers))
    assert (changed["modified_duration"], changed["convexity"]) == (16.8, 3.7)
    changed = _ok(client.patch(url, json={"modified_duration": "7.25"}, headers=headers))
    assert (changed["modified_duration"], changed["convexity"]) == (7.25, 3.7)
    details = _error(client.patch(url, json={"modified_duration": None}, headers=headers), 422,
                     "INVALID_POSITION")  # fmt: skip
    assert [(d["field"], d["code"]) for d in details] == [
        ("convexity", "CONVEXITY_WITHOUT_DURATION")
    ]
    cleared = {"modified_duration": None, "convexity": None}
    changed = _ok(client.patch(url, json=cleared, headers=headers))
    assert (changed["modified_duration"], changed["convexity"]) == (None, None)


def test_bulk_is_all_or_nothing(client: TestClient, account: Headers) -> None:
    headers = account
    pid = _portfolio(client, headers)["id"]
    url = f"{API}/portfolios/{pid}/positions"
    good = {**AAPL, "symbol": "MSFT"}
    bad = [good, {**AAPL, "quantity": "0"}, {**AAPL, "entry_price": "-1"}, good]
    details = _error(client.post(f"{url}/bulk", json=bad, headers=headers), 422,
                     "INVALID_POSITION")  # fmt: skip
    assert [(d["row"], d["field"], d["code"]) for d in details] == [
        (2, "quantity", "ZERO_QUANTITY"),
        (3, "entry_price", "NON_POSITIVE_PRICE"),
        (4, None, "DUPLICATE_ROW"),
    ]
    assert _ok(client.get(url, headers=headers)) == []
    _error(client.post(f"{url}/bulk", json=[], headers=headers), 422, "VALIDATION_ERROR")

    added = _ok(client.post(f"{url}/bulk", json=[AAPL, good], headers=headers), 201)
    assert [p["symbol"] for p in added] == ["AAPL", "MSFT"]
    assert [p["id"] for p in _ok(client.get(url, headers=headers))] == [p["id"] for p in added]


def test_csv_import_into_a_portfolio_lists_every_bad_row(
    client: TestClient, account: Headers
) -> None:
    headers = account
    pid = _portfolio(client, headers)["id"]
    url = f"{API}/portfolios/{pid}/positions"
    bad = _csv(
        "AAPL,100,150,2022-06-01,,",
        "MSFT,0,250,2022-06-01,,",
        "JNJ,10,abc,2022-06-01,,",
        "XOM,10,50,2022-06-01,2022-05-01,60",
    )
    details = _error(client.post(f"{url}/import", files=bad, headers=headers), 422,
                     "IMPORT_ERRORS")  # fmt: skip
    assert [(d["row"], d["column"], d["code"]) for d in details] == [
        (3, "Quantity", "ZERO_QUANTITY"),
        (4, "Entry Price Per Share", "BAD_NUMBER"),
        (5, "Exit Date", "EXIT_BEFORE_ENTRY"),
    ]
    assert all(d["message"] for d in details)
    assert _ok(client.get(url, headers=headers)) == []

    good = _csv("AAPL,100,150,2022-06-01,,", "MSFT,-20,250,2022-06-01,2022-09-01,240")
    added = _ok(client.post(f"{url}/import", files=good, headers=headers), 201)
    assert [(p["symbol"], p["position_type"]) for p in added] == [
        ("AAPL", "LONG"),
        ("MSFT", "SHORT"),
    ]
    assert len(_ok(client.get(url, headers=headers))) == 2


def test_csv_import_creates_a_portfolio(client: TestClient, new_user: NewUser) -> None:
    headers = new_user()
    url = f"{API}/portfolios/import"
    form = {"name": "Imported", "account_type": "roth_ira", "equity_balance": "50000"}
    created = _ok(client.post(url, data=form, files=_csv("AAPL,100,150,2022-06-01,,"),
                              headers=headers), 201)  # fmt: skip
    assert (created["name"], created["account_type"]) == ("Imported", "roth_ira")
    assert (created["equity_balance"], created["position_count"]) == ("50000.00", 1)

    again = client.post(url, data=form, files=_csv("MSFT,1,1,2022-06-01,,"), headers=headers)
    _error(again, 409, "PORTFOLIO_EXISTS")
    bad_rows = _csv("AAPL,1,1,2022-06-01,,", "MSFT,1,1,2999-01-01,,", "JNJ,,1,2022-06-01,,")
    bad = client.post(url, data={**form, "name": "Broken"}, files=bad_rows, headers=headers)
    details = _error(bad, 422, "IMPORT_ERRORS")
    assert [(d["row"], d["code"]) for d in details] == [(3, "FUTURE_DATE"), (4, "MISSING_VALUE")]
    blank = client.post(url, data={**form, "name": "  "}, files=_csv("A,1,1,2022-06-01,,"),
                        headers=headers)  # fmt: skip
    _error(blank, 422, "VALIDATION_ERROR")
    empty = client.post(url, data={**form, "name": "Empty"}, files=_csv(), headers=headers)
    assert [d["code"] for d in _error(empty, 422, "IMPORT_ERRORS")] == ["NO_DATA_ROWS"]
    names = [p["name"] for p in _ok(client.get(f"{API}/portfolios", headers=headers))]
    assert names == ["Imported"]


# -- tags -------------------------------------------------------------------------------


def test_tags_and_position_tags(client: TestClient, new_user: NewUser) -> None:
    headers = new_user()
    pid = _portfolio(client, headers)["id"]
    position = _position(client, headers, pid)
    growth = _ok(client.post(f"{API}/tags", json={"name": "growth"}, headers=headers), 201)
    assert growth["color"] == "#6b7280"
    hedge = _ok(
        client.post(f"{API}/tags", json={"name": "hedge", "color": "#ff0000"}, headers=headers),
        201,
    )
    _error(client.post(f"{API}/tags", json={"name": "growth"}, headers=headers), 409,
           "TAG_EXISTS")  # fmt: skip
    _error(client.post(f"{API}/tags", json={"name": "x", "color": "red"}, headers=headers), 422,
           "VALIDATION_ERROR")  # fmt: skip
    names = [t["name"] for t in _ok(client.get(f"{API}/tags", headers=headers))]
    assert names == ["growth", "hedge"]
    renamed = client.patch(f"{API}/tags/{hedge['id']}", json={"name": "growth"}, headers=headers)
    _error(renamed, 409, "TAG_EXISTS")
    recolored = client.patch(f"{API}/tags/{hedge['id']}", json={"color": "#00ff00"},
                             headers=headers)  # fmt: skip
    assert _ok(recolored)["color"] == "#00ff00"

    url = f"{API}/portfolios/{pid}/positions/{position['id']}"
    ids = {"tag_ids": [hedge["id"], growth["id"], hedge["id"]]}
    tagged = _ok(client.put(f"{url}/tags", json=ids, headers=headers))
    assert [t["name"] for t in tagged["tags"]] == ["growth", "hedge"]
    assert len(_ok(client.get(url, headers=headers))["tags"]) == 2
    _error(client.put(f"{url}/tags", json={"tag_ids": [999999999]}, headers=headers), 404,
           "NOT_FOUND")  # fmt: skip

    _ok(client.delete(f"{API}/tags/{growth['id']}", headers=headers), 204)
    assert [t["name"] for t in _ok(client.get(url, headers=headers))["tags"]] == ["hedge"]
    cleared = _ok(client.put(f"{url}/tags", json={"tag_ids": []}, headers=headers))
    assert cleared["tags"] == []
    _error(client.delete(f"{API}/tags/{growth['id']}", headers=headers), 404, "NOT_FOUND")


# -- equity changes ---------------------------------------------------------------------


def test_equity_changes(client: TestClient, account: Headers) -> None:
    headers = account
    pid = _portfolio(client, headers)["id"]
    url = f"{API}/portfolios/{pid}/equity-changes"
    deposit = {"change_type": "CONTRIBUTION", "amount": "2500", "change_date": "2022-07-01"}
    created = _ok(client.post(url, json=deposit, headers=headers), 201)
    assert (created["amount"], created["change_type"]) == ("2500.00", "CONTRIBUTION")
    withdrawal = {"change_type": "WITHDRAWAL", "amount": 100.5, "change_date": "2022-06-01"}
    _ok(client.post(url, json=withdrawal, headers=headers), 201)
    listed = _ok(client.get(url, headers=headers))
    assert [(c["change_date"], c["amount"]) for c in listed] == [
        ("2022-06-01", "100.50"),
        ("2022-07-01", "2500.00"),
    ]
    for bad in ({"amount": "0"}, {"amount": "-5"}, {"change_type": "GIFT"}):
        _error(client.post(url, json={**deposit, **bad}, headers=headers), 422,
               "VALIDATION_ERROR")  # fmt: skip
    future = {**deposit, "change_date": "2099-01-01"}
    _error(client.post(url, json=future, headers=headers), 422, "FUTURE_DATE")
    _ok(client.delete(f"{url}/{created['id']}", headers=headers), 204)
    _error(client.delete(f"{url}/{created['id']}", headers=headers), 404, "NOT_FOUND")
    assert len(_ok(client.get(url, headers=headers))) == 1


# -- securities and prices --------------------------------------------------------------


def test_securities(client: TestClient, demo_headers: Headers) -> None:
    everything = _ok(client.get(f"{API}/securities", headers=demo_headers))
    symbols = [s["symbol"] for s in everything]
    assert symbols == sorted(symbols)
    assert {"AAPL", "MSFT", "^GSPC"} <= set(symbols)
    picked = client.get(f"{API}/securities?symbols=msft,AAPL&symbols=NOPE", headers=demo_headers)
    assert [s["symbol"] for s in _ok(picked)] == ["AAPL", "MSFT"]
    page = client.get(f"{API}/securities?limit=2&offset=1", headers=demo_headers)
    assert [s["symbol"] for s in _ok(page)] == symbols[1:3]
    aapl = _ok(client.get(f"{API}/securities/aapl", headers=demo_headers))
    assert (aapl["symbol"], aapl["asset_type"]) == ("AAPL", "STOCK")
    _error(client.get(f"{API}/securities/NOPE", headers=demo_headers), 404, "NOT_FOUND")
    _error(client.get(f"{API}/securities/A%00B", headers=demo_headers), 404, "NOT_FOUND")
    junk = client.get(f"{API}/securities?symbols=A%00B,,AAPL", headers=demo_headers)
    assert [s["symbol"] for s in _ok(junk)] == ["AAPL"]


def test_prices(client: TestClient, demo_headers: Headers, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"{API}/prices/AAPL?start=2022-12-01&end=2022-12-09"
    history = _ok(client.get(url, headers=demo_headers))
    days = [p["date"] for p in history["prices"]]
    # NYSE sessions of 2022-12-01..09: Thursday to the next Friday.
    assert days == ["2022-12-01", "2022-12-02", "2022-12-05", "2022-12-06", "2022-12-07",
                    "2022-12-08", "2022-12-09"]  # fmt: skip
    assert all(isinstance(p["close"], float) and p["close"] > 0 for p in history["prices"])
    assert (history["symbol"], history["start"], history["end"]) == (
        "AAPL",
        "2022-12-01",
        "2022-12-09",
    )
    reversed_range = f"{API}/prices/AAPL?start=2022-12-09&end=2022-12-01"
    _error(client.get(reversed_range, headers=demo_headers), 422, "BAD_RANGE")
    _error(client.get(f"{API}/prices/NOPE", headers=demo_headers), 404, "NOT_FOUND")
    _error(client.get(f"{API}/prices/AAPL?start=0001-01-01", headers=demo_headers), 422,
           "VALIDATION_ERROR")  # fmt: skip
    monkeypatch.setattr(market, "MAX_PRICE_ROWS", 6)
    details = _error(client.get(url, headers=demo_headers), 422, "TOO_MANY_ROWS")
    assert details == {"limit": 6}


# -- isolation --------------------------------------------------------------------------


def test_another_users_ids_are_not_found(client: TestClient, new_user: NewUser) -> None:
    alice, bob = new_user(), new_user()
    pid = _portfolio(client, alice, "Alice")["id"]
    position = _position(client, alice, pid)
    tag = _ok(client.post(f"{API}/tags", json={"name": "mine"}, headers=alice), 201)
    flow = {"change_type": "CONTRIBUTION", "amount": "10", "change_date": "2022-07-01"}
    change = _ok(client.post(f"{API}/portfolios/{pid}/equity-changes", json=flow,
                             headers=alice), 201)  # fmt: skip
    bob_pid = _portfolio(client, bob, "Bob")["id"]
    bob_position = _position(client, bob, bob_pid)

    p, pos = f"{API}/portfolios/{pid}", f"{API}/portfolios/{pid}/positions/{position['id']}"
    attempts: list[tuple[str, str, Any]] = [
        ("GET", p, None),
        ("PATCH", p, {"name": "Stolen"}),
        ("DELETE", p, None),
        ("GET", f"{p}/positions", None),
        ("POST", f"{p}/positions", AAPL),
        ("POST", f"{p}/positions/bulk", [AAPL]),
        ("GET", pos, None),
        ("PATCH", pos, {"quantity": "1"}),
        ("DELETE", pos, None),
        ("PUT", f"{pos}/tags", {"tag_ids": []}),
        ("PATCH", f"{API}/tags/{tag['id']}", {"name": "x"}),
        ("DELETE", f"{API}/tags/{tag['id']}", None),
        ("GET", f"{p}/equity-changes", None),
        ("POST", f"{p}/equity-changes", flow),
        ("DELETE", f"{p}/equity-changes/{change['id']}", None),
        # Bob's own position with Alice's tag, and Alice's position under Bob's portfolio.
        ("PUT", f"{API}/portfolios/{bob_pid}/positions/{bob_position['id']}/tags",
         {"tag_ids": [tag["id"]]}),
        ("GET", f"{API}/portfolios/{bob_pid}/positions/{position['id']}", None),
    ]  # fmt: skip
    for method, url, body in attempts:
        response = client.request(method, url, json=body, headers=bob)
        _error(response, 404, "NOT_FOUND")
    upload = client.post(f"{p}/positions/import", files=_csv("MSFT,1,1,2022-06-01,,"),
                         headers=bob)  # fmt: skip
    _error(upload, 404, "NOT_FOUND")

    assert [x["name"] for x in _ok(client.get(f"{API}/portfolios", headers=bob))] == ["Bob"]
    assert _ok(client.get(f"{API}/tags", headers=bob)) == []
    assert _ok(client.get(p, headers=alice))["name"] == "Alice"
    assert _ok(client.get(pos, headers=alice)) == position
    assert len(_ok(client.get(f"{p}/positions", headers=alice))) == 1
    assert [t["name"] for t in _ok(client.get(f"{API}/tags", headers=alice))] == ["mine"]
    assert len(_ok(client.get(f"{p}/equity-changes", headers=alice))) == 1
