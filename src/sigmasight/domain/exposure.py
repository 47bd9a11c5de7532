"""The two value families and the denominators every view uses (docs/methodology.md).

Declared once here and imported by the analytics, the read services, the API schemas,
the pages and the CLI, so that "long", "gross" or "weight" mean the same everywhere.

* **Market value** -- what a position is worth: shares x close for stocks and ETFs, the
  premium (model value) x contracts x 100 for options, the carried value for private
  holdings. NAV and cash come from it (cash = NAV - sum of market values); concentration
  ranks holdings by it.
* **Delta-adjusted exposure** -- what a position moves with the market: the signed market
  value for stocks and ETFs, sign x contracts x 100 x delta x underlying close for options
  (a long put and a short call are *short*). Private holdings have no market exposure:
  they are left out and shown on their own line with their share of NAV. Long, short,
  gross and net exposure, leverage, and every weight that multiplies a beta, a sector or
  a factor are of this family.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class ValueFamily(StrEnum):
    """Which of the two families a figure belongs to."""

    MARKET_VALUE = "market_value"
    DELTA_ADJUSTED_EXPOSURE = "delta_adjusted_exposure"


class Basis(StrEnum):
    """The denominator of a percentage, with the label shown next to it."""

    NAV = "% of NAV"
    GROSS_EXPOSURE = "% of gross exposure"
    LONG_EXPOSURE = "% of long exposure"
    SHORT_EXPOSURE = "% of short exposure"
    GROSS_MARKET_VALUE = "% of gross market value"


MARKET_VALUE_DEFINITION: Final = (
    "market value: shares x close; options: premium (model value) x contracts x 100; "
    "private holdings: carried value. NAV and cash come from it."
)
EXPOSURE_DEFINITION: Final = (
    "delta-adjusted exposure: stocks and ETFs at signed market value, options at "
    "sign x contracts x 100 x delta x underlying close (a long put is short); private "
    "holdings excluded (shown separately with their share of NAV)."
)
#: What a position's weight in a risk view is: weight x beta is its beta contribution.
RISK_WEIGHT_DEFINITION: Final = (
    "delta-adjusted exposure / NAV, so weight x beta is the position's contribution to "
    "the portfolio's weighted beta"
)
