"""Isolation walk: every ``/api/v1`` route, called by another user with the demo user's ids.

The routes are read from the app, not listed here, so a route added later is walked too.
Only two things are written by hand: the market-data routes that are public on purpose
(:data:`EXEMPT`), and a minimal valid request per non-GET route (:data:`BODIES`); a route
missing from either fails the walk until someone decides how it should be called.

The rule: a request that names any of the owner's resources (in its path or its body)
is refused with 404 (403 allowed) and carries none of the owner's data; a request that
names only the caller's own things may succeed but carries none of the owner's data; and
afterwards everything the owner can read is exactly as before.

The owner is the demo user. Reads address demo portfolio 3 (it has the batch's
snapshots) and a portfolio created here; writes address only the created portfolio, so a
scoping bug cannot damage the data the other API tests share.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import fastapi.routing
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response

from sigmasight.api.security import issue_token
from sigmasight.config import Settings
from sigmasight.services.demo import DEMO_EMAIL
from sigmasight.services.worker import run_next
from tests.api.conftest import Headers, login, session_key

API = "/api/v1"
DEMO_PORTFOLIO = 3
PASSWORD = "intruder-horse-battery"
CSV = (
    b"Symbol,Quantity,Entry Price Per Share,Entry Date,Exit Date,Exit Price Per Share\n"
    b"MSFT,10,250,2022-06-01,,\n"
)
#: Path parameters that name a resource some user owns; each maps to the key of its kind.
OWNER_PARAMS = {
    "portfolio_id": "portfolios",
    "position_id": "positions",
    "tag_id": "tags",
    "change_id": "equity-changes",
    "run_id": "runs",
    "scenario_id": "stress-scenarios",
    "benchmark_id": "benchmarks",
    "target_id": "targets",
    "event_id": "events",
    "limit_id": "limits",
}
#: Routes that serve the same public market data to every user, with the reason.
EXEMPT = {
    ("GET", f"{API}/securities"): "public security profiles, not owned by anyone",
    ("GET", f"{API}/securities/{{symbol}}"): "public security profile, not owned by anyone",
    ("GET", f"{API}/prices/{{symbol}}"): "public daily prices, not owned by anyone",
    ("GET", f"{API}/securities/{{symbol}}/metrics"): "public asset metrics, not owned by anyone",
}
PUBLIC_PARAMS = {"symbol": "AAPL"}
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@dataclass(frozen=True)
class Call:
    """How to call a route. ``own``: the request names only the caller's things."""

    json: Any = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    data: dict[str, str] | None = None
    own: bool = False


@dataclass(frozen=True)
class Intruder:
    client: TestClient
    user_id: int
    email: str
    settings: Settings
    portfolio_id: int
    position_id: int

    def headers(self) -> Headers:
        """A fresh access token (of a new login) per request, so walking logout ends
        nothing else; the session key is read again as walking a password change
        replaces it."""
        token = issue_token(self.settings, self.user_id, "access", datetime.now(UTC), self.key())
        return {"Authorization": f"Bearer {token}"}

    def key(self) -> str:
        return session_key(self.client, self.user_id)


Ids = Mapping[str, int | str]
Builder = Callable[[Ids, Intruder], Call]


def _position(notes: str) -> dict[str, str]:
    return {
        "symbol": "MSFT",
        "quantity": "10",
        "entry_price": "250",
        "entry_date": "2022-06-01",
        "notes": notes,
    }


def _target(key: str = "MSFT") -> dict[str, Any]:
    return {
        "level": "symbol",
        "key": key,
        "target_weight": 0.5,
        "min_weight": 0.4,
        "max_weight": 0.6,
        "threshold": {"kind": "absolute", "value": 0.05},
        "frequency": "monthly",
    }


def _refresh(_: Ids, me: Intruder) -> Call:
    token = issue_token(me.settings, me.user_id, "refresh", datetime.now(UTC), me.key())
    return Call(json={"refresh_token": token}, own=True)


def _fresh_user(_: Ids, __: Intruder) -> Call:
    email = f"walker-{uuid.uuid4().hex[:10]}@example.com"
    return Call(json={"email": email, "password": PASSWORD, "name": "Walker"}, own=True)


