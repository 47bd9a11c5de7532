"""Browser sessions: a signed cookie with the user id, the user's session key, a session
id and a CSRF token.

Forms carry the token in a hidden field; every state-changing request must echo it. The
cookie alone does not keep a session alive: the session id must not be revoked (logout
revokes it server-side, so a copy of the cookie dies too) and the session key must still
be the user's (a password change replaces it).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
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


#: A session cookie is accepted for this long after it was last signed (seconds).
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True)
class WebSession:
    user_id: int
    user_key: str
    session_id: str


def current_session(request: Request) -> WebSession | None:
    """What the cookie claims (still to be checked against the database)."""
    user_id = request.session.get("user_id")
    user_key = request.session.get("user_key")
    session_id = request.session.get("sid")
    if isinstance(user_id, int) and isinstance(user_key, str) and isinstance(session_id, str):
        return WebSession(user_id, user_key, session_id)
    return None


def sign_in(request: Request, user_id: int, user_key: str) -> None:
    request.session.clear()  # a new session on login: no fixation
    request.session["user_id"] = user_id
    request.session["user_key"] = user_key
    request.session["sid"] = secrets.token_hex(16)
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()
