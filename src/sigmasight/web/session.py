"""Browser sessions: a signed cookie with the user id and a CSRF token.

Forms carry the token in a hidden field; every state-changing request must echo it.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import Request

from sigmasight.api.errors import ApiError

CSRF_FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    session: dict[str, Any] = request.session
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get(CSRF_FIELD)
    if not (
        isinstance(expected, str)
        and isinstance(submitted, str)
        and hmac.compare_digest(expected, submitted)
    ):
        raise ApiError(403, "CSRF_FAILED", "The form expired or did not come from this site.")


def session_user_id(request: Request) -> int | None:
    value = request.session.get("user_id")
    return value if isinstance(value, int) else None


def sign_in(request: Request, user_id: int) -> None:
    request.session.clear()  # a new session on login: no fixation
    request.session["user_id"] = user_id
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()
