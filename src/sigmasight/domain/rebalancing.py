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
