"""New passwords have a minimum strength: length, visible characters, not common."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from sigmasight.services.passwords import common_passwords, password_weakness

WEAK = {
    "common": "password1",
    "common in capitals": "QWERTYUIOP",
    "common in full-width digits": "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",
    "all spaces": " " * 12,
    "mostly spaces": "ab" + " " * 10,
    "tabs and newlines": "\t\n\t\n\t\n\t\n\t\n",
    "control characters": "\x01\x02\x03\x04\x05\x06\x07\x08\x0b",
    "a NUL inside": "correct\x00horse-battery",
}


@pytest.mark.parametrize("password", list(WEAK.values()), ids=list(WEAK))
def test_weak_passwords_are_refused_at_registration(client: TestClient, password: str) -> None:
    email = f"weak-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": password, "name": "Weak"}
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert password not in response.text  # the password is never echoed


def test_the_email_is_not_a_password(client: TestClient) -> None:
    local = f"mailbox{uuid.uuid4().hex[:10]}"
    body = {"email": f"{local}@example.com", "password": local, "name": "Self"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 422


def test_the_common_list_is_the_shipped_one_and_strong_passwords_pass() -> None:
    common = common_passwords()
    assert len(common) >= 29_000  # zxcvbn's 30,000, lower-cased (a few collapse)
    for word in ("123456", "password", "iloveyou", "dragon", "letmein1"):
        assert word in common
    for word in sorted(common)[:: len(common) // 200]:
        if len(word) >= 8:
            assert password_weakness(word) is not None, word
    for strong in ("correct horse battery staple", "Tr0ub4dor&3-but-longer", "sigmasight-demo"):
        assert password_weakness(strong) is None, strong
