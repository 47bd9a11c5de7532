"""Targets API: CRUD, every validation rule with its stable code, nothing written on error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Headers

API = "/api/v1/portfolios"
NewUser = Callable[[], Headers]


def _target(key: str = "AAPL", level: str = "symbol", **fields: Any) -> dict[str, Any]:
    body = {
        "level": level,
        "key": key,
        "target_weight": 0.3,
        "min_weight": 0.25,
        "max_weight": 0.35,
        "threshold": {"kind": "absolute", "value": 0.03},
        "frequency": "quarterly",
    }
    return {**body, **fields}


def _book(client: TestClient, headers: Headers) -> str:
    response = client.post(f"{API}", json={"name": "Targets book"}, headers=headers)
    assert response.status_code == 201, response.text
    return f"{API}/{response.json()['id']}/targets"


def _codes(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "INVALID_TARGETS"
    return [d["code"] for d in body["details"]]


def test_target_lifecycle(client: TestClient, new_user: NewUser) -> None:
    h = new_user()
    url = _book(client, h)
    created = client.post(url, json=_target(), headers=h)
    assert created.status_code == 201, created.text
    row = created.json()
    assert row["threshold"] == {"kind": "absolute", "value": 0.03}
    assert (row["level"], row["key"], row["target_weight"]) == ("symbol", "AAPL", 0.3)
    patched = client.patch(f"{url}/{row['id']}", json={"threshold": None}, headers=h)
    assert patched.status_code == 200, patched.text
    assert patched.json()["threshold"] is None
    assert patched.json()["frequency"] == "quarterly"
    listed = client.get(url, headers=h).json()
    assert [t["id"] for t in listed] == [row["id"]]
    replaced = client.put(url, json=[_target("MSFT"), _target("JPM")], headers=h)
    assert replaced.status_code == 200, replaced.text
    assert sorted(t["key"] for t in client.get(url, headers=h).json()) == ["JPM", "MSFT"]
    gone = replaced.json()[0]["id"]
    assert client.delete(f"{url}/{gone}", headers=h).status_code == 204
    assert client.delete(f"{url}/{gone}", headers=h).json()["code"] == "NOT_FOUND"
    assert [t["key"] for t in client.get(url, headers=h).json()] == ["JPM"]
    assert client.put(url, json=[], headers=h).json() == []


def test_each_rule_has_its_code_and_writes_nothing(client: TestClient, new_user: NewUser) -> None:
    h = new_user()
    url = _book(client, h)
    first = _target("AAPL", target_weight=0.6, max_weight=0.7)
    assert client.post(url, json=first, headers=h).status_code == 201
    cases = {
        "WEIGHTS_ABOVE_100": [_target("MSFT", target_weight=0.5, max_weight=0.6)],
        "BAND_EXCLUDES_TARGET": [_target("MSFT", min_weight=0.31)],
        "UNKNOWN_SYMBOL": [_target("NOPE")],
        "UNKNOWN_SECTOR": [_target("Technology", level="sector")],
        "UNKNOWN_ASSET_CLASS": [_target("CRYPTO", level="asset_class")],
        "UNKNOWN_TAG": [_target("not-my-tag", level="tag")],
        "OVERLAPPING_LEVELS": [
            _target("Energy", level="sector", target_weight=0.1, min_weight=0.0, max_weight=0.2)
        ],
        "DUPLICATE_TARGET": [_target("AAPL", target_weight=0.1, min_weight=0.0)],
    }
    before = client.get(url, headers=h).json()
    for code, items in cases.items():
        assert code in _codes(client.post(url, json=items[0], headers=h)), code
    # The whole set at once: every problem listed, with the item it names.
    both = [_target("NOPE", min_weight=0.4), _target("Energy", level="sector")]
    response = client.put(url, json=both, headers=h)
    details = response.json()["details"]
    assert {(d["index"], d["code"]) for d in details} >= {
        (0, "BAND_EXCLUDES_TARGET"),
        (0, "UNKNOWN_SYMBOL"),
        (1, "OVERLAPPING_LEVELS"),
    }
    patched = client.patch(f"{url}/{before[0]['id']}", json={"min_weight": 0.65}, headers=h)
    assert _codes(patched) == ["BAND_EXCLUDES_TARGET"]
    assert client.get(url, headers=h).json() == before


def test_tag_targets_refuse_a_position_counted_twice(client: TestClient, new_user: NewUser) -> None:
    h = new_user()
    url = _book(client, h)
    base = url.removesuffix("/targets")
    tags = [client.post("/api/v1/tags", json={"name": n}, headers=h).json() for n in ("a", "b")]
    position = {
        "symbol": "MSFT",
        "quantity": "10",
        "entry_price": "250",
        "entry_date": "2022-06-01",
    }
    pid = client.post(f"{base}/positions", json=position, headers=h).json()["id"]
    tagged = {"tag_ids": [t["id"] for t in tags]}
    assert client.put(f"{base}/positions/{pid}/tags", json=tagged, headers=h).status_code == 200
    weights = {"target_weight": 0.4, "min_weight": 0.3, "max_weight": 0.5}
    items = [_target("a", level="tag", **weights), _target("b", level="tag", **weights)]
    assert _codes(client.put(url, json=items, headers=h)) == ["OVERLAPPING_LEVELS"]
    assert client.put(url, json=items[:1], headers=h).status_code == 200


def test_request_shape_is_checked(client: TestClient, new_user: NewUser) -> None:
    h = new_user()
    url = _book(client, h)
    for bad in (
        _target(target_weight=1.2),
        _target(level="region"),
        _target(threshold={"kind": "percent", "value": 0.1}),
        _target(frequency="weekly"),
        {**_target(), "active": True},
    ):
        response = client.post(url, json=bad, headers=h)
        assert response.status_code == 422, bad
        assert response.json()["code"] == "VALIDATION_ERROR"
    assert client.patch(f"{url}/1", json={"level": None}, headers=h).status_code == 422


def test_another_users_portfolio_is_not_found(client: TestClient, new_user: NewUser) -> None:
    owner, other = new_user(), new_user()
    url = _book(client, owner)
    row = client.post(url, json=_target(), headers=owner).json()
    for method, path, body in (
        ("GET", url, None),
        ("POST", url, _target("MSFT", target_weight=0.1, min_weight=0.0)),
        ("PUT", url, []),
        ("PATCH", f"{url}/{row['id']}", {"target_weight": 0.28}),
        ("DELETE", f"{url}/{row['id']}", None),
    ):
        response = client.request(method, path, json=body, headers=other)
        assert response.status_code == 404, (method, response.text)
        assert response.json()["code"] == "NOT_FOUND"
    assert client.get(url, headers=owner).json() == [row]


def test_targets_keep_their_versions(client: TestClient, new_user: NewUser) -> None:
    """A change closes the old version on its date (the id stays with the current one), a
    deletion ends the target, ``as_of`` lists what applied on a date, and a write dated
    before the last change is refused with nothing written."""
    h = new_user()
    url = _book(client, h)
    since = {"effective_from": "2022-01-03"}
    row = client.post(url, json=_target(), headers=h, params=since).json()
    assert (row["effective_from"], row["effective_to"]) == ("2022-01-03", None)
    change = {"effective_from": "2022-06-01"}
    patched = client.patch(
        f"{url}/{row['id']}", json={"target_weight": 0.32}, headers=h, params=change
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["id"], patched.json()["effective_from"]) == (row["id"], "2022-06-01")
    on = {
        d: client.get(url, headers=h, params={"as_of": d}).json()
        for d in ("2022-05-31", "2022-06-01", "2022-01-02")
    }
    assert [(t["target_weight"], t["effective_to"]) for t in on["2022-05-31"]] == [
        (0.3, "2022-06-01")
    ]
    assert [t["target_weight"] for t in on["2022-06-01"]] == [0.32]
    assert on["2022-01-02"] == []
    early = client.patch(
        f"{url}/{row['id']}",
        json={"target_weight": 0.31},
        headers=h,
        params={"effective_from": "2022-03-01"},
    )
    assert _codes(early) == ["EFFECTIVE_BEFORE_HISTORY"]
    assert client.get(url, headers=h).json()[0]["target_weight"] == 0.32
    ended = client.delete(f"{url}/{row['id']}", headers=h, params={"effective_from": "2022-09-01"})
    assert ended.status_code == 204
    assert client.get(url, headers=h).json() == []
    assert [
        t["target_weight"]
        for t in client.get(url, headers=h, params={"as_of": "2022-08-31"}).json()
    ] == [0.32]
    assert client.get(url, headers=h, params={"as_of": "2022-09-01"}).json() == []
    assert client.delete(f"{url}/{row['id']}", headers=h).status_code == 404
    # The key can be targeted again after its end, not before it.
    again = client.post(url, json=_target(), headers=h, params={"effective_from": "2022-08-01"})
    assert _codes(again) == ["EFFECTIVE_BEFORE_HISTORY"]
    again = client.post(url, json=_target(), headers=h, params={"effective_from": "2022-10-03"})
    assert again.status_code == 201, again.text
    assert len(client.get(url, headers=h, params={"as_of": "2022-10-03"}).json()) == 1
