"""Helper to build :class:`Positions` for tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sigmasight.analytics.exposures import Positions


def make_positions(rows: Sequence[tuple[Any, ...]], default_class: str = "PUBLIC") -> Positions:
    """rows: (portfolio, security, symbol, quantity, price, type[, class, underlying, delta])."""
    full = [(*r, *(default_class, np.nan, np.nan)[len(r) - 6 :]) if len(r) < 9 else r for r in rows]
    cols = list(zip(*full, strict=True))
    return Positions(
        portfolio=np.array(cols[0], dtype=np.int64),
        security=np.array(cols[1], dtype=np.int64),
        symbol=np.array(cols[2]),
        quantity=np.array(cols[3], dtype=float),
        price=np.array(cols[4], dtype=float),
        position_type=np.array(cols[5]),
        investment_class=np.array(cols[6]),
        underlying_price=np.array(cols[7], dtype=float),
        delta=np.array(cols[8], dtype=float),
    )
