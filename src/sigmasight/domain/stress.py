"""The stress-scenario library and its conventions, declared once (docs/methodology.md,
"Stress tests and option Greeks").

A **historical** scenario replays an episode: each security moves by its own simple
return from the close of ``start`` to the close of ``end`` (the last sessions on or
before those dates) where it has both closes; otherwise by its proxy (market beta on the
run date times the market's return over the episode). An episode is used on a run date
only once it has ended on or before that date.

A **hypothetical** scenario shocks some factors (simple returns of the factor registry's
series, :mod:`sigmasight.domain.factors`), a rate change in basis points and/or a
volatility change in points; factors not shocked move by their expectation given the
shocked ones under the factor covariance estimated on the :data:`COVARIANCE_WINDOW`
sessions up to the run date. The market factor is always part of the move.

Sign of rates: a rate rise of ``dy`` (a fraction, 100 bp = 0.01) moves the rates factor
(a long Treasury ETF) by ``-RATES_FACTOR_DURATION * dy`` and a bond holding of modified
duration ``D`` by ``-D * dy``: a rate rise is a loss for a long bond.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final

from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR


class ScenarioKind(StrEnum):
    HISTORICAL = "historical"
    HYPOTHETICAL = "hypothetical"


class StressMethod(StrEnum):
    """How a position's stress P&L was obtained."""

    REPLAY = "replay"  # the security's own return over the episode
    PROXY = "proxy"  # beta or factor model
    DURATION = "duration"  # a bond holding: value x (-D dy + C dy^2 / 2) in a hypothetical
    REPRICED = "repriced"  # an option, fully repriced by Black-Scholes-Merton


@dataclass(frozen=True)
class Scenario:
    """One stress scenario. Historical: ``start``/``end``; hypothetical: ``shocks``
    (factor key -> simple return), ``rate_bp`` and ``vol_points``."""

    key: str
    name: str
    kind: ScenarioKind
    start: date | None = None
    end: date | None = None
    shocks: Mapping[str, float] = field(default_factory=dict)
    rate_bp: float = 0.0
    vol_points: float = 0.0
    description: str = ""


#: Sessions of factor returns the propagation covariance is estimated on (ending on the
#: run date; never later).
COVARIANCE_WINDOW: Final = 2 * TRADING_DAYS_PER_YEAR
#: Fewest complete sessions of factor returns the covariance needs.
COVARIANCE_MIN_OBS: Final = TRADING_DAYS_PER_YEAR // 2
#: Modified duration (years) assumed for the rates factor's ETF (TLT, 20+ year
#: Treasuries): a 100 bp rise moves the factor by -17 %.
RATES_FACTOR_DURATION: Final = 17.0
#: Bounds of a position's modified duration (years) and convexity (years squared):
#: wide enough for any listed bond or bond fund (a 100-year zero has D < 100, C < 10,000)
#: and for negative-duration funds, narrow enough to catch a value typed in the wrong unit.
MAX_ABS_MODIFIED_DURATION: Final = 100.0
MAX_ABS_CONVEXITY: Final = 10_000.0
#: Largest shock accepted in a user scenario: factor returns in (-1, +MAX], rates and
#: volatility in basis points / points within these bounds.
MAX_FACTOR_SHOCK: Final = 5.0
MAX_RATE_BP: Final = 2_000.0
MAX_VOL_POINTS: Final = 200.0

H, Y = ScenarioKind.HISTORICAL, ScenarioKind.HYPOTHETICAL

#: The built-in library, in display order; keys never change.
SCENARIOS: Final[tuple[Scenario, ...]] = (
    Scenario(
        "dotcom_2000",
        "2000-02 dot-com bust",
        H,
        date(2000, 3, 24),
        date(2002, 10, 9),
        description="S&P 500 close-to-close, peak of 2000-03-24 to trough of 2002-10-09",
    ),
    Scenario(
        "gfc_2008",
        "2008 financial crisis",
        H,
        date(2007, 10, 9),
        date(2009, 3, 9),
        description="S&P 500 peak of 2007-10-09 to trough of 2009-03-09",
    ),
    Scenario(
        "covid_2020",
        "2020 crash",
        H,
        date(2020, 2, 19),
        date(2020, 3, 23),
        description="S&P 500 peak of 2020-02-19 to trough of 2020-03-23",
    ),
    Scenario(
        "rates_2022",
        "2022 rate shock",
        H,
        date(2022, 1, 3),
        date(2022, 10, 12),
        description="S&P 500 peak of 2022-01-03 to trough of 2022-10-12, Fed hikes",
    ),
    Scenario("market_down_10", "Market -10 %", Y, shocks={"market": -0.10}),
    Scenario("market_down_20", "Market -20 %", Y, shocks={"market": -0.20}),
    Scenario("market_up_10", "Market +10 %", Y, shocks={"market": 0.10}),
    Scenario("momentum_crash", "Momentum -10 % vs market", Y, shocks={"momentum": -0.10}),
    Scenario("rates_up_100bp", "Rates +100 bp", Y, rate_bp=100.0),
    Scenario("rates_down_100bp", "Rates -100 bp", Y, rate_bp=-100.0),
    Scenario("vol_up_10", "Volatility +10 points", Y, vol_points=10.0),
)
SCENARIOS_BY_KEY: Final[dict[str, Scenario]] = {s.key: s for s in SCENARIOS}


def scenario_errors(
    name: str, shocks: Mapping[str, float], rate_bp: float, vol_points: float
) -> list[str]:
    """Why a user scenario is invalid (empty: valid): a name of 1-120 characters, known
    factor keys with finite shocks in (-1, MAX_FACTOR_SHOCK], bounded rate and volatility
    changes, and at least one non-zero shock."""
    import math

    from sigmasight.domain.factors import FACTOR_KEYS

    errors = []
    if not 1 <= len(name.strip()) <= 120:
        errors.append("name must have 1 to 120 characters")
    unknown = sorted(set(shocks) - set(FACTOR_KEYS))
    if unknown:
        errors.append(f"unknown factors {unknown}; known: {list(FACTOR_KEYS)}")
    for key, value in shocks.items():
        if not (math.isfinite(value) and -1.0 < value <= MAX_FACTOR_SHOCK):
            errors.append(f"shock of {key} must be in (-1, {MAX_FACTOR_SHOCK}]")
    if not (math.isfinite(rate_bp) and abs(rate_bp) <= MAX_RATE_BP):
        errors.append(f"rate_bp must be within +/-{MAX_RATE_BP:g}")
    if not (math.isfinite(vol_points) and abs(vol_points) <= MAX_VOL_POINTS):
        errors.append(f"vol_points must be within +/-{MAX_VOL_POINTS:g}")
    if not any(shocks.values()) and not rate_bp and not vol_points:
        errors.append("a scenario needs at least one non-zero shock")
    return errors
