"""Rows as columns: equally long lists per column name, the shape the batch computes
history rows in and writes them from (no dictionary per row)."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Rows as equally long columns (name -> values).
Columns = dict[str, list[Any]]


def extend(columns: Columns, more: Columns) -> None:
    """Append the rows of ``more`` to ``columns`` (same names, or ``columns`` empty)."""
    for name, values in more.items():
        columns.setdefault(name, []).extend(values)


def row_count(columns: Columns) -> int:
    return len(next(iter(columns.values()), ()))


def take(columns: Columns, indices: list[int]) -> Columns:
    """The rows at ``indices``."""
    return {name: [values[i] for i in indices] for name, values in columns.items()}


def finite(values: np.ndarray) -> list[Any]:
    """Python floats, with NaN and infinities as None (what the JSON and SQL columns
    store), converted for a whole array at once: a (N,) array gives N values, a (N, K)
    array N lists of K (one conversion, not one per row)."""
    array = np.asarray(values, dtype=np.float64)
    out = array.astype(object)
    out[~np.isfinite(array)] = None
    listed: list[Any] = out.tolist()
    return listed


def ints(values: np.ndarray) -> list[int]:
    out: list[int] = np.asarray(values).astype(np.int64).tolist()
    return out
