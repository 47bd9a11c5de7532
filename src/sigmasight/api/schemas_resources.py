"""Request and response schemas of the resource routes, kept apart from the ORM models.

Money, quantities and prices are exact decimals and are returned as JSON **strings**
(``"1250.50"``) so no client parses them into binary floats; requests may send them as
strings or numbers. Market data (prices, market caps) are floats, as stored. Write
schemas forbid unknown fields, so a misspelt field is an error rather than ignored.

:func:`service_errors` turns the service layer's refusals into API errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any, ClassVar

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from sigmasight.api.errors import ApiError
from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.domain.enums import (
    AccountType,
    AssetType,
    EquityChangeType,
    InvestmentClass,
    InvestmentSubtype,
    PositionType,
)
from sigmasight.domain.numbers import is_plain_decimal
from sigmasight.domain.positions import OptionType, is_market_symbol
from sigmasight.services.portfolio_import_rules import MAX_DECIMALS
from sigmasight.services.resources import ConflictError, InvalidError, NotFoundError, ResourceError
from sigmasight.services.resources.common import LimitError
from sigmasight.storage.models import MONEY, QUANTITY

_STATUS = {NotFoundError: 404, ConflictError: 409, InvalidError: 422, LimitError: 429}


def service_errors() -> Iterator[None]:
    """Router dependency: a service's refusal becomes the API error with the same code."""
    try:
        yield
    except ResourceError as exc:
        status = next((s for kind, s in _STATUS.items() if isinstance(exc, kind)), 400)
        raise ApiError(status, exc.code, exc.message, exc.details) from exc


class ErrorBody(BaseModel):
    """Every error response: a stable code, a sentence, and details where useful."""

    code: str
    message: str
    details: Any = None


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a router answers with."""
    return {status: {"model": ErrorBody} for status in (401, *statuses)}


#: Database ids are 32-bit; a larger number can name nothing (and must not reach SQL).
MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _market_symbol(value: str) -> str:
    if not is_market_symbol(value):
        raise ValueError("not a market symbol (a ticker such as SPY or ^GSPC)")
    return value


def _at_scale(places: int) -> PlainSerializer:
    """Write a decimal at the column's scale, rounded as the column rounds, so a value is
    returned the same way just after it is written as when it is read back."""
    quantum = Decimal(1).scaleb(-places)
    return PlainSerializer(
        lambda v: str(v.quantize(quantum, ROUND_HALF_EVEN)), return_type=str, when_used="json"
    )


#: Responses: money at 2 decimals, quantities and prices at 6 (as stored).
MoneyOut = Annotated[Decimal, _at_scale(MONEY.scale)]
ExactOut = Annotated[Decimal, _at_scale(QUANTITY.scale)]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")  # PostgreSQL refuses them
    return value


def _plain_number(value: Any) -> Any:
    """A number sent as text must be a plain ASCII decimal: Python would also read
    "1_000", "1e3", Arabic-Indic or full-width digits."""
    if isinstance(value, str) and not is_plain_decimal(value):
        raise ValueError("not a plain decimal: digits 0-9, an optional sign and point")
    return value


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)


def _iso_day(value: Any) -> Any:
    """Dates are written YYYY-MM-DD: a number (``as_of=0``) is not read as a Unix time."""
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        return value.strip()
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


#: A calendar date as YYYY-MM-DD, from 1900 to 2100.
IsoDate = Annotated[date, BeforeValidator(_iso_day), Field(ge=EARLIEST_DATE, le=LATEST_DATE)]
Text = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_no_nul)]
Money = Annotated[Decimal, BeforeValidator(_plain_number), Field(max_digits=18, decimal_places=2)]
#: As many digits as the columns keep (12 before the point, 6 after).
Amount = Annotated[
    Decimal,
    BeforeValidator(_plain_number),
    Field(max_digits=25, decimal_places=MAX_DECIMALS),
]
PortfolioName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_nul),
]
Currency = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
]
Benchmark = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, max_length=32),
    AfterValidator(_market_symbol),
]
TagName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    AfterValidator(_no_nul),
]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class _Write(BaseModel):
    """A request body; ``REQUIRED`` fields of a partial update may be left out, not nulled."""

    model_config = ConfigDict(extra="forbid")
    REQUIRED: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_required(self) -> Any:
        nulled = sorted(
            f for f in self.REQUIRED & self.model_fields_set if getattr(self, f) is None
        )
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        return self

    def values(self) -> dict[str, Any]:
        """Every field, defaults included (for a create)."""
        return {f: getattr(self, f) for f in type(self).model_fields}

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent (for a partial update)."""
        return {f: getattr(self, f) for f in self.model_fields_set}


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- portfolios -------------------------------------------------------------------------


class PortfolioCreate(_Write):
    name: PortfolioName
    account_type: AccountType = AccountType.TAXABLE
    base_currency: Currency = "USD"
    equity_balance: Annotated[Money, Field(ge=0)] = Decimal(0)
    primary_benchmark: Benchmark = MARKET_INDEX_SYMBOL
    description: Text | None = None


class PortfolioUpdate(_Write):
    REQUIRED = frozenset(
        {"name", "account_type", "base_currency", "equity_balance", "primary_benchmark"}
    )

    name: PortfolioName | None = None
    account_type: AccountType | None = None
    base_currency: Currency | None = None
    equity_balance: Annotated[Money, Field(ge=0)] | None = None
    primary_benchmark: Benchmark | None = None
    description: Text | None = None


