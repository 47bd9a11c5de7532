"""Authentication of analytics requests, batched: one database visit for many requests.

A request's token is decoded in the request; whether its account exists, whether it was
revoked and the current data revision are then asked of the database together with the
requests that arrived meanwhile. One batch is in flight per process at a time: requests
that arrive while it runs form the next one, so under load a round trip serves many
requests and with a single request it is one round trip as before.

Every check happens after its request arrived, so a logout or a write committed before
the request is seen by it, exactly as with a query per request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import BigInteger, Engine, String, bindparam, cast, literal, null, select, union_all
from sqlalchemy.exc import DBAPIError

from sigmasight.api.deps import _bearer, _claims, _unauthorized
from sigmasight.api.security import TokenClaims
from sigmasight.storage.models import DataRevision, RevokedToken, User

#: Requests answered by one visit at most (bounds the statement's parameter list).
MAX_BATCH = 128

#: The accounts that exist, the tokens that were revoked and the revision: one statement,
#: one round trip. Rows are (kind, number, text).
_VISIT = union_all(
    select(literal("user"), cast(User.id, BigInteger), User.session_key).where(
        User.id.in_(bindparam("ids", expanding=True))
    ),
    select(literal("revoked"), cast(null(), BigInteger), RevokedToken.jti).where(
        RevokedToken.jti.in_(bindparam("jtis", expanding=True))
    ),
    select(literal("revision"), DataRevision.value, cast(null(), String)).where(
        DataRevision.id == 1
    ),
)


@dataclass(frozen=True)
class Reader:
    """An authenticated caller and the data revision seen after the request arrived."""

    user_id: int
    revision: int | None  # None: no revision row (a schema made without migrations)
    user_key: str = ""  # the account's session key: part of every cache key


@dataclass(frozen=True)
class _Verdicts:
    users: dict[int, str]  # id -> session key
    revoked: frozenset[str]
    revision: int | None


class ReaderChecks:
    """Batches the account, revocation and revision checks of concurrent requests.

    Used from the event loop's thread only; the queries run in the thread pool."""

    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._waiting: list[tuple[TokenClaims, asyncio.Future[Reader | None]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self.visits = 0

    async def check(self, claims: TokenClaims) -> Reader | None:
        """The reader, or None when the account is gone, its session key changed or the
        token or its login family was revoked."""
        future: asyncio.Future[Reader | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((claims, future))
        if self._drainer is None:
            self._drainer = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
                await self._answer(batch)
        finally:
            self._drainer = None

    async def _answer(self, batch: list[tuple[TokenClaims, asyncio.Future[Reader | None]]]) -> None:
        ids = sorted({claims.user_id for claims, _ in batch})
        jtis = sorted({j for claims, _ in batch for j in (claims.jti, claims.family)})
        try:
            verdicts = await run_in_threadpool(self._query, ids, jtis)
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for claims, future in batch:
            if future.done():  # its request went away
                continue
            allowed = (
                verdicts.users.get(claims.user_id) == claims.user_key
                and claims.jti not in verdicts.revoked
                and claims.family not in verdicts.revoked
            )
            reader = Reader(claims.user_id, verdicts.revision, claims.user_key)
            future.set_result(reader if allowed else None)

    def _query(self, ids: list[int], jtis: list[str]) -> _Verdicts:
        self.visits += 1
        for attempt in (1, 2):
            try:
                with self.engine.connect() as connection:
                    rows = connection.execute(_VISIT, {"ids": ids, "jtis": jtis}).all()
                users = {int(n): str(s) for kind, n, s in rows if kind == "user"}
                revoked = frozenset(str(s) for kind, _, s in rows if kind == "revoked")
                revisions = [int(n) for kind, n, _ in rows if kind == "revision"]
                return _Verdicts(users, revoked, revisions[0] if revisions else None)
            except DBAPIError as exc:  # a pooled connection that had gone away: once more
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")


async def get_reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Reader:
    """Authenticate like ``get_current_user`` (a valid, unrevoked access token of an
    existing account) and learn the data revision, in a batched visit. (The app's state
    is read directly: each dependency costs the hot path a resolution step.)"""
    claims = _claims(request.app.state.settings, credentials)
    checks: ReaderChecks = request.app.state.reader_checks
    reader = await checks.check(claims)
    if reader is None:
        raise _unauthorized("the token has been revoked or its account no longer exists")
    return reader


CurrentReader = Annotated[Reader, Depends(get_reader)]
