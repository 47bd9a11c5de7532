"""Vocabulary of target allocations and rebalancing (values are stored; never rename)."""

from __future__ import annotations

from enum import StrEnum


class TargetLevel(StrEnum):
    """What a target weighs: one symbol, a GICS sector, an investment class, or a tag."""

    SYMBOL = "symbol"
    SECTOR = "sector"
    ASSET_CLASS = "asset_class"
    TAG = "tag"


class ThresholdKind(StrEnum):
    """How drift is measured against a threshold.

    ``absolute``: ``|w - target|`` (0.05 = five percentage points);
    ``relative``: ``|w - target| / target`` (0.2 = a fifth of the target).
    """

    ABSOLUTE = "absolute"
    RELATIVE = "relative"


class RebalanceFrequency(StrEnum):
    """Calendar review of a target: the first session of each period triggers a review."""

    NONE = "none"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"


class RiskLimitMetric(StrEnum):
    """Figures a risk limit bounds (fractions of NAV; volatility annualised; VaR 1-day
    historical 95 %, positive = loss; beta the exposure-weighted beta)."""

    VAR_95 = "var_95"
    VOLATILITY = "volatility"
    BETA = "beta"
    SECTOR_WEIGHT = "sector_weight"
    SINGLE_NAME_WEIGHT = "single_name_weight"