#: A minimal valid request per non-GET route, built from the owner's ids and the caller.
BODIES: dict[tuple[str, str], Builder] = {
    ("POST", f"{API}/auth/register"): _fresh_user,
    ("POST", f"{API}/auth/login"): lambda _, me: Call(
        json={"email": me.email, "password": PASSWORD}, own=True
    ),
    ("POST", f"{API}/auth/refresh"): _refresh,
    ("POST", f"{API}/auth/logout"): lambda _, __: Call(own=True),
    ("POST", f"{API}/auth/password"): lambda _, __: Call(
        json={"current_password": PASSWORD, "new_password": PASSWORD}, own=True
    ),
    ("POST", f"{API}/portfolios"): lambda _, __: Call(
        json={"name": f"Walker {uuid.uuid4().hex[:8]}"}, own=True
    ),
    ("POST", f"{API}/portfolios/import"): lambda _, __: Call(
        files={"file": ("book.csv", CSV, "text/csv")},
        data={"name": f"Walker import {uuid.uuid4().hex[:8]}", "equity_balance": "100000"},
        own=True,
    ),
    ("PATCH", f"{API}/portfolios/{{portfolio_id}}"): lambda _, __: Call(
        json={"description": "hijacked"}
    ),
    ("DELETE", f"{API}/portfolios/{{portfolio_id}}"): lambda _, __: Call(),
    ("POST", f"{API}/portfolios/{{portfolio_id}}/positions"): lambda _, __: Call(
        json=_position("hijacked")
    ),
    ("POST", f"{API}/portfolios/{{portfolio_id}}/positions/bulk"): lambda _, __: Call(
        json=[_position("hijacked")]
    ),
    ("POST", f"{API}/portfolios/{{portfolio_id}}/positions/import"): lambda _, __: Call(
        files={"file": ("book.csv", CSV, "text/csv")}
    ),
    ("PATCH", f"{API}/portfolios/{{portfolio_id}}/positions/{{position_id}}"): lambda _, __: Call(
        json={"notes": "hijacked"}
    ),
    ("DELETE", f"{API}/portfolios/{{portfolio_id}}/positions/{{position_id}}"): lambda _, __: (
        Call()
    ),
    ("PUT", f"{API}/portfolios/{{portfolio_id}}/positions/{{position_id}}/tags"): lambda ids, _: (
        Call(json={"tag_ids": [ids["tag_id"]]})
    ),
    ("POST", f"{API}/portfolios/{{portfolio_id}}/equity-changes"): lambda _, __: Call(
        json={"change_type": "WITHDRAWAL", "amount": "1000", "change_date": "2022-12-01"}
    ),
    ("DELETE", f"{API}/portfolios/{{portfolio_id}}/equity-changes/{{change_id}}"): lambda _, __: (
        Call()
    ),
    ("POST", f"{API}/tags"): lambda _, __: Call(
        json={"name": f"walker-{uuid.uuid4().hex[:8]}"}, own=True
    ),
    ("PATCH", f"{API}/tags/{{tag_id}}"): lambda _, __: Call(json={"name": "hijacked"}),
    ("POST", f"{API}/stress-scenarios"): lambda _, __: Call(
        json={"name": f"walker-{uuid.uuid4().hex[:8]}", "shocks": {"market": -0.1}}, own=True
    ),
    ("PUT", f"{API}/stress-scenarios/{{scenario_id}}"): lambda _, __: Call(
        json={"name": "hijacked", "rate_bp": 50}
    ),
    ("DELETE", f"{API}/stress-scenarios/{{scenario_id}}"): lambda _, __: Call(),
    ("DELETE", f"{API}/tags/{{tag_id}}"): lambda _, __: Call(),
    ("POST", f"{API}/analytics/portfolio/{{portfolio_id}}/stress-tests/run"): lambda _, __: Call(
        json={"name": "walker", "shocks": {"market": -0.1}}
    ),
    ("POST", f"{API}/analytics/portfolio/{{portfolio_id}}/benchmarks"): lambda _, __: Call(
        json={"legs": [{"symbol": "USMV", "weight": 1.0}]}
    ),
    ("DELETE", f"{API}/analytics/portfolio/{{portfolio_id}}/benchmarks/{{benchmark_id}}"): (
        lambda _, __: Call()
    ),
    ("POST", f"{API}/portfolios/{{portfolio_id}}/targets"): lambda _, __: Call(json=_target()),
    ("PUT", f"{API}/portfolios/{{portfolio_id}}/targets"): lambda _, __: Call(json=[_target()]),
    ("PATCH", f"{API}/portfolios/{{portfolio_id}}/targets/{{target_id}}"): lambda _, __: Call(
        json={"target_weight": 0.45}
    ),
    ("DELETE", f"{API}/portfolios/{{portfolio_id}}/targets/{{target_id}}"): lambda _, __: Call(),
    ("POST", f"{API}/portfolios/{{portfolio_id}}/limits"): lambda _, __: Call(
        json={"metric": "var_95", "upper": 0.5}
    ),
    ("DELETE", f"{API}/portfolios/{{portfolio_id}}/limits/{{limit_id}}"): lambda _, __: Call(),
    ("POST", f"{API}/portfolios/{{portfolio_id}}/rebalancing/events"): lambda _, __: Call(
        json={"note": "hijacked"}
    ),
    **{
        ("POST", f"{API}/portfolios/{{portfolio_id}}/rebalancing/events/{{event_id}}/{a}"): (
            lambda _, __: Call()
        )
        for a in ("approve", "cancel", "complete")
    },
    # Names the owner's portfolio in the body: a run over it must be refused.
    ("POST", f"{API}/batch/runs"): lambda ids, _: Call(
        json={"start": "2022-12-28", "end": "2022-12-28", "portfolio_ids": [ids["portfolio_id"]]}
    ),
}


