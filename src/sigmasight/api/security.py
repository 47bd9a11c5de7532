"""JWT access and refresh tokens."""

from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

from sigmasight.config import Settings

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]


@dataclass(frozen=True)
class TokenClaims:
    """A token's claims. ``user_key`` is the user's session key when it was issued (a
    password change replaces it, a deleted user has none); ``family`` names the login
    the token descends from (refreshing keeps it; logout revokes it)."""

    user_id: int
    token_type: TokenType
    jti: str
    expires_at: datetime
    user_key: str
    family: str


class TokenError(ValueError):
    """A token is malformed, expired, of the wrong type or revoked."""


def new_token_id() -> str:
    return uuid.uuid4().hex


def issue_token(
    settings: Settings,
    user_id: int,
    token_type: TokenType,
    now: datetime,
    user_key: str,
    family: str | None = None,
) -> str:
    """A signed token; ``family`` defaults to a new one (a new login)."""
    lifetime = (
        timedelta(minutes=settings.jwt_access_minutes)
        if token_type == "access"
        else timedelta(days=settings.jwt_refresh_days)
    )
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "type": token_type,
        "jti": new_token_id(),
        "uk": user_key,
        "fam": family or new_token_id(),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def decode_token(settings: Settings, token: str, expected: TokenType) -> TokenClaims:
    """The claims of a correctly signed, unexpired token of the ``expected`` type.

    The signature check of a token is remembered (:func:`_signed_claims`); expiry is
    checked on every call against the clock."""
    claims = _signed_claims(settings.jwt_secret.get_secret_value(), token)
    if claims.expires_at.timestamp() <= time.time():
        raise TokenError("the token has expired; log in again")
    if claims.token_type != expected:
        raise TokenError(f"an {expected} token is required")
    return claims


@functools.lru_cache(maxsize=4096)
def _signed_claims(secret: str, token: str) -> TokenClaims:
    """Verify the signature and the required claims once per (secret, token): a client
    sends the same access token with every request, and HMAC plus JSON decoding were an
    eighth of a cached analytics answer's time. Failures raise, so they are not kept."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "type", "jti", "uk", "fam"], "verify_exp": False},
        )
        user_id = int(claims["sub"])
        expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    except (jwt.PyJWTError, TypeError, ValueError, OverflowError, OSError) as exc:
        raise TokenError("the token is not valid") from exc
    token_type = claims.get("type")
    if token_type not in ("access", "refresh"):
        raise TokenError("the token is not valid")
    jti, user_key, family = str(claims["jti"]), str(claims["uk"]), str(claims["fam"])
    return TokenClaims(user_id, token_type, jti, expires_at, user_key, family)
