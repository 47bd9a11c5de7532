"""Number formatting for templates: one place, so every page shows figures alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def money(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage (0.153 -> 15.3%)."""
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def sign_class(value: float | None) -> str:
    if value is None or value == 0:
        return ""
    return "pos" if value > 0 else "neg"


FILTERS: dict[str, Callable[..., Any]] = {
    "money": money,
    "pct": pct,
    "num": num,
    "sign_class": sign_class,
}
