"""Isolation walk of the dashboard: every page and form that names a portfolio, a
position or a run, called by another signed-in user with the demo user's ids.

Like the API walk (:mod:`tests.api.test_isolation_walk`, whose owner and intruder this
reuses), the routes are read from the app, so a page or form added later is walked too;
a route with a parameter the walk does not know fails it. A request naming any of the
owner's things is 404 and shows none of the owner's data; forms (edit, delete, compute)
are sent with a valid CSRF token, so only ownership can refuse them; afterwards
everything the owner can read is as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import fastapi.routing
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.api.test_isolation_walk import (
    PASSWORD,
    Intruder,
    Owner,
    _owner_view,
    _url,
    intruder,  # noqa: F401 - fixture
    owner,  # noqa: F401 - fixture
)

#: Path parameters of the pages that name something a user owns.
WEB_PARAMS = ("portfolio_id", "position_id", "run_id", "symbol", "benchmark_id", "event_id")
#: A public symbol (the security page is owned through its portfolio id only).
PUBLIC_SYMBOL = {"symbol": "AAPL"}
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
#: Form fields a form needs beyond its token (the edit form changes a quantity).
FORM_FIELDS = {
    "/portfolios/{portfolio_id}/positions/{position_id}/edit": {"quantity": "7"},
    "/portfolios/{portfolio_id}/benchmarks": {"legs": "USMV"},
}


def _web_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path) of every dashboard route (outside /api/v1) with a path parameter."""
    app = client.app
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if contexts is None:  # FastAPI before lazy router inclusion: routes are flat
        pairs = [(route, getattr(route, "path", "")) for route in app.routes]  # type: ignore[attr-defined]
    else:
        pairs = [(c.original_route, c.path or "") for c in contexts(app.routes)]  # type: ignore[attr-defined]
    found = {
        (method, path)
        for route, path in pairs
        if isinstance(route, APIRoute) and not path.startswith("/api/") and _PARAM.search(path)
        for method in route.methods or ()
    }
    return sorted(found, key=lambda r: (r[1], r[0]))


@pytest.fixture(scope="module")
def browser_session(client: TestClient, intruder: Intruder) -> Iterator[tuple[TestClient, str]]:  # noqa: F811
    """The intruder signed in to the dashboard, in a cookie jar of its own."""
    with TestClient(client.app) as session:
        page = session.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        form = {"email": intruder.email, "password": PASSWORD, "csrf_token": token.group(1)}
        assert session.post("/login", data=form, follow_redirects=False).status_code == 303
        portfolios = session.get("/portfolios")
        assert portfolios.status_code == 200
        assert "Intruder book" in portfolios.text
        fresh = re.search(r'name="csrf_token" value="([^"]+)"', portfolios.text)
        assert fresh is not None
        yield session, fresh.group(1)


def test_every_page_and_form_hides_the_owners_data(
    client: TestClient,
    owner: Owner,  # noqa: F811
    intruder: Intruder,  # noqa: F811
    browser_session: tuple[TestClient, str],
) -> None:
    session, token = browser_session
    routes = _web_routes(client)
    strange = [f"{m} {p}" for m, p in routes if set(_PARAM.findall(p)) - set(WEB_PARAMS)]
    assert not strange, f"pages the walk cannot call: {strange}"
    assert ("POST", "/portfolios/{portfolio_id}/positions/{position_id}/delete") in routes
    assert ("POST", "/portfolios/{portfolio_id}/runs") in routes
    before = _owner_view(client, owner)
    problems, walked = [], set()
    for method, path in routes:
        params = _PARAM.findall(path)
        variants = [{**PUBLIC_SYMBOL, **v} for v in (*owner.read_sets, owner.write_set)]
        if "portfolio_id" in params and len(set(params) - {"symbol"}) > 1:
            # The caller's own portfolio with the owner's position or run.
            variants += [{**v, "portfolio_id": intruder.portfolio_id} for v in variants]
        for values in variants:
            url = _url(path, values)
            data = {"csrf_token": token, **FORM_FIELDS.get(path, {})} if method == "POST" else None
            response = session.request(method, url, data=data, follow_redirects=False)
            walked.add((method, path))
            if response.status_code != 404:
                problems.append(f"{method} {url}: {response.status_code}, expected 404")
            problems += [
                f"{method} {url}: owner's {m!r}" for m in owner.markers if m in response.text
            ]
    assert not problems, "\n".join(problems)
    assert walked == set(routes)
    assert _owner_view(client, owner) == before


def test_the_walk_can_tell_an_own_page_from_a_refusal(
    intruder: Intruder,  # noqa: F811
    browser_session: tuple[TestClient, str],
) -> None:
    """The same session reaches its own things: the 404s above are refusals, not a
    broken login or a wrong URL."""
    session, _ = browser_session
    own = f"/portfolios/{intruder.portfolio_id}/positions/{intruder.position_id}/edit"
    response = session.get(own)
    assert response.status_code == 200
    assert 'name="quantity"' in response.text
