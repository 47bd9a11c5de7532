"""Numbers typed by a user: plain ASCII decimals, checked against what a column keeps.

Python's ``Decimal`` and ``int`` accept much more than a person means by a number
(``"1_000"``, ``"1e309"``, Arabic-Indic ``"١٠٠"``, full-width ``"１００"``, ``"NaN"``), and a
value with more decimals than its column would be rounded silently. Every entry point
that reads an amount from text goes through :func:`parse_amount`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

#: Digits 0-9 only (``re.ASCII``: ``\\d`` would match every script's digits), an optional
#: sign, an optional fraction; no exponent, underscore, space or thousands separator.
_PLAIN: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


class AmountError(ValueError):
    """A number that is not a plain decimal or does not fit; the message says which."""


def parse_amount(
    text: str,
    *,
    places: int,
    integer_digits: int,
    minimum: Decimal | None = None,
    above: Decimal | None = None,
    what: str = "The amount",
) -> Decimal:
    """The exact value of ``text``, a plain decimal such as ``250000`` or ``-12.5``.

    Parameters
    ----------
    text : str
        What the user typed; surrounding blanks are ignored.
    places : int
        Most decimals the destination keeps (more is an error, never rounded).
    integer_digits : int
        Most digits before the point the destination keeps.
    minimum, above : Decimal, optional
        Smallest allowed value, or a bound the value must exceed.
    what : str
        Names the value in the error message.

    Raises
    ------
    AmountError
        With a sentence naming the rule broken.
    """
    cleaned = text.strip()
    if not _PLAIN.fullmatch(cleaned):
        raise AmountError(
            f"{what} {text!r} is not a plain number: write digits 0-9 with an optional "
            "minus sign and decimal point, like 250000 or 1250.50 (no exponent, "
            "underscore or thousands separator)."
        )
    value = Decimal(cleaned)
    fraction = cleaned.partition(".")[2]
    if len(fraction.rstrip("0")) > places:
        raise AmountError(f"{what} {cleaned} has more than {places} decimal places.")
    if abs(value) >= Decimal(10) ** integer_digits:
        raise AmountError(f"{what} {cleaned} is too large: it must be below 10^{integer_digits}.")
    if minimum is not None and value < minimum:
        raise AmountError(f"{what} {cleaned} must be at least {minimum}.")
    if above is not None and value <= above:
        raise AmountError(f"{what} {cleaned} must be greater than {above}.")
    return value + 0  # "-0" becomes 0


def is_plain_decimal(text: str) -> bool:
    """Whether ``text`` is a plain ASCII decimal (see :func:`parse_amount`)."""
    return _PLAIN.fullmatch(text.strip()) is not None
