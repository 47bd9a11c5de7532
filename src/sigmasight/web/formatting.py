"""Number formatting for the pages and the CLI: one place, so figures read alike everywhere.

Pure Python with no imports of ours: the command line uses it without loading the web app.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any


def money(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage (0.153 -> 15.3%)."""
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def quantity(value: float | Decimal | None) -> str:
    """A quantity as given, with thousands separators and no trailing zeros
    (1000 -> 1,000; 12.5 -> 12.5; -3 -> -3): a fractional share is never rounded away."""
    if value is None:
        return "–"
    text = f"{Decimal(str(value)):,.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pvalue(value: float | None) -> str:
    """A p-value: four decimals, or scientific notation below 0.001 (a beta's p-value of
    3e-40 is not "0.0000")."""
    if value is None:
        return "–"
    return f"{value:.4f}" if value >= 1e-3 or value == 0 else f"{value:.1e}"


#: Words for the codes stored and served (enum values): pages and the CLI show these.
LABELS: dict[str, str] = {
    # account types
    "taxable": "Taxable",
    "ira": "IRA",
    "roth_ira": "Roth IRA",
    "401k": "401(k)",
    "trust": "Trust",
    "other": "Other",
    # position types
    "LONG": "Long",
    "SHORT": "Short",
    "LC": "Long call",
    "LP": "Long put",
    "SC": "Short call",
    "SP": "Short put",
    # investment classes
    "PUBLIC": "Listed security",
    "OPTIONS": "Listed option",
    "PRIVATE": "Private holding",
}


def label(code: object) -> str:
    """The word for a stored code (an enum or its value); an unknown code as it is."""
    text = str(getattr(code, "value", code))
    return LABELS.get(text, text)


def sign_class(value: float | None) -> str:
    if value is None or value == 0:
        return ""
    return "pos" if value > 0 else "neg"


FILTERS: dict[str, Callable[..., Any]] = {
    "money": money,
    "pct": pct,
    "num": num,
    "quantity": quantity,
    "label": label,
    "pvalue": pvalue,
    "sign_class": sign_class,
}
