"""Target allocations of a portfolio (the rebalancing family's user-set rows).

Weights are fractions of NAV (0.25 = 25 %), the exposure convention of the risk views:
delta-adjusted exposure / NAV. One row per portfolio, level and key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.domain.rebalancing import RebalanceFrequency, TargetLevel, ThresholdKind
from sigmasight.storage.models import Base
from sigmasight.storage.types import UTCDateTime, enum_column, utcnow

TARGET_KEY = 64


class PortfolioTarget(Base):
    __tablename__ = "portfolio_targets"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "level", "key", name="uq_portfolio_targets_key"),
        CheckConstraint("min_weight <= target_weight AND target_weight <= max_weight", name="band"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[TargetLevel] = mapped_column(enum_column(TargetLevel, "target_level"))
    key: Mapped[str] = mapped_column(String(TARGET_KEY))
    target_weight: Mapped[float] = mapped_column(Float)
    min_weight: Mapped[float] = mapped_column(Float)
    max_weight: Mapped[float] = mapped_column(Float)
    threshold_kind: Mapped[ThresholdKind | None] = mapped_column(
        enum_column(ThresholdKind, "threshold_kind"), default=None
    )
    threshold: Mapped[float | None] = mapped_column(Float, default=None)
    frequency: Mapped[RebalanceFrequency] = mapped_column(
        enum_column(RebalanceFrequency, "rebalance_frequency"), default=RebalanceFrequency.NONE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