class PortfolioPublic(_Public):
    id: int
    name: str
    account_type: AccountType
    base_currency: str
    equity_balance: MoneyOut
    primary_benchmark: str
    description: str | None
    created_at: datetime
    position_count: int = Field(description="Live (not deleted) positions.")


# -- positions and tags -----------------------------------------------------------------


#: A bond holding's rate terms (stress tests: P&L under a rate change dy is
#: value x (-D dy + C dy^2 / 2)).
Duration = Annotated[
    Amount | None,
    Field(
        description="Years, within +/-100, for a bond holding (not an option or a private "
        "holding): P&L under a rate change dy is value x (-D dy + C dy^2 / 2)."
    ),
]
Convexity = Annotated[
    Amount | None,
    Field(description="Years squared, within +/-10,000; needs a modified duration."),
]


class PositionCreate(_Write):
    """A position (lot); the rules are the CSV import's (docs/methodology_import.md)."""

    symbol: Annotated[str, StringConstraints(max_length=100)]
    quantity: Amount = Field(description="Shares or contracts; negative means short.")
    entry_price: Amount = Field(description="Per share, also for options.")
    entry_date: IsoDate
    investment_class: InvestmentClass | None = Field(None, description="Inferred if null.")
    investment_subtype: InvestmentSubtype | None = None
    underlying_symbol: Annotated[str, StringConstraints(max_length=100)] | None = None
    strike: Amount | None = None
    expiry: IsoDate | None = None
    option_type: OptionType | None = None
    exit_date: IsoDate | None = None
    exit_price: Amount | None = None
    modified_duration: Duration = None
    convexity: Convexity = None
    notes: Text | None = None


class PositionUpdate(_Write):
    """Fields to change; the position as changed must still pass every rule."""

    REQUIRED = frozenset({"symbol", "quantity", "entry_price", "entry_date"})

    symbol: Annotated[str, StringConstraints(max_length=100)] | None = None
    quantity: Amount | None = None
    entry_price: Amount | None = None
    entry_date: IsoDate | None = None
    investment_class: InvestmentClass | None = None
    investment_subtype: InvestmentSubtype | None = None
    underlying_symbol: Annotated[str, StringConstraints(max_length=100)] | None = None
    strike: Amount | None = None
    expiry: IsoDate | None = None
    option_type: OptionType | None = None
    exit_date: IsoDate | None = None
    exit_price: Amount | None = None
    modified_duration: Duration = None
    convexity: Convexity = None
    notes: Text | None = None


class TagCreate(_Write):
    name: TagName
    color: Color = "#6b7280"


class TagUpdate(_Write):
    REQUIRED = frozenset({"name", "color"})

    name: TagName | None = None
    color: Color | None = None


class TagPublic(_Public):
    id: int
    name: str
    color: str
    created_at: datetime


class PositionTagsUpdate(_Write):
    tag_ids: list[Id] = Field(max_length=100, description="The position's tags, replacing all.")


class PositionPublic(_Public):
    id: int
    portfolio_id: int
    symbol: str
    position_type: PositionType
    investment_class: InvestmentClass
    investment_subtype: InvestmentSubtype | None
    quantity: ExactOut
    entry_price: ExactOut
    entry_date: date
    exit_price: ExactOut | None
    exit_date: date | None
    underlying_symbol: str | None
    strike: ExactOut | None
    expiry: date | None
    modified_duration: float | None = Field(description="Years; null: none set.")
    convexity: float | None = Field(description="Years squared; null: none set.")
    notes: str | None
    created_at: datetime
    tags: list[TagPublic] = Field(description="By name.")

    @field_validator("tags")
    @classmethod
    def _by_name(cls, tags: list[TagPublic]) -> list[TagPublic]:
        return sorted(tags, key=lambda tag: tag.name)


# -- equity changes ---------------------------------------------------------------------


class EquityChangeCreate(_Write):
    change_type: EquityChangeType
    amount: Annotated[Money, Field(gt=0, description="Positive; the type gives the sign.")]
    change_date: IsoDate
    notes: Text | None = None


class EquityChangePublic(_Public):
    id: int
    portfolio_id: int
    change_type: EquityChangeType
    amount: MoneyOut
    change_date: date
    notes: str | None
    created_at: datetime


# -- market data ------------------------------------------------------------------------


class SecurityPublic(_Public):
    symbol: str
    name: str | None
    asset_type: AssetType
    sector: str | None
    industry: str | None
    market_cap: float | None
    currency: str
    is_etf: bool
    updated_at: datetime


class PricePublic(_Public):
    date: date
    open: float | None
    high: float | None
    low: float | None
    close: float
    adj_close: float | None
    volume: int | None
    source: str


class PriceHistory(BaseModel):
    symbol: str
    start: date
    end: date
    prices: list[PricePublic]


# -- batch runs -------------------------------------------------------------------------


class BatchRunCreate(_Write):
    start: IsoDate | None = Field(None, description="First day; default: end.")
    end: IsoDate | None = Field(None, description="Last day; default: last market session.")
    portfolio_ids: list[Id] | None = Field(
        None, max_length=1000, description="Default: all your portfolios."
    )


class BatchRunPublic(_Public):
    id: str
    kind: str = Field(description="daily or backfill")
    status: str = Field(description="queued, running, succeeded, partial, failed, abandoned")
    start_date: date
    end_date: date
    started_at: datetime
    finished_at: datetime | None
    timings: dict[str, float] = Field(description="Seconds per step.")
    errors: dict[str, str] = Field(description='By portfolio id; "0" is the run itself.')
    portfolios: int
    failed: int
    skipped: dict[str, str] = Field(
        description="By portfolio id: why it got no figure, or which holdings had no price."
    )