@dataclass
class Owner:
    """The demo user's resources: ids by kind, path values, and text only they have."""

    headers: Headers
    ids: dict[str, set[int | str]] = field(default_factory=dict)
    read_sets: list[dict[str, int | str]] = field(default_factory=list)
    write_set: dict[str, int | str] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)


def _ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, full path) of every API route, through included routers."""
    app = client.app
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if contexts is None:  # FastAPI before lazy router inclusion: routes are flat
        pairs = [(route, getattr(route, "path", "")) for route in app.routes]  # type: ignore[attr-defined]
    else:
        pairs = [(c.original_route, c.path or "") for c in contexts(app.routes)]  # type: ignore[attr-defined]
    found = {
        (method, path)
        for route, path in pairs
        if isinstance(route, APIRoute) and path.startswith(f"{API}/")
        for method in route.methods or ()
    }
    return sorted(found, key=lambda r: (r[1], r[0]))


def _params(path: str) -> list[str]:
    return _PARAM.findall(path)


def _url(path: str, values: Mapping[str, int | str]) -> str:
    return _PARAM.sub(lambda m: str(values[m.group(1)]), path)


@pytest.fixture(scope="module")
def owner(client: TestClient, demo_headers: Headers) -> Iterator[Owner]:
    """The demo user with a scratch portfolio holding a tagged position, a flow and a
    batch run's snapshots; removed afterwards (the database is shared by the session)."""
    h, mark = demo_headers, uuid.uuid4().hex[:10]
    me = _ok(client.get(f"{API}/auth/me", headers=h))
    assert me["email"] == DEMO_EMAIL
    tag = _ok(client.post(f"{API}/tags", json={"name": f"owner-tag-{mark}"}, headers=h), 201)
    shock = {"name": f"owner-scenario-{mark}", "shocks": {"market": -0.2}}
    scenario = _ok(client.post(f"{API}/stress-scenarios", json=shock, headers=h), 201)
    body = {"name": f"Owner scratch {mark}", "equity_balance": "50000"}
    scratch = _ok(client.post(f"{API}/portfolios", json=body, headers=h), 201)["id"]
    base = f"{API}/portfolios/{scratch}"
    position = _ok(client.post(f"{base}/positions", json=_position(mark), headers=h), 201)["id"]
    tagged = {"tag_ids": [tag["id"]]}
    _ok(client.put(f"{base}/positions/{position}/tags", json=tagged, headers=h))
    flow = {"change_type": "CONTRIBUTION", "amount": "1000", "change_date": "2022-12-01"}
    change = _ok(
        client.post(f"{base}/equity-changes", json={**flow, "notes": mark}, headers=h), 201
    )
    since = {"effective_from": "2022-01-03"}  # targets are point in time
    target = _ok(client.post(f"{base}/targets", json=_target(), headers=h, params=since), 201)
    limit = _ok(
        client.post(f"{base}/limits", json={"metric": "beta", "upper": 0.1}, headers=h), 201
    )
    run = {"start": "2022-12-22", "end": "2022-12-28", "portfolio_ids": [scratch]}
    run_id = _ok(client.post(f"{API}/batch/runs", json=run, headers=h), 202)["id"]
    app = client.app  # the worker's part, in this process
    run_next(
        app.state.uow_factory, app.state.settings, clock=lambda: datetime.now(UTC), run_id=run_id
    )  # type: ignore[attr-defined]
    assert _ok(client.get(f"{API}/batch/runs/{run_id}", headers=h))["status"] == "succeeded"
    event = _ok(client.post(f"{base}/rebalancing/events", json={"note": mark}, headers=h), 201)

    blend = {"legs": [{"symbol": "QUAL", "weight": 1.0}], "name": f"bench-{mark}"}
    analytics = f"{API}/analytics/portfolio/{scratch}"
    benchmark = _ok(client.post(f"{analytics}/benchmarks", json=blend, headers=h), 201)

    result = Owner(headers=h, markers={DEMO_EMAIL, mark})
    portfolios = _ok(client.get(f"{API}/portfolios", headers=h))
    assert DEMO_PORTFOLIO in {p["id"] for p in portfolios}
    result.markers |= {p["name"] for p in portfolios} | {tag["name"]}
    result.ids = {"portfolios": {p["id"] for p in portfolios}, "runs": {run_id}}
    result.ids["tags"] = {t["id"] for t in _ok(client.get(f"{API}/tags", headers=h))}
    result.ids["stress-scenarios"] = {scenario["id"]}
    result.markers.add(scenario["name"])
    result.ids["positions"], result.ids["equity-changes"] = set(), set()
    result.ids["targets"] = {target["id"]}
    result.ids["events"] = {event["id"]}
    result.ids["limits"] = {limit["id"]}
    for pid in result.ids["portfolios"]:
        rows = _ok(client.get(f"{API}/portfolios/{pid}/positions", headers=h))
        result.ids["positions"] |= {p["id"] for p in rows}
        flows = _ok(client.get(f"{API}/portfolios/{pid}/equity-changes", headers=h))
        result.ids["equity-changes"] |= {f["id"] for f in flows}
    result.ids["benchmarks"] = set()
    for pid in result.ids["portfolios"]:
        rows = _ok(client.get(f"{API}/analytics/portfolio/{pid}/benchmarks", headers=h))
        result.ids["benchmarks"] |= {b["id"] for b in rows if b["id"] is not None}
    result.write_set = {
        "portfolio_id": scratch,
        "position_id": position,
        "tag_id": tag["id"],
        "change_id": change["id"],
        "run_id": run_id,
        "scenario_id": scenario["id"],
        "benchmark_id": benchmark["id"],
        "target_id": target["id"],
        "event_id": event["id"],
        "limit_id": limit["id"],
    }
    demo_positions = _ok(client.get(f"{API}/portfolios/{DEMO_PORTFOLIO}/positions", headers=h))
    demo_flows = _ok(client.get(f"{API}/portfolios/{DEMO_PORTFOLIO}/equity-changes", headers=h))
    demo_set = {**result.write_set, "portfolio_id": DEMO_PORTFOLIO}
    demo_set["position_id"] = demo_positions[0]["id"]
    if demo_flows:
        demo_set["change_id"] = demo_flows[0]["id"]
    result.read_sets = [demo_set, result.write_set]
    yield result
    assert client.delete(base, headers=h).status_code == 204
    assert client.delete(f"{API}/tags/{tag['id']}", headers=h).status_code == 204
    gone = client.delete(f"{API}/stress-scenarios/{scenario['id']}", headers=h)
    assert gone.status_code == 204


