"""Register, log in, refresh, who am I, log out."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from sqlalchemy.exc import IntegrityError

from sigmasight.api.deps import (
    CurrentUser,
    RateLimiterDep,
    SettingsDep,
    TokenClaimsDep,
    UowFactoryDep,
    utcnow,
)
from sigmasight.api.errors import ApiError
from sigmasight.api.schemas import (
    LoginRequest,
    Message,
    RefreshRequest,
    TokenPair,
    UserCreate,
    UserPublic,
)
from sigmasight.api.security import TokenError, decode_token, issue_token
from sigmasight.config import Settings
from sigmasight.services.passwords import hash_password, verify_password
from sigmasight.storage.models import RevokedToken, User

router = APIRouter(prefix="/auth", tags=["auth"])


def _pair(settings: Settings, user_id: int) -> TokenPair:
    now = utcnow()
    return TokenPair(
        access_token=issue_token(settings, user_id, "access", now),
        refresh_token=issue_token(settings, user_id, "refresh", now),
        expires_in=settings.jwt_access_minutes * 60,
    )


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
def register(body: UserCreate, uow_factory: UowFactoryDep) -> User:
    """Create an account. The password is stored as an Argon2id hash."""
    email = body.email.strip().lower()
    with uow_factory() as uow:
        if uow.users.get_by_email(email) is not None:
            raise ApiError(409, "EMAIL_TAKEN", "An account with this e-mail already exists.")
        user = User(email=email, password_hash=hash_password(body.password), name=body.name)
        try:
            uow.users.add(user)
            uow.commit()
        except IntegrityError as exc:
            raise ApiError(409, "EMAIL_TAKEN", "An account with this e-mail exists.") from exc
        uow.session.expunge(user)
        return user


@router.post("/login", response_model=TokenPair)
def login(
    body: LoginRequest,
    request: Request,
    settings: SettingsDep,
    uow_factory: UowFactoryDep,
    limiter: RateLimiterDep,
) -> TokenPair:
    """Exchange e-mail and password for an access token (short) and a refresh token.

    Repeated failures for the same e-mail and client are refused for a while (429)."""
    email = body.email.strip().lower()
    key = f"{email}|{request.client.host if request.client else '-'}"
    wait = limiter.retry_after(key)
    if wait:
        raise ApiError(
            429,
            "TOO_MANY_ATTEMPTS",
            f"Too many failed logins; try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    with uow_factory() as uow:
        user = uow.users.get_by_email(email)
        valid = user is not None and verify_password(user.password_hash, body.password)
        user_id = user.id if user is not None else 0
    if not valid:
        limiter.failed(key)
        raise ApiError(401, "INVALID_CREDENTIALS", "E-mail or password is wrong.")
    limiter.succeeded(key)
    return _pair(settings, user_id)


@router.post("/refresh", response_model=TokenPair)
def refresh(body: RefreshRequest, settings: SettingsDep, uow_factory: UowFactoryDep) -> TokenPair:
    """A new token pair for a valid, unrevoked refresh token (which is then revoked)."""
    try:
        claims = decode_token(settings, body.refresh_token, "refresh")
    except TokenError as exc:
        raise ApiError(401, "INVALID_TOKEN", str(exc)) from exc
    with uow_factory() as uow:
        if uow.session.get(RevokedToken, claims.jti) is not None:
            raise ApiError(401, "INVALID_TOKEN", "the refresh token has been used or revoked")
        if uow.users.get(claims.user_id) is None:
            raise ApiError(401, "INVALID_TOKEN", "the account no longer exists")
        uow.session.add(
            RevokedToken(jti=claims.jti, user_id=claims.user_id, expires_at=claims.expires_at)
        )
        uow.commit()
    return _pair(settings, claims.user_id)


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> User:
    """The account the access token belongs to."""
    return user


@router.post("/logout", response_model=Message)
def logout(claims: TokenClaimsDep, uow_factory: UowFactoryDep) -> Message:
    """Revoke the access token used for this request."""
    with uow_factory() as uow:
        uow.session.add(
            RevokedToken(jti=claims.jti, user_id=claims.user_id, expires_at=claims.expires_at)
        )
        uow.commit()
    return Message(message="logged out")
