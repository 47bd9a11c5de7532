"""The GICS sector vocabulary, shared by market data and the analytics."""

from __future__ import annotations

from typing import Final

#: The 11 GICS sectors, spelled as S&P and MSCI publish them.
GICS_SECTORS: Final[tuple[str, ...]] = (
    "Communication Services",
    "Consumer Discretionary",
    "Consumer Staples",
    "Energy",
    "Financials",
    "Health Care",
    "Industrials",
    "Information Technology",
    "Materials",
    "Real Estate",
    "Utilities",
)