@pytest.fixture(scope="module")
def intruder(client: TestClient) -> Intruder:
    email = f"intruder-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Intruder"}
    user = _ok(client.post(f"{API}/auth/register", json=body), 201)
    h = login(client, email, PASSWORD)
    own = _ok(client.post(f"{API}/portfolios", json={"name": "Intruder book"}, headers=h), 201)
    url = f"{API}/portfolios/{own['id']}/positions"
    position = _ok(client.post(url, json=_position("intruder"), headers=h), 201)
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return Intruder(client, user["id"], email, settings, own["id"], position["id"])


def _owner_view(client: TestClient, owner: Owner) -> dict[str, Any]:
    """Everything the owner can read about their resources, by URL."""
    urls = [f"{API}/auth/me", f"{API}/portfolios", f"{API}/tags", f"{API}/stress-scenarios"]
    urls += [f"{API}/batch/runs/{run}" for run in owner.ids["runs"]]
    for pid in sorted(owner.ids["portfolios"], key=int):
        base = f"{API}/portfolios/{pid}"
        urls += [base, f"{base}/positions", f"{base}/equity-changes", f"{base}/targets"]
        urls += [f"{base}/rebalancing/events", f"{base}/limits", f"{base}/alerts"]
        urls.append(f"{API}/analytics/portfolio/{pid}/overview")
        urls.append(f"{API}/analytics/portfolio/{pid}/benchmarks")
    view = {}
    for url in urls:
        response = client.get(url, headers=owner.headers)
        view[url] = (response.status_code, response.json())
    return view


