"""History of option Greeks: one row per option position and date.

Greeks are stored per share of the underlying (one option on one share), in the units
of :data:`sigmasight.analytics.options.GREEK_UNITS`; a contract is ``multiplier`` of
them and the position ``contracts`` (signed) contracts. The inputs the batch used (spot,
volatility and its source, rate, dividend yield, time to expiry) are kept beside them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.storage.models import Base


class OptionGreeks(Base):
    __tablename__ = "option_greeks"

    position_id: Mapped[int] = mapped_column(
        ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True
    )
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    underlying: Mapped[str] = mapped_column(String(32))
    spot: Mapped[float | None] = mapped_column(Float)
    strike: Mapped[float] = mapped_column(Float)
    expiry: Mapped[date] = mapped_column(Date)
    years_to_expiry: Mapped[float] = mapped_column(Float)
    volatility: Mapped[float | None] = mapped_column(Float)
    volatility_source: Mapped[str] = mapped_column(String(24))
    rate: Mapped[float] = mapped_column(Float)
    rate_source: Mapped[str] = mapped_column(String(24))
    dividend_yield: Mapped[float] = mapped_column(Float)
    contracts: Mapped[float] = mapped_column(Float)
    multiplier: Mapped[int] = mapped_column(Integer)
    is_call: Mapped[bool] = mapped_column(Boolean)
    price: Mapped[float | None] = mapped_column(Float)
    delta: Mapped[float | None] = mapped_column(Float)
    gamma: Mapped[float | None] = mapped_column(Float)
    vega: Mapped[float | None] = mapped_column(Float)
    theta: Mapped[float | None] = mapped_column(Float)
    rho: Mapped[float | None] = mapped_column(Float)
