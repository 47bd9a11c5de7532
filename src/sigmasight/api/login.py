"""Logging in, shared by the API and the dashboard: limits that hold under concurrency.

- Attempts are reserved in the database before a password is checked
  (:class:`~sigmasight.storage.login_throttle.LoginThrottle`), per account and client
  (``login_attempts`` per window), per account from anywhere (4x that) and per client
  across accounts (10x that), so every worker process sees the same counts and parallel
  guesses cannot all be checked.
- The client is the connecting peer; ``X-Forwarded-For`` is believed only when the peer
  is a configured proxy (``trusted_proxies``), read from the right past trusted hops.
- Argon2 hashes (64 MiB each) run at most ``hash_concurrency`` at a time, awaited on the
  event loop rather than holding thread-pool threads, so a burst of logins neither
  swells memory nor starves other requests; past :data:`MAX_WAITING` waiting, a login is
  answered 503 at once.
- An unknown e-mail is checked against a dummy hash: same time as a known one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from sigmasight.api.errors import ApiError
from sigmasight.config import Settings
from sigmasight.services.passwords import hash_password, verify_password_or_dummy
from sigmasight.storage.login_throttle import LoginThrottle, throttle_key
from sigmasight.storage.uow import UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")

#: Logins waiting for a hashing slot before new ones are turned away (503).
MAX_WAITING = 128
#: Longest wait for a hashing slot (seconds) before a 503.
SLOT_TIMEOUT = 10.0
ACCOUNT_FACTOR, CLIENT_FACTOR = 4, 10
#: Thread-pool threads the database steps of logins may hold at once.
DATABASE_STEPS = 4


class TooManyAttemptsError(Exception):
    def __init__(self, wait: int) -> None:
        super().__init__(f"Too many failed logins; try again in {wait} s.")
        self.wait = wait


class InvalidCredentialsError(Exception):
    pass


@dataclass(frozen=True)
class LoggedIn:
    user_id: int
    user_key: str


class PasswordWork:
    """Bounded password hashing and verification (awaitable)."""

    def __init__(self, concurrency: int) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self.waiting = 0

    async def _run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        if self.waiting >= MAX_WAITING:
            raise ApiError(
                503, "BUSY", "Too many logins at once; retry shortly.", headers={"Retry-After": "1"}
            )
        self.waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), SLOT_TIMEOUT)
        except TimeoutError as exc:
            raise ApiError(
                503, "BUSY", "Too many logins at once; retry shortly.", headers={"Retry-After": "1"}
            ) from exc
        finally:
            self.waiting -= 1
        try:
            return await run_in_threadpool(fn, *args, **kwargs)
        finally:
            self._slots.release()

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await self._run(verify_password_or_dummy, password_hash, password)

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)


class LoginGuard:
    """Throttled, bounded, timing-even password logins (see the module doc)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.settings = settings
        self.throttle = LoginThrottle(engine, settings.login_window_seconds)
        self.passwords = PasswordWork(settings.hash_concurrency)
        self.proxies = settings.trusted_proxy_networks
        # The database steps of logins take at most this many thread-pool threads, so
        # a burst of logins (waiting on SQLite's write lock) leaves the pool to others.
        self._database_steps = asyncio.Semaphore(DATABASE_STEPS)

    def client_address(self, request: Request) -> str:
        peer = request.client.host if request.client else "-"
        if not self.proxies or not self._trusted(peer):
            return peer
        hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
        for hop in reversed([h for h in hops if h]):
            if not self._trusted(hop):
                return hop
        return peer

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.proxies)

    async def log_in(
        self, request: Request, uow_factory: Callable[[], UnitOfWork], email: str, password: str
    ) -> LoggedIn:
        """The user for ``email`` and ``password``; :class:`TooManyAttemptsError` or
        :class:`InvalidCredentialsError` otherwise."""
        client = self.client_address(request)
        pair, account = throttle_key("pair", email, client), throttle_key("account", email)
        per_client = throttle_key("client", client)
        limit = self.settings.login_attempts
        limits = {pair: limit, account: limit * ACCOUNT_FACTOR, per_client: limit * CLIENT_FACTOR}
        async with self._database_steps:
            wait = await run_in_threadpool(self.throttle.reserve, limits, time.time())
            if wait:
                raise TooManyAttemptsError(wait)
            found = await run_in_threadpool(_find, uow_factory, email)
        valid = await self.passwords.verify(found[0] if found else None, password)
        if not valid or found is None:
            raise InvalidCredentialsError
        async with self._database_steps:
            await run_in_threadpool(self.throttle.release, [pair], [account, per_client])
        return LoggedIn(found[1], found[2])


def _find(uow_factory: Callable[[], UnitOfWork], email: str) -> tuple[str, int, str] | None:
    with uow_factory() as uow:
        user = uow.users.get_by_email(email)
        return None if user is None else (user.password_hash, user.id, user.session_key)


def _busy() -> ApiError:
    return ApiError(
        503, "BUSY", "Too many logins at once; retry shortly.", headers={"Retry-After": "1"}
    )
