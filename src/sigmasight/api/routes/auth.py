"""Register, log in, refresh, who am I, log out."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError

from sigmasight.api.deps import (
    CurrentUser,
    LoginGuardDep,
    SettingsDep,
    TokenClaimsDep,
    UowFactory,
    UowFactoryDep,
    utcnow,
)
from sigmasight.api.errors import ApiError
from sigmasight.api.login import InvalidCredentialsError, TooManyAttemptsError
from sigmasight.api.schemas import (
    LoginRequest,
    Message,
    PasswordChange,
    RefreshRequest,
    TokenPair,
    UserCreate,
    UserPublic,
)
from sigmasight.api.security import TokenError, decode_token, issue_token, new_token_id
from sigmasight.config import Settings
from sigmasight.services.passwords import hash_password, password_weakness, verify_password
from sigmasight.storage.models import User
from sigmasight.storage.sessions import is_revoked, live_user, revoke, rotate_session_key

router = APIRouter(prefix="/auth", tags=["auth"])


def _pair(settings: Settings, user_id: int, user_key: str, family: str | None = None) -> TokenPair:
    """An access and a refresh token of one login family (a new one unless given)."""
    now, family = utcnow(), family or new_token_id()
    return TokenPair(
        access_token=issue_token(settings, user_id, "access", now, user_key, family),
        refresh_token=issue_token(settings, user_id, "refresh", now, user_key, family),
        expires_in=settings.jwt_access_minutes * 60,
    )


def _family_expiry(settings: Settings) -> datetime:
    """Every token of a family was issued before now, so none outlives this."""
    return utcnow() + timedelta(days=settings.jwt_refresh_days)


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
async def register(body: UserCreate, uow_factory: UowFactoryDep, guard: LoginGuardDep) -> User:
    """Create an account. The password is stored as an Argon2id hash (computed with
    bounded concurrency, like a login's)."""
    email = body.email.strip().lower()
    if await run_in_threadpool(_email_taken, uow_factory, email):
        raise ApiError(409, "EMAIL_TAKEN", "An account with this e-mail already exists.")
    password_hash = await guard.passwords.hash(body.password)
    return await run_in_threadpool(_create_user, uow_factory, email, password_hash, body.name)


def _email_taken(uow_factory: UowFactory, email: str) -> bool:
    with uow_factory() as uow:
        return uow.users.get_by_email(email) is not None


def _create_user(uow_factory: UowFactory, email: str, password_hash: str, name: str) -> User:
    with uow_factory() as uow:
        user = User(email=email, password_hash=password_hash, name=name)
        try:
            uow.users.add(user)
            uow.commit()
        except IntegrityError as exc:
            raise ApiError(409, "EMAIL_TAKEN", "An account with this e-mail exists.") from exc
        uow.session.expunge(user)
        return user


@router.post("/login", response_model=TokenPair)
async def login(
    body: LoginRequest,
    request: Request,
    settings: SettingsDep,
    uow_factory: UowFactoryDep,
    guard: LoginGuardDep,
) -> TokenPair:
    """Exchange e-mail and password for an access token (short) and a refresh token.

    Repeated failures for an account, a client or both are refused for a while (429);
    see :mod:`sigmasight.api.login`."""
    try:
        user = await guard.log_in(request, uow_factory, body.email.strip().lower(), body.password)
    except TooManyAttemptsError as exc:
        raise ApiError(
            429, "TOO_MANY_ATTEMPTS", str(exc), headers={"Retry-After": str(exc.wait)}
        ) from exc
    except InvalidCredentialsError as exc:
        raise ApiError(401, "INVALID_CREDENTIALS", "E-mail or password is wrong.") from exc
    return _pair(settings, user.user_id, user.user_key)


@router.post("/refresh", response_model=TokenPair)
def refresh(body: RefreshRequest, settings: SettingsDep, uow_factory: UowFactoryDep) -> TokenPair:
    """A new token pair of the same login family for a live refresh token, which is then
    revoked. A refresh token presented a second time means it was copied: the whole
    family is revoked (the thief's and the owner's tokens alike)."""
    try:
        claims = decode_token(settings, body.refresh_token, "refresh")
    except TokenError as exc:
        raise ApiError(401, "INVALID_TOKEN", str(exc)) from exc
    with uow_factory() as uow:
        if is_revoked(uow.session, claims.jti):
            revoke(uow.session, claims.user_id, {claims.family: _family_expiry(settings)})
            uow.commit()
            raise ApiError(401, "INVALID_TOKEN", "the refresh token has been used or revoked")
        user = live_user(uow.session, claims.user_id, claims.user_key, (claims.family,))
        if user is None:
            raise ApiError(401, "INVALID_TOKEN", "the session has ended; log in again")
        revoke(uow.session, claims.user_id, {claims.jti: claims.expires_at})
        uow.commit()
    return _pair(settings, claims.user_id, claims.user_key, claims.family)


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> User:
    """The account the access token belongs to."""
    return user


@router.post("/logout", response_model=Message)
def logout(claims: TokenClaimsDep, settings: SettingsDep, uow_factory: UowFactoryDep) -> Message:
    """End this login: the access token used and its whole family (the refresh token
    and every token refreshed from it) are revoked."""
    ids = {claims.jti: claims.expires_at, claims.family: _family_expiry(settings)}
    with uow_factory() as uow:
        revoke(uow.session, claims.user_id, ids)
        uow.commit()
    return Message(message="logged out")


@router.post("/password", response_model=TokenPair)
def change_password(
    body: PasswordChange, user: CurrentUser, settings: SettingsDep, uow_factory: UowFactoryDep
) -> TokenPair:
    """Change the password. Every session of the account ends (all tokens and web
    cookies); the answer is a fresh token pair for the caller."""
    if problem := password_weakness(body.new_password, user.email):
        raise ApiError(422, "WEAK_PASSWORD", problem)
    with uow_factory() as uow:
        stored = uow.users.get(user.id)
        if stored is None or not verify_password(stored.password_hash, body.current_password):
            raise ApiError(403, "WRONG_PASSWORD", "The current password is wrong.")
        stored.password_hash = hash_password(body.new_password)
        user_key = rotate_session_key(stored)
        uow.commit()
    return _pair(settings, user.id, user_key)
