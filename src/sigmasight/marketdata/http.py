"""HTTP plumbing shared by the online providers: timeouts, retries with backoff, rate limit.

Clock and sleep are injectable so tests run instantly, and every error message has the
API key removed from the URL.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
import pandas as pd

from sigmasight.marketdata.errors import (
    AuthError,
    PartialFetchError,
    ProviderError,
    ProviderTimeoutError,
    ProviderUnavailable,
    RateLimitedError,
)
from sigmasight.marketdata.models import empty_price_frame, unique_symbols

DEFAULT_TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
#: Errors that concern the provider as a whole: stop asking it for further symbols.
PROVIDER_LEVEL_ERRORS: Final = (
    AuthError,
    ProviderUnavailable,
    RateLimitedError,
    ProviderTimeoutError,
)
_SECRET = re.compile(r"(apikey|api_key|token)=[^&\s]+", re.IGNORECASE)


def redact(text: str) -> str:
    """Remove credentials from a URL or message."""
    return _SECRET.sub(r"\1=***", text)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry transient failures with exponential backoff.

    The wait before retry :math:`k = 1, 2, \\ldots` is
    :math:`\\min(b_{max}, b \\cdot 2^{k-1})`, or the server's ``Retry-After`` (capped).
    """

    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0
    retry_statuses: frozenset[int] = field(default=frozenset({429, 500, 502, 503, 504}))

    def wait(self, retry: int, retry_after: str | None = None) -> float:
        if retry_after is not None and retry_after.strip().isdigit():
            return min(self.max_backoff, float(retry_after))
        return min(self.max_backoff, self.backoff * 2.0 ** (retry - 1))


class RateLimiter:
    """Keep at least ``min_interval`` seconds between consecutive requests."""

    def __init__(
        self,
        min_interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        now = self._clock()
        if self._last is not None:
            remaining = self.min_interval - (now - self._last)
            if remaining > 0:
                self._sleep(remaining)
                now = self._clock()
        self._last = now


class JsonHttp:
    """GET JSON with retries, backoff and a rate limit, mapping failures to provider errors.

    A 2xx or 404 response is returned to the caller (404 usually means an unknown
    symbol); 401/403 raise :class:`AuthError` at once; 429, 5xx, timeouts and transport
    errors are retried, then raise.
    """

    def __init__(
        self,
        provider: str,
        client: httpx.Client,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.provider = provider
        self.client = client
        self.retry = retry or RetryPolicy()
        self.limiter = limiter
        self._sleep = sleep
        self.requests = 0

    def get(self, url: str, params: dict[str, str] | None = None) -> httpx.Response:
        error: ProviderError = ProviderError(f"{self.provider}: no attempt made")
        for attempt in range(1, self.retry.attempts + 1):
            if attempt > 1:
                self._sleep(self.retry.wait(attempt - 1, _retry_after(error)))
            response, error = self._attempt(url, params)
            if response is not None:
                return response
            if isinstance(error, AuthError):
                raise error
        raise error

    def _attempt(
        self, url: str, params: dict[str, str] | None
    ) -> tuple[httpx.Response | None, ProviderError]:
        if self.limiter is not None:
            self.limiter.wait()
        self.requests += 1
        shown = redact(str(httpx.URL(url, params=params)))
        try:
            response = self.client.get(url, params=params)
        except httpx.TimeoutException:
            return None, ProviderTimeoutError(f"{self.provider}: timed out on {shown}")
        except httpx.TransportError as exc:
            return None, ProviderUnavailable(
                f"{self.provider}: unreachable ({type(exc).__name__}) on {shown}"
            )
        status = response.status_code
        if status < 400 or status == 404:
            return response, ProviderError("")
        body = redact(response.text[:200])
        if status in (401, 403):
            return None, AuthError(
                f"{self.provider}: HTTP {status}, the API key was refused or lacks access ({body})"
            )
        if status == 429:
            return None, RateLimitedError(
                f"{self.provider}: HTTP 429 rate limited on {shown}",
                retry_after=response.headers.get("Retry-After"),
            )
        message = f"{self.provider}: HTTP {status} on {shown}: {body}"
        if status in self.retry.retry_statuses:
            # Still failing after the retries: the service is down, not this symbol.
            return None, ProviderUnavailable(message)
        raise ProviderError(message)


def _retry_after(error: ProviderError) -> str | None:
    return error.retry_after if isinstance(error, RateLimitedError) else None


def json_body(response: httpx.Response, provider: str) -> Any:
    """Parse a response body, turning malformed JSON into a :class:`ProviderError`."""
    try:
        return response.json()
    except ValueError as exc:
        raise ProviderError(f"{provider}: response is not JSON: {response.text[:80]!r}") from exc


def fetch_each(
    symbols: Sequence[str], fetch_one: Callable[[str], pd.DataFrame | None]
) -> pd.DataFrame:
    """Fetch symbols one by one; collect per-symbol failures.

    ``fetch_one`` returns a price frame, or None for an unknown symbol. A
    provider-level error (auth, unreachable, rate limit, timeout) stops the loop: it is
    raised as is when nothing was fetched yet, else as a :class:`PartialFetchError`
    that keeps what was fetched and hands the rest to the next provider.
    """
    frames: list[pd.DataFrame] = []
    failed: dict[str, str] = {}
    todo = unique_symbols(symbols)
    for i, symbol in enumerate(todo):
        try:
            frame = fetch_one(symbol)
        except PROVIDER_LEVEL_ERRORS as exc:
            if not frames and not failed:
                raise
            failed.update(dict.fromkeys(todo[i:], str(exc)))
            break
        except ProviderError as exc:
            failed[symbol] = str(exc)
            continue
        if frame is not None and len(frame):
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True) if frames else empty_price_frame()
    if failed:
        raise PartialFetchError(out, failed)
    return out
