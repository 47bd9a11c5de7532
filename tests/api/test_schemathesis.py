"""Schema-driven fuzzing: every operation of the OpenAPI schema, never a server error.

Schemathesis generates requests from ``/openapi.json`` (valid and invalid ones) and sends
them in-process to the app over the shared demo database, signed in as a fresh user.
Every answer must be below 500, and every 4xx must be the API's JSON error
``{code, message, details}``. The run is bounded and derandomised so CI repeats it
exactly.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from sigmasight.api.app import create_app
from sigmasight.api.security import issue_token
from sigmasight.config import Settings
from tests.api.conftest import TEST_SECRET, session_key

#: Examples per operation: ~40 operations on two backends stay within about a minute.
EXAMPLES = 15


@pytest.fixture(scope="session")
def fuzz_user(client: TestClient) -> int:
    """A fresh user: whatever the fuzzer creates or deletes is theirs alone."""
    email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": "fuzz-horse-battery", "name": "Fuzz"}
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    user_id: int = response.json()["id"]
    return user_id


def _bearer(client: TestClient, user_id: int) -> dict[str, str]:
    """A new access token (of a new login) per request: a fuzzed logout ends only its
    own. The session key is read again: a fuzzed password change replaces it."""
    app_settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    key = session_key(client, user_id)
    token = issue_token(app_settings, user_id, "access", datetime.now(UTC), key)
    return {"Authorization": f"Bearer {token}"}


def _openapi() -> dict[str, Any]:
    """The app's OpenAPI document; it does not depend on the database, so an app that is
    never started (its engine never connects) serves it at collection time."""
    app = create_app(Settings(database_url="sqlite://", environment="test", jwt_secret=TEST_SECRET))
    try:
        return app.openapi()
    finally:
        app.state.engine.dispose()


#: The coverage phase adds its own boundary cases to ``max_examples`` for every parameter;
#: examples from the schema and Hypothesis's fuzzing keep the run bounded.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(_openapi(), config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_no_server_errors(case: schemathesis.Case[Any], client: TestClient, fuzz_user: int) -> None:
    # Sent in-process to the session's app, over the backend the fixture selects.
    response = case.call(app=client.app, headers=_bearer(client, fuzz_user))
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500, response.text
    if 400 <= response.status_code < 500:
        body = json.loads(response.content)
        assert isinstance(body, dict), response.text
        assert isinstance(body.get("code"), str), response.text
        assert isinstance(body.get("message"), str), response.text
        assert body["code"], response.text
        assert body["message"], response.text
