"""Analytics answers cached as JSON bytes, each valid for one data revision.

An analytics answer is a pure function of what is stored, and every committed unit of
work advances the stored data revision (:class:`sigmasight.storage.models.DataRevision`).
So an answer is cached under the revision read *before* it was computed, and served
again only while the revision is unchanged: a batch run, a position edit or a price
load in any process invalidates every cached answer on the next request.

The revision arrives with the caller's identity from the check that authenticates a
request (:mod:`sigmasight.api.readers`: one database visit for many concurrent
requests), so a cached answer costs a share of that visit and a dictionary lookup. Keys
start with the caller's user id; an entry is only ever made by a request that passed the
service's ownership check, so it is only ever served to that owner.

Everything here runs on the event loop's thread; only the computation of a missing
answer runs in the thread pool. Concurrent requests for the same missing answer share
one computation.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from sigmasight.api.readers import Reader

#: Default bounds of one process's cache.
MAX_ENTRIES = 4_096
MAX_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Rendered:
    """An answer that is not a JSON model (a report in a text format): its bytes, media
    type and extra headers, cached like a model's JSON."""

    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Entry:
    revision: int
    body: bytes
    etag: str
    media_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


class AnswerCache:
    """Least-recently-used JSON answers, bounded by count and by bytes."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0
        self._pending: dict[tuple[Hashable, int], asyncio.Task[_Entry]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def respond(
        self,
        request: Request,
        reader: Reader,
        key: tuple[Any, ...],
        compute: Callable[[], BaseModel | Rendered],
    ) -> Response:
        """The answer for ``key`` at the reader's revision, computed by ``compute`` (in the
        thread pool) when it is not cached: a model (served as its JSON) or
        :class:`Rendered` bytes. ``If-None-Match`` with the answer's ETag gives 304 without
        a body. Exceptions of ``compute`` propagate and nothing is cached."""
        # The session key too: an answer is never served across accounts, even if a
        # database handed out a deleted user's id again.
        full_key = (reader.user_id, reader.user_key, *key)
        if reader.revision is None:
            entry = _entry(-1, await run_in_threadpool(compute))
        else:
            entry = await self._get(full_key, reader.revision, compute)
        headers = {"ETag": entry.etag, "Cache-Control": "private, no-cache"}
        if request.headers.get("if-none-match") == entry.etag:
            return Response(status_code=304, headers=headers)
        headers.update(entry.headers)
        return Response(entry.body, media_type=entry.media_type, headers=headers)

    async def _get(
        self, key: Hashable, revision: int, compute: Callable[[], BaseModel | Rendered]
    ) -> _Entry:
        entry = self._entries.get(key)
        if entry is not None and entry.revision == revision:
            self._entries.move_to_end(key)
            self.hits += 1
            return entry
        self.misses += 1
        task = self._pending.get((key, revision))
        if task is None:
            task = asyncio.ensure_future(self._fill(key, revision, compute))
            task.add_done_callback(_retrieve)
            self._pending[(key, revision)] = task
        # A request that goes away leaves the computation running for the others.
        return await asyncio.shield(task)

    async def _fill(
        self, key: Hashable, revision: int, compute: Callable[[], BaseModel | Rendered]
    ) -> _Entry:
        try:
            entry = _entry(revision, await run_in_threadpool(compute))
        finally:
            del self._pending[(key, revision)]
        self._store(key, entry)
        return entry

    def _store(self, key: Hashable, entry: _Entry) -> None:
        current = self._entries.get(key)
        if current is not None and current.revision > entry.revision:
            return  # a slower computation of an older revision: keep the newer answer
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        if len(entry.body) > self.max_bytes:
            return
        self._entries[key] = entry
        self._bytes += len(entry.body)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)


def _retrieve(task: asyncio.Task[_Entry]) -> None:
    """Mark a failed computation's exception as seen even if every requester left."""
    if not task.cancelled():
        task.exception()


def _entry(revision: int, answer: BaseModel | Rendered) -> _Entry:
    if isinstance(answer, Rendered):
        digest = hashlib.blake2b(answer.body, digest_size=12).hexdigest()
        return _Entry(revision, answer.body, f'"{digest}"', answer.media_type, answer.headers)
    body = answer.__pydantic_serializer__.to_json(answer)
    digest = hashlib.blake2b(body, digest_size=12).hexdigest()
    return _Entry(revision, body, f'"{digest}"')
