"""Login attempts counted in the database, atomically, for every worker process.

An attempt is *reserved* before its password is checked: one upsert per key increments
the key's count (or starts a new window) and returns it, so of 40 concurrent guesses
only those within the limit ever reach the password check. A successful login gives
its reservation back; a failed one leaves it counted.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import Engine, Table, case, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sigmasight.storage.models import LoginAttempt

_TABLE = cast(Table, LoginAttempt.__table__)


def throttle_key(*parts: str) -> str:
    """The stored key of what a limit counts (raw e-mails and addresses are not kept)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class LoginThrottle:
    """Fixed-window failure counts per key (see the module doc)."""

    def __init__(self, engine: Engine, window_seconds: float) -> None:
        self.engine = engine
        self.window = window_seconds
        postgres = engine.dialect.name == "postgresql"
        self._insert = pg_insert if postgres else sqlite_insert

    def reserve(self, limits: Mapping[str, int], now: float) -> int:
        """Count one attempt against every key; seconds to wait when any key is over its
        limit (the attempt is refused, must not be checked, and is not counted), else 0."""
        wait = 0.0
        with self.engine.connect() as connection:
            for key, limit in sorted(limits.items()):  # one lock order: no deadlocks
                failures, start = connection.execute(self._upsert(key, now)).one()
                if failures > limit:
                    wait = max(wait, start + self.window - now)
            if wait > 0:
                connection.rollback()
                return max(math.ceil(wait), 1)
            connection.commit()
        return 0

    def _upsert(self, key: str, now: float) -> Any:
        expired = _TABLE.c.window_start <= now - self.window
        stmt = self._insert(_TABLE).values(key=key, failures=1, window_start=now)
        return stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case((expired, 1), else_=_TABLE.c.failures + 1),
                "window_start": case((expired, now), else_=_TABLE.c.window_start),
            },
        ).returning(_TABLE.c.failures, _TABLE.c.window_start)

    def release(self, forget: Iterable[str], give_back: Iterable[str]) -> None:
        """After a successful login: ``forget`` keys start afresh, ``give_back`` keys lose
        this attempt's reservation (earlier failures stay counted)."""
        with self.engine.begin() as connection:
            if forget := list(forget):
                connection.execute(delete(_TABLE).where(_TABLE.c.key.in_(forget)))
            if give_back := list(give_back):
                connection.execute(
                    update(_TABLE)
                    .where(_TABLE.c.key.in_(give_back), _TABLE.c.failures > 0)
                    .values(failures=_TABLE.c.failures - 1)
                )
