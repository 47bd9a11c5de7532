"""Conventions of the analytics read services and the summaries several views share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

#: Upper bound on the rows of any time series answer (ten years of sessions).
MAX_SERIES_ROWS = 10 * TRADING_DAYS_PER_YEAR
#: Default length of the volatility history: the sessions of one year up to ``as_of``.
DEFAULT_HISTORY_ROWS = TRADING_DAYS_PER_YEAR
#: Beta estimate the batch stores and the snapshot's weighted beta uses.
BETA_METHOD = "ols"
#: Calendar days a close may lag ``as_of`` (the batch carries a close forward at most
#: three sessions; a long weekend plus a holiday spans six calendar days).
PRICE_LOOKBACK_DAYS = 6

SECTOR_CONVENTION = (
    "Delta-adjusted exposure. long: % of long exposure, sums to 1 (0 without longs); "
    "short: % of short exposure, negative, sums to -1 (0 without shorts); net: (long + "
    "short) % of gross exposure, sums to net / gross exposure; benchmark: index weights "
    "published on or before as_of (carried forward, dated by benchmark_as_of), sum to 1, "
    "0 for the ETF and Unclassified buckets; active: net - benchmark. Options count at "
    "delta-adjusted exposure in their underlying's sector, ETFs in the ETF bucket (no "
    "look-through), unknown sectors in Unclassified. Private holdings are not in any bucket "
    "nor in the denominators: see private_value and private_share_of_nav."
)
CONCENTRATION_BASIS = (
    "market value: absolute market value of each symbol (lots merged, signed values "
    "summed) % of the sum of those values (gross market value); options at model value; "
    "private holdings included at carried value"
)
#: Whether the concentration figures count private holdings (see CONCENTRATION_BASIS).
CONCENTRATION_INCLUDES_PRIVATE = True


@dataclass(frozen=True)
class WeightedBeta:
    """Sum of signed (delta-adjusted) exposure times security beta, over NAV.

    ``mean_security_r_squared`` is the |exposure|-weighted mean of the securities' R²
    (stored as ``beta_weighted_r_squared``), not an R² of the portfolio: the share of
    the portfolio's ex-ante variance the market explains is :class:`DirectBeta`'s R².
    """

    beta: float | None
    mean_security_r_squared: float | None
    positions_covered: int


@dataclass(frozen=True)
class DirectBeta:
    """OLS beta of the portfolio's own daily returns on the market's."""

    beta: float | None
    r_squared: float | None
    observations: int


@dataclass(frozen=True)
class VolatilitySummary:
    """Annualised volatilities (fractions): realized 21/63 sessions, HAR forecast."""

    realized_21d: float | None
    realized_63d: float | None
    expected_21d: float | None
    trend: str | None
    percentile: float | None
    #: True when the HAR path had a non-positive day: ``expected_21d`` is then the
    #: realized 21-day volatility (docs/methodology.md, HAR volatility forecast).
    expected_21d_fallback: bool = False
