"""Comparing a stored row with a reference row, column by column."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest

#: Relative tolerance for floats: the batch uses prefix sums and batched normal
#: equations, the references one window at a time (agreement is ~1e-12 in practice).
REL = 1e-9
#: Absolute floor for figures that are near zero (alpha, a HAR constant, t near 0).
ABS = 1e-13


def _same(stored: object, expected: object) -> bool:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return stored is None or (isinstance(stored, float) and math.isnan(stored))
    if isinstance(expected, bool) or isinstance(stored, bool):
        return bool(stored) is bool(expected) and isinstance(stored, bool)
    if isinstance(expected, Mapping):
        return (
            isinstance(stored, Mapping)
            and set(stored) == set(expected)
            and all(_same(stored[k], expected[k]) for k in expected)
        )
    if isinstance(expected, float):
        return isinstance(stored, int | float) and stored == pytest.approx(
            expected, rel=REL, abs=ABS
        )
    return bool(stored == expected)


def mismatches(stored: Mapping[str, object], expected: Mapping[str, object]) -> list[str]:
    """Every column of ``expected`` whose stored value differs, as readable lines."""
    return [
        f"{name}: stored {stored[name]!r}, reference {value!r}"
        for name, value in expected.items()
        if not _same(stored[name], value)
    ]
