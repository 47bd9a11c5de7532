"""Target allocations of a portfolio (the rebalancing family's user-set rows).

Weights are fractions of NAV (0.25 = 25 %), the exposure convention of the risk views:
delta-adjusted exposure / NAV. A target is point in time: each row is one version, valid
from ``effective_from`` (inclusive) to ``effective_to`` (exclusive; None while it is the
current version). A change or a deletion closes the current version instead of
overwriting it, so the batch evaluates each date against the targets valid on it. One
current version per portfolio, level and key.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from sigmasight.domain.rebalancing import RebalanceFrequency, TargetLevel, ThresholdKind
from sigmasight.storage.models import Base
from sigmasight.storage.types import UTCDateTime, enum_column, utcnow

TARGET_KEY = 64


class PortfolioTarget(Base):
    __tablename__ = "portfolio_targets"
    __table_args__ = (
        Index(
            "uq_portfolio_targets_current",
            "portfolio_id",
            "level",
            "key",
            unique=True,
            sqlite_where=text("effective_to IS NULL"),
            postgresql_where=text("effective_to IS NULL"),
        ),
        CheckConstraint("min_weight <= target_weight AND target_weight <= max_weight", name="band"),
        CheckConstraint(
            "effective_to IS NULL OR effective_from <= effective_to", name="effective_order"
        ),
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
    #: First date the version applies to (a session or not; inclusive).
    effective_from: Mapped[date] = mapped_column(Date)
    #: First date it no longer applies to (the change or deletion date); None: current.
    effective_to: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @classmethod
    def valid_on(cls, day: date) -> Any:
        """SQL condition: the version applies to ``day``."""
        return and_(
            cls.effective_from <= day, or_(cls.effective_to.is_(None), cls.effective_to > day)
        )


def targets_on(session: Session, portfolio_id: int, as_of: date | None) -> list[PortfolioTarget]:
    """A portfolio's target versions valid on ``as_of`` (None: the current ones), in the
    order they were added."""
    t = PortfolioTarget
    valid = t.valid_on(as_of) if as_of is not None else t.effective_to.is_(None)
    return list(
        session.scalars(select(t).where(t.portfolio_id == portfolio_id, valid).order_by(t.id))
    )


class PortfolioTargetDrift(Base):
    """A target's weight on a date as the batch computed it (history of the drift).

    Keyed by level and key, not by the target's id: replacing a portfolio's targets keeps
    the history of the keys that stay."""

    __tablename__ = "portfolio_target_drift"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(TARGET_KEY), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)
    target_weight: Mapped[float] = mapped_column(Float)
    min_weight: Mapped[float] = mapped_column(Float)
    max_weight: Mapped[float] = mapped_column(Float)
    drift: Mapped[float] = mapped_column(Float)  # weight - target
    in_band: Mapped[bool] = mapped_column(Boolean)
    #: The threshold is exceeded (or, without a threshold, the band is left).
    breach: Mapped[bool] = mapped_column(Boolean)
    #: The first session of the target's calendar period (its frequency).
    scheduled: Mapped[bool] = mapped_column(Boolean)


class RebalancingEvent(Base):
    """A rebalancing: triggered by the batch (threshold, scheduled) or made by a user
    (manual); ``pending`` until approved and completed, cancelled, or failed.

    The batch writes only the key and the proposal columns, so a rerun never touches a
    decision (``status`` and what follows keep their values)."""

    __tablename__ = "rebalancing_events"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "trigger_key", name="uq_rebalancing_events_trigger"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    #: ``threshold:<date>`` / ``scheduled:<date>`` from the batch; unique per manual event.
    trigger_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # threshold | scheduled | manual
    trigger_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    proposal: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    post_state: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    failure: Mapped[str | None] = mapped_column(Text, default=None)
    #: The user who made a manual event; None for the batch's, which carry no clock time
    #: (the batch reads no clock): their date is ``trigger_date``.
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class RebalancingAudit(Base):
    """Who did what to an event, and when (append only)."""

    __tablename__ = "rebalancing_audit"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("rebalancing_events.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(Integer)  # None: the batch
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(16))  # created | approved | cancelled | ...
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class PortfolioRiskLimit(Base):
    """A user-set bound on a portfolio figure: ``var_95``, ``volatility``, ``beta``,
    ``sector_weight`` (of sector ``key``) or ``single_name_weight`` (of any one symbol)."""

    __tablename__ = "portfolio_risk_limits"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "metric", "key", name="uq_portfolio_risk_limits_key"),
        CheckConstraint("lower IS NOT NULL OR upper IS NOT NULL", name="some_bound"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    metric: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(TARGET_KEY), default="")
    lower: Mapped[float | None] = mapped_column(Float, default=None)
    upper: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PortfolioRiskAlert(Base):
    """A limit breached on a date (batch history): the figure and the bounds in force."""

    __tablename__ = "portfolio_risk_alerts"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: The sector of a sector limit, the symbol of a single-name breach, else "".
    key: Mapped[str] = mapped_column(String(TARGET_KEY), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    lower: Mapped[float | None] = mapped_column(Float)
    upper: Mapped[float | None] = mapped_column(Float)