def _leaks(payload: Any, kind: str | None, owner: Owner) -> list[str]:
    """The owner's ids found in a response: ``portfolio_id`` anywhere, ``id`` of objects
    of a known kind (the route's own kind at the top, ``tags`` inside positions)."""
    found: list[str] = []
    if isinstance(payload, list):
        for item in payload:
            found += _leaks(item, kind, owner)
    elif isinstance(payload, dict):
        if payload.get("portfolio_id") in owner.ids["portfolios"]:
            found.append(f"portfolio_id={payload['portfolio_id']}")
        if kind in owner.ids and payload.get("id") in owner.ids[kind]:
            found.append(f"{kind} id={payload['id']}")
        for key, value in payload.items():
            if isinstance(value, dict | list):
                found += _leaks(value, key if key in owner.ids else None, owner)
    return found


def _kind(path: str) -> str | None:
    """The kind of resource a path returns: its last literal segment (runs for batch)."""
    literal = [s for s in path.split("/") if s and not s.startswith("{")]
    return {"runs": "runs"}.get(literal[-1], literal[-1]) if literal else None


@dataclass(frozen=True)
class Attempt:
    method: str
    path: str
    values: dict[str, int | str]
    call: Call
    exempt: bool
    #: Builds the call again right before it is sent: a token minted when the walk was
    #: planned would carry a session key that walking the password change replaced.
    build: Callable[[], Call] | None = None


def _attempts(
    routes: list[tuple[str, str]], owner: Owner, me: Intruder
) -> tuple[list[Attempt], list[str]]:
    """Every request of the walk, and the routes the walk does not know how to call."""
    attempts: list[Attempt] = []
    unknown: list[str] = []
    for method, path in routes:
        params = _params(path)
        exempt = (method, path) in EXEMPT
        strange = [p for p in params if p not in OWNER_PARAMS and not exempt]
        builder = BODIES.get((method, path))
        if strange or (builder is None and method != "GET"):
            unknown.append(f"{method} {path} (params {strange}, body entry {builder is not None})")
            continue
        id_sets = owner.read_sets if method == "GET" else [owner.write_set]
        variants = [{**s, **PUBLIC_PARAMS} for s in id_sets]
        if "portfolio_id" in params and len(set(params) & set(OWNER_PARAMS)) > 1:
            # The caller's own portfolio with the owner's child: the child must be
            # looked up under that portfolio, not by its id alone.
            variants += [{**v, "portfolio_id": me.portfolio_id} for v in variants]
        for values in variants:
            call = builder(values, me) if builder else Call(own=not params)
            build = functools.partial(builder, values, me) if builder else None
            attempts.append(Attempt(method, path, values, call, exempt, build))
    return attempts, unknown


