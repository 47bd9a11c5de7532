"""Request and response schemas of the rebalancing family (targets).

Weights are fractions of NAV (0.25 = 25 %) on the delta-adjusted exposure convention.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from sigmasight.api.schemas_resources import _no_nul, _Public, _Write
from sigmasight.domain.rebalancing import (
    RebalanceFrequency,
    RiskLimitMetric,
    TargetLevel,
    ThresholdKind,
)
from sigmasight.storage.rebalancing import TARGET_KEY

Weight = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
TargetKey = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TARGET_KEY),
    AfterValidator(_no_nul),
]


class Threshold(BaseModel):
    """Drift that triggers a review: ``absolute`` |w − target| or ``relative``
    |w − target| / target, above ``value``."""

    model_config = ConfigDict(extra="forbid")

    kind: ThresholdKind
    value: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]


class TargetCreate(_Write):
    level: TargetLevel
    key: TargetKey = Field(description="A symbol, GICS sector (or ETF), investment class or tag.")
    target_weight: Weight
    min_weight: Weight
    max_weight: Weight
    threshold: Threshold | None = None
    frequency: RebalanceFrequency = RebalanceFrequency.NONE

    def draft_fields(self) -> dict[str, Any]:
        return _draft_fields(self.values())


class TargetUpdate(_Write):
    REQUIRED = frozenset({"level", "key", "target_weight", "min_weight", "max_weight", "frequency"})

    level: TargetLevel | None = None
    key: TargetKey | None = None
    target_weight: Weight | None = None
    min_weight: Weight | None = None
    max_weight: Weight | None = None
    threshold: Threshold | None = None
    frequency: RebalanceFrequency | None = None

    def draft_changes(self) -> dict[str, Any]:
        return _draft_fields(self.changes())


def _draft_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The request's fields as the service's draft fields (the threshold split in two)."""
    out = {k: v for k, v in values.items() if k != "threshold"}
    if "threshold" in values:
        threshold = values["threshold"]
        out["threshold_kind"] = threshold.kind if threshold else None
        out["threshold"] = threshold.value if threshold else None
    return out


class TargetPublic(_Public):
    id: int
    portfolio_id: int
    level: TargetLevel
    key: str
    target_weight: float
    min_weight: float
    max_weight: float
    threshold: Threshold | None
    frequency: RebalanceFrequency
    effective_from: date = Field(description="First date this version applies to.")
    effective_to: date | None = Field(description="First date it no longer applies to.")
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _threshold(cls, row: Any) -> Any:
        if isinstance(row, dict):
            return row
        values = {f: getattr(row, f) for f in cls.model_fields if f != "threshold"}
        kind = getattr(row, "threshold_kind", None)
        values["threshold"] = {"kind": kind, "value": row.threshold} if kind else None
        return values


Bound = Annotated[float, Field(ge=-1e6, le=1e6, allow_inf_nan=False)]


class LimitCreate(_Write):
    """A bound on ``metric``; ``key`` is the sector of a ``sector_weight`` limit."""

    metric: RiskLimitMetric
    key: Annotated[str, StringConstraints(max_length=TARGET_KEY), AfterValidator(_no_nul)] = ""
    lower: Bound | None = None
    upper: Bound | None = None


class LimitPublic(_Public):
    id: int
    portfolio_id: int
    metric: str
    key: str
    lower: float | None
    upper: float | None
    created_at: datetime


class AlertPublic(_Public):
    portfolio_id: int
    calc_date: date
    metric: str
    key: str
    value: float
    lower: float | None
    upper: float | None
