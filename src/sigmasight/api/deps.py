"""Dependencies: settings, units of work, the current user (``Annotated`` aliases)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sigmasight.api.errors import ApiError
from sigmasight.api.login import LoginGuard
from sigmasight.api.security import TokenClaims, TokenError, decode_token
from sigmasight.config import Settings
from sigmasight.storage.models import User
from sigmasight.storage.sessions import live_user
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
_bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_uow_factory(request: Request) -> UowFactory:
    factory: UowFactory = request.app.state.uow_factory
    return factory


async def get_login_guard(request: Request) -> LoginGuard:
    guard: LoginGuard = request.app.state.login_guard
    return guard


SettingsDep = Annotated[Settings, Depends(get_settings)]
UowFactoryDep = Annotated[UowFactory, Depends(get_uow_factory)]
LoginGuardDep = Annotated[LoginGuard, Depends(get_login_guard)]


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "UNAUTHORIZED", message, headers={"WWW-Authenticate": "Bearer"})


def _claims(settings: Settings, credentials: HTTPAuthorizationCredentials | None) -> TokenClaims:
    if credentials is None:
        raise _unauthorized("Authentication required: send 'Authorization: Bearer <token>'.")
    try:
        return decode_token(settings, credentials.credentials, "access")
    except TokenError as exc:
        raise _unauthorized(str(exc)) from exc


def _live(settings: Settings, uow_factory: UowFactory, claims: TokenClaims) -> User:
    """The token's user if the token is still alive: same session key, neither the token
    nor its login family revoked (one query)."""
    with uow_factory() as uow:
        user = live_user(uow.session, claims.user_id, claims.user_key, (claims.jti, claims.family))
        if user is None:
            raise _unauthorized("the token has been revoked or its account no longer exists")
        uow.session.expunge(user)
        return user


def get_token_claims(
    settings: SettingsDep,
    uow_factory: UowFactoryDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenClaims:
    """The claims of a live access token (see :func:`_live`)."""
    claims = _claims(settings, credentials)
    _live(settings, uow_factory, claims)
    return claims


TokenClaimsDep = Annotated[TokenClaims, Depends(get_token_claims)]


def get_current_user(
    settings: SettingsDep,
    uow_factory: UowFactoryDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user of a live access token (see :func:`_live`)."""
    return _live(settings, uow_factory, _claims(settings, credentials))


CurrentUser = Annotated[User, Depends(get_current_user)]


def utcnow() -> datetime:
    """The request's clock (entry points may read it; nothing below them does)."""
    return datetime.now(UTC)