def _check(client: TestClient, attempt: Attempt, owner: Owner, me: Intruder) -> list[str]:
    """What is wrong with one request's answer (empty when nothing is)."""
    call = attempt.build() if attempt.build else attempt.call
    url = _url(attempt.path, attempt.values)
    response = client.request(
        attempt.method, url, headers=me.headers(), json=call.json, files=call.files, data=call.data
    )
    label = f"{attempt.method} {url}"
    problems = [
        f"{label}: owner's {m!r} in the answer" for m in owner.markers if m in response.text
    ]
    body = response.json() if response.content else None
    problems += [f"{label}: {leak}" for leak in _leaks(body, _kind(attempt.path), owner)]
    names_owner = not (call.own or attempt.exempt)
    if names_owner and response.status_code not in (403, 404):
        problems.append(f"{label}: {response.status_code}, expected 404: {response.text[:200]}")
    if names_owner and not {"code", "message"} <= set(body or {}):
        problems.append(f"{label}: the refusal is not {{code, message}}: {response.text[:200]}")
    if not names_owner and not 200 <= response.status_code < 300:
        problems.append(f"{label}: {response.status_code} for the caller's own request")
    return problems


def test_every_route_hides_the_owners_data(
    client: TestClient, owner: Owner, intruder: Intruder
) -> None:
    routes = _routes(client)
    stale = set(BODIES) - set(routes)
    assert not stale, f"BODIES names routes the app does not have: {sorted(stale)}"
    assert set(EXEMPT) <= set(routes), "EXEMPT names routes the app does not have"
    attempts, unknown = _attempts(routes, owner, intruder)
    assert not unknown, "routes the walk cannot call; add them to BODIES or EXEMPT:\n" + "\n".join(
        unknown
    )
    before = _owner_view(client, owner)
    problems = [p for attempt in attempts for p in _check(client, attempt, owner, intruder)]
    assert not problems, "\n".join(problems)
    assert _owner_view(client, owner) == before
    walked = {(a.method, a.path) for a in attempts}
    assert walked == set(routes)
    # Each owner-scoped route was tried with the owner's ids: both read sets for reads.
    scoped = [a for a in attempts if not a.call.own and not a.exempt]
    assert {a.values["portfolio_id"] for a in scoped} >= {DEMO_PORTFOLIO}


def test_collections_list_none_of_the_owners_things(
    client: TestClient, owner: Owner, intruder: Intruder
) -> None:
    headers = intruder.headers()
    portfolios = _ok(client.get(f"{API}/portfolios", headers=headers))
    assert intruder.portfolio_id in {p["id"] for p in portfolios}
    assert not {p["id"] for p in portfolios} & owner.ids["portfolios"]
    assert not {p["name"] for p in portfolios} & owner.markers
    tags = _ok(client.get(f"{API}/tags", headers=headers))
    assert not {t["id"] for t in tags} & owner.ids["tags"]
    assert not {t["name"] for t in tags} & owner.markers


def test_the_walk_sees_a_route_that_forgets_its_owner(
    client: TestClient, owner: Owner, intruder: Intruder
) -> None:
    """The checks themselves: an unscoped answer with the owner's data is reported."""
    scratch = owner.write_set["portfolio_id"]
    leaked = _ok(client.get(f"{API}/portfolios/{scratch}", headers=owner.headers))
    assert _leaks([leaked], "portfolios", owner) == [f"portfolios id={scratch}"]
    positions = _ok(client.get(f"{API}/portfolios/{scratch}/positions", headers=owner.headers))
    found = _leaks(positions, "positions", owner)
    assert f"portfolio_id={scratch}" in found
    assert f"tags id={owner.write_set['tag_id']}" in found
    assert _kind(f"{API}/portfolios/{{portfolio_id}}/positions/{{position_id}}") == "positions"
    assert _kind(f"{API}/batch/runs/{{run_id}}") == "runs"


def test_own_resources_cannot_take_in_the_owners(
    client: TestClient, owner: Owner, intruder: Intruder
) -> None:
    """The owner's ids in the body of a request on the caller's own things: refused."""
    headers = intruder.headers()
    mine = f"{API}/portfolios/{intruder.portfolio_id}/positions/{intruder.position_id}"
    before = _ok(client.get(mine, headers=headers))
    tagged = client.put(
        f"{mine}/tags", json={"tag_ids": [owner.write_set["tag_id"]]}, headers=headers
    )
    assert tagged.status_code == 404, tagged.text
    assert _ok(client.get(mine, headers=headers)) == before
    both = [intruder.portfolio_id, owner.write_set["portfolio_id"]]
    run = {"start": "2022-12-28", "end": "2022-12-28", "portfolio_ids": both}
    refused = client.post(f"{API}/batch/runs", json=run, headers=headers)
    assert refused.status_code == 404, refused.text
    assert refused.json()["code"] == "NOT_FOUND"
