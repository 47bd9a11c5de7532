"""The factor registry: every style factor SigmaSight estimates, declared once.

Tables, routes, pages, the CLI and reports take factor keys and names from
:data:`FACTORS`; nothing else spells a factor's name. A factor's daily return is its
long leg's simple return minus its short leg's (no short leg: the long leg alone), so
a style factor is "ETF minus market": what the ETF earns beyond the S&P 500, which
tames the collinearity of style ETFs that all carry the market.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL, TRADING_DAYS_PER_YEAR


class FactorKind(StrEnum):
    MARKET = "market"
    STYLE = "style"
    SPREAD = "spread"
    RATES = "rates"


class FactorMethod(StrEnum):
    """Estimators of security loadings (see docs/methodology.md, "Factor exposures")."""

    OLS = "ols"
    RIDGE = "ridge"


@dataclass(frozen=True)
class FactorDefinition:
    """One factor: a stable ``key`` (stored and served), a display ``name``, its kind,
    the symbol whose return it is (``long``) minus an optional ``short`` leg."""

    key: str
    name: str
    kind: FactorKind
    long: str
    short: str | None
    description: str

    @property
    def proxy(self) -> str:
        """The symbol that defines the factor (its long leg)."""
        return self.long

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self.long,) if self.short is None else (self.long, self.short)


def _style(key: str, name: str, etf: str, kind: FactorKind, what: str) -> FactorDefinition:
    return FactorDefinition(key, name, kind, etf, MARKET_INDEX_SYMBOL, f"{what} ({etf} - S&P 500)")


#: Every factor, in display order. The first is the market; keys never change.
FACTORS: Final[tuple[FactorDefinition, ...]] = (
    FactorDefinition(
        "market",
        "Market",
        FactorKind.MARKET,
        MARKET_INDEX_SYMBOL,
        None,
        "S&P 500 return: the broad US equity market",
    ),
    _style("momentum", "Momentum", "MTUM", FactorKind.STYLE, "recent winners over the market"),
    _style("quality", "Quality", "QUAL", FactorKind.STYLE, "profitable, low-debt firms"),
    _style("size", "Size", "SIZE", FactorKind.STYLE, "equal-weighted size tilt"),
    _style("low_volatility", "Low volatility", "USMV", FactorKind.STYLE, "minimum variance"),
    _style("value", "Value", "VLUE", FactorKind.STYLE, "cheap firms by MSCI value metrics"),
    _style("growth", "Growth", "VUG", FactorKind.SPREAD, "Vanguard growth stocks"),
    _style("value_vtv", "Value (VTV)", "VTV", FactorKind.SPREAD, "Vanguard value stocks"),
    _style("small_cap", "Small cap", "IWM", FactorKind.SPREAD, "Russell 2000 small caps"),
    FactorDefinition(
        "rates",
        "Rates",
        FactorKind.RATES,
        "TLT",
        None,
        "long Treasury bond return (20+ years): falls when rates rise",
    ),
)

FACTOR_KEYS: Final[tuple[str, ...]] = tuple(f.key for f in FACTORS)
FACTORS_BY_KEY: Final[dict[str, FactorDefinition]] = {f.key: f for f in FACTORS}
#: Every symbol a factor needs prices of.
FACTOR_SYMBOLS: Final[tuple[str, ...]] = tuple(sorted({s for f in FACTORS for s in f.symbols}))

#: Sessions per regression window (one trading year) and the fewest usable returns.
FACTOR_WINDOW: Final = TRADING_DAYS_PER_YEAR
FACTOR_MIN_OBS: Final = 126
#: Ridge penalty per observation on standardised factors: alpha = RIDGE_PENALTY * n.
RIDGE_PENALTY: Final = 0.1
#: A factor's variance inflation factor above this is flagged (collinear factors).
VIF_THRESHOLD: Final = 10.0
#: Condition number of the factors' correlation matrix above this is flagged.
CONDITION_THRESHOLD: Final = 30.0
