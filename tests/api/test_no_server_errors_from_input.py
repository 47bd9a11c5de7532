"""No 500 from user input, on SQLite and PostgreSQL (issue 14, item 7).

Huge equities (``1e16``, ``1e20``, ``1e309``) are field errors in the web import and the
API; a NUL character in any text field is a 422 on PostgreSQL as on SQLite (PostgreSQL's
driver refuses NUL in text, so an unchecked field used to become a 500). The hand-made
fuzz at the end sends NUL into every string field and huge numbers into every number
field of every JSON body the OpenAPI schema declares.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sigmasight.api.errors import is_nul_text_error
from sigmasight.storage.models import Portfolio
from sigmasight.storage.uow import UnitOfWork

API = "/api/v1"
Headers = dict[str, str]
CSV = b"Symbol,Quantity,Entry Price Per Share,Entry Date\nAAPL,10,150,2022-06-01\n"
HUGE = ("1e16", "1e20", "1e309", "10000000000000000")


def _portfolio_count(client: TestClient) -> int:
    factory: Callable[[], UnitOfWork] = client.app.state.uow_factory  # type: ignore[attr-defined]
    with factory() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Portfolio)) or 0)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


@pytest.fixture
def web_user(client: TestClient, new_user: Callable[[], Headers]) -> Iterator[str]:
    """A signed-in dashboard session (cookie kept by the client) for a fresh user."""
    headers = new_user()
    email = client.get(f"{API}/auth/me", headers=headers).json()["email"]
    token = _csrf(client.get("/login").text)
    body = {"email": email, "password": "correct-horse-battery", "csrf_token": token}
    signed_in = client.post("/login", data=body, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    yield _csrf(client.get("/import").text)
    client.cookies.clear()


def test_nul_detection_names_only_the_drivers_refusal() -> None:
    assert is_nul_text_error(ValueError("PostgreSQL text fields cannot contain NUL (0x00) bytes"))
    assert not is_nul_text_error(ValueError("value too long"))


def test_huge_equity_is_a_field_error_in_the_web_import(client: TestClient, web_user: str) -> None:
    before = _portfolio_count(client)
    for equity in HUGE:
        data = {"name": f"Huge {equity}", "equity": equity, "csrf_token": web_user}
        answer = client.post(
            "/import", data=data, files={"file": ("p.csv", CSV)}, follow_redirects=False
        )
        assert answer.status_code == 422, (equity, answer.status_code)
        assert "not a plain number" in answer.text or "too large" in answer.text, answer.text
    assert _portfolio_count(client) == before


def test_huge_equity_is_a_field_error_in_the_api(
    client: TestClient, new_user: Callable[[], Headers]
) -> None:
    headers = new_user()
    before = _portfolio_count(client)
    for equity in HUGE:
        name = f"Huge {uuid.uuid4().hex[:6]}"
        form = {"name": name, "equity_balance": equity}
        imported = client.post(
            f"{API}/portfolios/import", data=form, files={"file": ("p.csv", CSV)}, headers=headers
        )
        assert imported.status_code == 422, imported.text
        assert imported.json()["details"][0]["location"][-1] == "equity_balance"
        raw = f'{{"name": "{name}", "equity_balance": {equity}}}'
        created = client.post(
            f"{API}/portfolios",
            content=raw,
            headers={**headers, "content-type": "application/json"},
        )
        assert created.status_code == 422, created.text
        assert created.json()["details"][0]["location"][-1] == "equity_balance"
    assert _portfolio_count(client) == before


def test_nul_in_text_fields_is_422(
    client: TestClient, new_user: Callable[[], Headers], web_user: str
) -> None:
    registered = client.post(
        f"{API}/auth/register",
        json={
            "email": f"n-{uuid.uuid4().hex[:8]}@example.com",
            "password": "x" * 12,
            "name": "a\x00",
        },
    )
    assert registered.status_code == 422, registered.text
    login = client.post(f"{API}/auth/login", json={"email": "a\x00b@example.com", "password": "x"})
    assert login.status_code == 422, login.text
    headers = new_user()
    named = client.post(f"{API}/portfolios", json={"name": "a\x00b"}, headers=headers)
    assert named.status_code == 422, named.text
    form = {"name": "a\x00b", "equity_balance": "1000"}
    imported = client.post(
        f"{API}/portfolios/import", data=form, files={"file": ("p.csv", CSV)}, headers=headers
    )
    assert imported.status_code == 422, imported.text
    web_import = client.post(
        "/import",
        data={"name": "a\x00b", "equity": "1000", "csrf_token": web_user},
        files={"file": ("p.csv", CSV)},
        follow_redirects=False,
    )
    assert web_import.status_code == 422, web_import.text
    client.cookies.clear()
    token = _csrf(client.get("/login").text)
    web_login = client.post(
        "/login", data={"email": "a\x00b@example.com", "password": "x", "csrf_token": token}
    )
    assert web_login.status_code == 422, web_login.text


# -- hand-made fuzz over the OpenAPI schema -------------------------------------------------


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _kinds(spec: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    schema = _resolve(spec, schema)
    found = {schema.get("type", "")}
    for option in schema.get("anyOf", []):
        found |= _kinds(spec, option)
    return found


def _sample(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A plausible valid value of ``schema`` (so a fuzzed field is what the API sees)."""
    schema = _resolve(spec, schema)
    if "anyOf" in schema:
        return _sample(spec, next(s for s in schema["anyOf"] if s.get("type") != "null"))
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "string":
        return {"date": "2022-06-01", "email": "fuzz@example.com"}.get(fmt or "", "AAPL1234")
    return {"integer": 1, "number": 100, "boolean": True, "array": [], "object": {}}.get(
        kind or "", "AAPL"
    )


def _base(spec: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    properties = body.get("properties", {})
    return {name: _sample(spec, properties[name]) for name in body.get("required", [])}


def _json_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = _resolve(spec, content["application/json"]["schema"])
                yield method, re.sub(r"\{[^}]+\}", "1", path), body


def test_fuzz_nul_and_huge_numbers_into_every_json_field(
    client: TestClient, new_user: Callable[[], Headers]
) -> None:
    spec = client.get("/openapi.json").json()
    headers = {**new_user(), "content-type": "application/json"}
    sent = 0
    for method, path, body in _json_operations(spec):
        for field, schema in body.get("properties", {}).items():
            kinds = _kinds(spec, schema)
            values: list[str] = []
            if "string" in kinds:
                values += [json.dumps("a\x00b"), json.dumps("\x00")]
            if kinds & {"number", "integer"} or "string" in kinds:
                values += ["1e16", "1e20", "1e309", '"1e309"', "-1e309"]
            for value in values:
                others = {k: v for k, v in _base(spec, body).items() if k != field}
                raw = json.dumps(others)[:-1] + ("," if others else "") + f'"{field}": {value}}}'
                answer = client.request(method, path, content=raw, headers=headers)
                sent += 1
                assert answer.status_code < 500, (method, path, field, value, answer.text)
                if answer.status_code >= 400:
                    assert answer.json()["code"], answer.text
    assert sent > 50
