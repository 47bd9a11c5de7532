"""SQLAlchemy 2.0 typed declarative models.

Money, quantities and strikes are :class:`ExactDecimal`. Market data (prices, market
caps) are float64: they arrive from providers as binary floats and feed float64 numeric
kernels, so an exact type would add conversion cost without adding exactness.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.domain.enums import (
    AccountType,
    AssetType,
    EquityChangeType,
    InvestmentClass,
    InvestmentSubtype,
    PositionType,
)
from sigmasight.storage.types import ExactDecimal, UTCDateTime, enum_column, utcnow

#: Deterministic constraint names, so migrations can address them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SYMBOL = 32
MONEY = ExactDecimal(18, 2)
QUANTITY = ExactDecimal(18, 6)
PRICE = ExactDecimal(18, 6)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def new_session_key() -> str:
    """A random key every token and cookie of a user carries (128 bits, hex)."""
    return secrets.token_hex(16)


class User(Base):
    __tablename__ = "users"
    # AUTOINCREMENT: SQLite would otherwise give a deleted user's id to the next one.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Changed on a password change: every token and cookie issued before stops working.
    session_key: Mapped[str] = mapped_column(String(32), default=new_session_key)

    portfolios: Mapped[list[Portfolio]] = relationship(back_populates="owner")


class Portfolio(Base):
    __tablename__ = "portfolios"
    __table_args__ = (
        # Unique among live portfolios only: a soft-deleted name can be reused.
        Index(
            "uq_portfolios_owner_name_live",
            "owner_id",
            "name",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        {"sqlite_autoincrement": True},  # ids are never reused
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    account_type: Mapped[AccountType] = mapped_column(
        enum_column(AccountType, "account_type"), default=AccountType.TAXABLE
    )
    base_currency: Mapped[str] = mapped_column(String(3), default="USD")
    equity_balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    primary_benchmark: Mapped[str] = mapped_column(String(SYMBOL), default=MARKET_INDEX_SYMBOL)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    owner: Mapped[User] = relationship(back_populates="portfolios")
    positions: Mapped[list[Position]] = relationship(back_populates="portfolio")


class Position(Base):
    __tablename__ = "positions"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="nonzero_quantity"),
        CheckConstraint("exit_date IS NULL OR exit_date >= entry_date", name="exit_after_entry"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    symbol: Mapped[str] = mapped_column(String(SYMBOL), index=True)
    position_type: Mapped[PositionType] = mapped_column(enum_column(PositionType, "position_type"))
    investment_class: Mapped[InvestmentClass] = mapped_column(
        enum_column(InvestmentClass, "investment_class")
    )
    investment_subtype: Mapped[InvestmentSubtype | None] = mapped_column(
        enum_column(InvestmentSubtype, "investment_subtype"), default=None
    )
    #: Signed: a short position has a negative quantity.
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    entry_price: Mapped[Decimal] = mapped_column(PRICE)
    entry_date: Mapped[date] = mapped_column(Date)
    exit_price: Mapped[Decimal | None] = mapped_column(PRICE, default=None)
    exit_date: Mapped[date | None] = mapped_column(Date, default=None)
    underlying_symbol: Mapped[str | None] = mapped_column(String(SYMBOL), default=None)
    strike: Mapped[Decimal | None] = mapped_column(PRICE, default=None)
    expiry: Mapped[date | None] = mapped_column(Date, default=None)
    #: Modified duration (years) and convexity (years squared) of a bond holding, set by
    #: its owner: its P&L under a rate change dy is value x (-D dy + C dy^2 / 2)
    #: (docs/methodology.md, "Rate sensitivity of bond holdings"). None: not rate-sensitive
    #: by duration.
    modified_duration: Mapped[float | None] = mapped_column(Float, default=None)
    convexity: Mapped[float | None] = mapped_column(Float, default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    portfolio: Mapped[Portfolio] = relationship(back_populates="positions")
    tags: Mapped[list[Tag]] = relationship(secondary="position_tags", back_populates="positions")


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_tags_user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    color: Mapped[str] = mapped_column(String(7), default="#6b7280")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    positions: Mapped[list[Position]] = relationship(
        secondary="position_tags", back_populates="tags"
    )


class PositionTag(Base):
    __tablename__ = "position_tags"

    position_id: Mapped[int] = mapped_column(
        ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Security(Base):
    __tablename__ = "securities"

    symbol: Mapped[str] = mapped_column(String(SYMBOL), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    asset_type: Mapped[AssetType] = mapped_column(
        enum_column(AssetType, "asset_type"), default=AssetType.STOCK
    )
    sector: Mapped[str | None] = mapped_column(String(64), default=None)
    industry: Mapped[str | None] = mapped_column(String(128), default=None)
    market_cap: Mapped[float | None] = mapped_column(Float, default=None)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    is_etf: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DailyPrice(Base):
    __tablename__ = "daily_prices"
    __table_args__ = (
        CheckConstraint("close > 0", name="positive_close"),
        Index("ix_daily_prices_date", "date"),
    )

    symbol: Mapped[str] = mapped_column(String(SYMBOL), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    open: Mapped[float | None] = mapped_column(Float, default=None)
    high: Mapped[float | None] = mapped_column(Float, default=None)
    low: Mapped[float | None] = mapped_column(Float, default=None)
    close: Mapped[float] = mapped_column(Float)
    adj_close: Mapped[float | None] = mapped_column(Float, default=None)
    volume: Mapped[int | None] = mapped_column(BigInteger, default=None)
    source: Mapped[str] = mapped_column(String(32))


class EquityChange(Base):
    __tablename__ = "equity_changes"
    __table_args__ = (CheckConstraint("amount > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    change_type: Mapped[EquityChangeType] = mapped_column(
        enum_column(EquityChangeType, "equity_change_type")
    )
    #: Always positive; the direction is ``change_type``.
    amount: Mapped[Decimal] = mapped_column(MONEY)
    change_date: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RevokedToken(Base):
    """A JWT id, a token family (one login's refresh chain) or a web session id revoked
    by logout or by reuse; kept until everything it names would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DataRevision(Base):
    """One row whose ``value`` every committed unit of work increments.

    Readers stamp what they cache with it: an answer cached at revision ``r`` is served
    only while the revision is still ``r``, so a write from any process invalidates it.
    """

    __tablename__ = "data_revision"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class LoginAttempt(Base):
    """Failed (and in-flight) logins per throttle key, in a fixed window.

    Kept in the database so every worker process counts the same attempts; a key is
    the SHA-256 of what it limits (an account, a client address, or both)."""

    __tablename__ = "login_attempts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    #: Seconds since the epoch when the window of this key began.
    window_start: Mapped[float] = mapped_column(Float)
