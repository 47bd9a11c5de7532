"""Sessions in storage: which user a token or cookie still names, and revocations.

A token or a web session is alive while its user exists with the same session key
(:attr:`User.session_key`, replaced on a password change) and none of its ids (the
token's own id, its login family, a web session's id) is in ``revoked_tokens``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sigmasight.storage.models import RevokedToken, User, new_session_key


def live_user(session: Session, user_id: int, user_key: str, ids: Iterable[str]) -> User | None:
    """The user a token or cookie names, if it is still alive (one query)."""
    revoked = select(RevokedToken.jti).where(RevokedToken.jti.in_(list(ids))).exists()
    query = select(User).where(User.id == user_id, User.session_key == user_key, ~revoked)
    return session.scalar(query)


def revoke(session: Session, user_id: int, ids: Mapping[str, datetime]) -> None:
    """Revoke token, family or session ids, each kept until its expiry; an id revoked
    already stays revoked (concurrent logouts do not conflict)."""
    if not ids:
        return
    rows = [{"jti": jti, "user_id": user_id, "expires_at": at} for jti, at in ids.items()]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(RevokedToken).on_conflict_do_nothing(index_elements=["jti"]), rows)


def is_revoked(session: Session, jti: str) -> bool:
    return session.get(RevokedToken, jti) is not None


def rotate_session_key(user: User) -> str:
    """Give ``user`` a new session key: every token and cookie issued before dies."""
    user.session_key = new_session_key()
    return user.session_key
