"""Sessions that really end: logout revokes the login's refresh family and the web
session server-side; a password change ends every session of the account; a token or
cookie is bound to the account's session key."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from sigmasight.api.answers import AnswerCache
from sigmasight.api.readers import Reader
from tests.api.test_isolation_walk import (
    BODIES,
    EXEMPT,
    OWNER_PARAMS,
    PUBLIC_PARAMS,
    Call,
    Intruder,
    _routes,
    _url,
)
from tests.api.test_isolation_walk import intruder as intruder  # the walk's fixture

API = "/api/v1"
PASSWORD = "session-horse-battery"
NEW_PASSWORD = "another-horse-battery"


def _register(client: TestClient) -> str:
    email = f"session-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Session"}
    assert client.post(f"{API}/auth/register", json=body).status_code == 201
    return email


def _tokens(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = client.post(f"{API}/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _web_login(app: Any, email: str, password: str = PASSWORD) -> TestClient:
    browser = TestClient(app)
    page = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"email": email, "password": password, "csrf_token": token.group(1)}
    assert browser.post("/login", data=form, follow_redirects=False).status_code == 303
    return browser


def _web_ok(app: Any, cookie: str) -> bool:
    """Whether a browser holding only ``cookie`` is let in."""
    other = TestClient(app)
    other.cookies.set("sigmasight_session", cookie)
    response = other.get("/portfolios", follow_redirects=False)
    assert response.status_code in (200, 303), response.text
    return response.status_code == 200


def test_logout_ends_the_refresh_family_and_only_this_login(client: TestClient) -> None:
    email = _register(client)
    first, second = _tokens(client, email), _tokens(client, email)
    refreshed = client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200
    assert client.post(f"{API}/auth/logout", headers=_bearer(first)).status_code == 200
    # The refresh token issued before logout, and everything refreshed from it, is dead.
    for tokens in (first, refreshed.json()):
        again = client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert (again.status_code, again.json()["code"]) == (401, "INVALID_TOKEN")
        assert client.get(f"{API}/auth/me", headers=_bearer(tokens)).status_code == 401
    # Another login of the same account goes on.
    assert client.get(f"{API}/auth/me", headers=_bearer(second)).status_code == 200
    renewed = client.post(f"{API}/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert renewed.status_code == 200


def test_web_logout_kills_a_copied_cookie(client: TestClient) -> None:
    email = _register(client)
    browser = _web_login(client.app, email)
    cookie = browser.cookies.get("sigmasight_session")
    assert cookie
    assert _web_ok(client.app, cookie)
    page = browser.get("/portfolios")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    out = browser.post("/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    assert not _web_ok(client.app, cookie)  # the copy taken before logout is refused


def test_password_change_ends_every_session(client: TestClient) -> None:
    email = _register(client)
    caller, other = _tokens(client, email), _tokens(client, email)
    cookie = _web_login(client.app, email).cookies.get("sigmasight_session")
    assert cookie
    assert _web_ok(client.app, cookie)

    wrong = {"current_password": "not-my-password", "new_password": NEW_PASSWORD}
    refused = client.post(f"{API}/auth/password", json=wrong, headers=_bearer(caller))
    assert (refused.status_code, refused.json()["code"]) == (403, "WRONG_PASSWORD")
    weak = {"current_password": PASSWORD, "new_password": "password1"}
    assert (
        client.post(f"{API}/auth/password", json=weak, headers=_bearer(caller)).status_code == 422
    )
    assert client.get(f"{API}/auth/me", headers=_bearer(other)).status_code == 200  # no change yet

    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    changed = client.post(f"{API}/auth/password", json=body, headers=_bearer(caller))
    assert changed.status_code == 200, changed.text
    for tokens in (caller, other):
        assert client.get(f"{API}/auth/me", headers=_bearer(tokens)).status_code == 401
        again = client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert again.status_code == 401
    assert not _web_ok(client.app, cookie)
    assert client.get(f"{API}/auth/me", headers=_bearer(changed.json())).status_code == 200
    old = client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    assert old.status_code == 401
    _tokens(client, email, NEW_PASSWORD)


class _Answer(BaseModel):
    owner: str


def test_cached_answers_are_keyed_by_the_session_key_too() -> None:
    """Two accounts with the same id (a database that handed a deleted user's id out
    again) never share a cached answer: the session key is part of the key."""
    cache = AnswerCache()
    request = Request({"type": "http", "headers": [], "method": "GET", "path": "/"})

    async def ask(key: str) -> bytes:
        reader = Reader(user_id=7, revision=1, user_key=key)
        response = await cache.respond(request, reader, ("overview", 1), lambda: _Answer(owner=key))
        return bytes(response.body)

    assert asyncio.run(ask("deleted-user")) == b'{"owner":"deleted-user"}'
    assert asyncio.run(ask("new-user")) == b'{"owner":"new-user"}'


@pytest.fixture
def deleted_then_recreated(client: TestClient) -> dict[str, Any]:
    """A user X with tokens, a web cookie and resources, deleted; then a user Y who
    registers right after and makes the same resources (on SQLite without AUTOINCREMENT
    Y would get X's ids)."""
    from sqlalchemy import delete

    from sigmasight.storage.models import User

    def make(email: str) -> dict[str, Any]:
        tokens = _tokens(client, email)
        h = _bearer(tokens)
        me = client.get(f"{API}/auth/me", headers=h).json()
        pid = client.post(f"{API}/portfolios", json={"name": "Book"}, headers=h).json()["id"]
        position = {"symbol": "MSFT", "quantity": "10", "entry_price": "250"}
        position["entry_date"] = "2022-06-01"
        url = f"{API}/portfolios/{pid}/positions"
        pos = client.post(url, json=position, headers=h).json()["id"]
        tag = client.post(f"{API}/tags", json={"name": "t"}, headers=h).json()["id"]
        flow = {"change_type": "CONTRIBUTION", "amount": "10", "change_date": "2022-12-01"}
        change = client.post(f"{API}/portfolios/{pid}/equity-changes", json=flow, headers=h)
        ids = {"portfolio_id": pid, "position_id": pos, "tag_id": tag}
        ids["change_id"] = change.json()["id"]
        return {"id": me["id"], "tokens": tokens, "ids": ids}

    x = make(_register(client))
    x["cookie"] = _web_login(
        client.app,
        x_email := client.get(f"{API}/auth/me", headers=_bearer(x["tokens"])).json()["email"],
    ).cookies.get("sigmasight_session")
    assert x_email
    with client.app.state.uow_factory() as uow:  # type: ignore[attr-defined]
        uow.session.execute(delete(User).where(User.id == x["id"]))
        uow.commit()
    y = make(_register(client))
    return {"x": x, "y": y}


def test_ids_of_a_deleted_user_are_never_given_again(
    client: TestClient, deleted_then_recreated: dict[str, Any]
) -> None:
    x, y = deleted_then_recreated["x"], deleted_then_recreated["y"]
    assert y["id"] != x["id"]
    assert y["ids"]["portfolio_id"] != x["ids"]["portfolio_id"]
    assert client.get(f"{API}/auth/me", headers=_bearer(x["tokens"])).status_code == 401
    refresh = client.post(
        f"{API}/auth/refresh", json={"refresh_token": x["tokens"]["refresh_token"]}
    )
    assert refresh.status_code == 401
    assert not _web_ok(client.app, x["cookie"])


def _view(client: TestClient, headers: dict[str, str], pid: int) -> dict[str, Any]:
    urls = [f"{API}/auth/me", f"{API}/portfolios", f"{API}/tags", f"{API}/portfolios/{pid}"]
    urls += [f"{API}/portfolios/{pid}/positions", f"{API}/portfolios/{pid}/equity-changes"]
    return {url: client.get(url, headers=headers).json() for url in urls}


def test_walk_a_deleted_users_tokens_act_for_nobody(
    client: TestClient, deleted_then_recreated: dict[str, Any], intruder: Intruder
) -> None:
    """The isolation walk with a deleted user's access token, on the deleted user's ids
    (which the next user would hold if ids were reused): every route that needs an
    account answers 401 and the next user's data is unchanged."""
    x, y = deleted_then_recreated["x"], deleted_then_recreated["y"]
    y_headers = _bearer(y["tokens"])
    before = _view(client, y_headers, y["ids"]["portfolio_id"])
    # x never had scenarios, benchmarks, targets, events or limits: any id will do there
    values: dict[str, int | str] = dict.fromkeys(OWNER_PARAMS, 1)
    values.update({**x["ids"], "run_id": str(uuid.uuid4()), **PUBLIC_PARAMS})
    public = {(m, p) for m, p in EXEMPT} | {
        ("POST", f"{API}/auth/register"),
        ("POST", f"{API}/auth/login"),
    }
    walked = 0
    for method, path in _routes(client):
        if (method, path) in public:
            continue
        if (method, path) == ("POST", f"{API}/auth/refresh"):
            call = Call(json={"refresh_token": x["tokens"]["refresh_token"]})
        else:
            builder = BODIES.get((method, path))
            call = builder(values, intruder) if builder else Call()
        response = client.request(
            method,
            _url(path, values),
            headers=_bearer(x["tokens"]),
            json=call.json,
            files=call.files,
            data=call.data,
        )
        assert response.status_code == 401, f"{method} {path}: {response.text[:200]}"
        walked += 1
    assert walked >= 20
    for path in ("/portfolios", f"/portfolios/{x['ids']['portfolio_id']}", "/import"):
        browser = TestClient(client.app)
        browser.cookies.set("sigmasight_session", x["cookie"])
        response = browser.get(path, follow_redirects=False)
        assert (response.status_code, response.headers.get("location")) == (303, "/login")
    assert _view(client, y_headers, y["ids"]["portfolio_id"]) == before
