"""One set of rules for positions, however they arrive (JSON or CSV).

A position written through the API is checked cell by cell with the CSV import's
:func:`~sigmasight.services.portfolio_import_rules.validate_row` (non-zero quantity,
positive price, option terms, dates not after today, exit not before entry...), then
with what the database columns can hold, which the import rules do not know.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sigmasight.domain.enums import InvestmentClass, InvestmentSubtype
from sigmasight.domain.positions import OptionType, ParsedPosition

# The import's duplicate check is reused so that a list sent as JSON is refused exactly
# where the same rows in a file would be.
from sigmasight.services.portfolio_import import RowError, _duplicates, parse_portfolio_csv
from sigmasight.services.portfolio_import_rules import Column, validate_row
from sigmasight.services.resources.common import InvalidError
from sigmasight.storage.models import SYMBOL

OUT_OF_RANGE = "OUT_OF_RANGE"
#: Quantities and prices are NUMERIC(18, 6): below 10**12, in steps of 10**-6.
_STORED_LIMIT = Decimal(10) ** 12
_STORED_QUANTUM = Decimal("0.000001")


@dataclass(frozen=True)
class PositionDraft:
    """A position as an API client writes it, before any check."""

    symbol: str | None = None
    quantity: Decimal | None = None
    entry_price: Decimal | None = None
    entry_date: date | None = None
    investment_class: InvestmentClass | None = None
    investment_subtype: InvestmentSubtype | None = None
    underlying_symbol: str | None = None
    strike: Decimal | None = None
    expiry: date | None = None
    option_type: OptionType | None = None
    exit_date: date | None = None
    exit_price: Decimal | None = None
    modified_duration: Decimal | float | None = None
    convexity: Decimal | float | None = None
    notes: str | None = None


#: The draft field each import column is read from (and errors are reported against).
FIELD_OF_COLUMN: Mapping[Column, str] = {
    Column.SYMBOL: "symbol",
    Column.QUANTITY: "quantity",
    Column.ENTRY_PRICE: "entry_price",
    Column.ENTRY_DATE: "entry_date",
    Column.INVESTMENT_CLASS: "investment_class",
    Column.INVESTMENT_SUBTYPE: "investment_subtype",
    Column.UNDERLYING: "underlying_symbol",
    Column.STRIKE: "strike",
    Column.EXPIRY: "expiry",
    Column.OPTION_TYPE: "option_type",
    Column.EXIT_DATE: "exit_date",
    Column.EXIT_PRICE: "exit_price",
    Column.MODIFIED_DURATION: "modified_duration",
    Column.CONVEXITY: "convexity",
}
_FIELD_OF_NAME = {column.value: field for column, field in FIELD_OF_COLUMN.items()}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")  # plain notation: the import refuses exponents
    if isinstance(value, float):  # a stored duration: its shortest exact decimal
        return format(Decimal(repr(value)), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def storage_errors(p: ParsedPosition) -> list[RowError]:
    """What the import rules allow but the columns cannot hold: symbols longer than the
    column, magnitudes of 10**12 or more, a quantity or price that rounds to zero."""
    errors = []
    for column, text in ((Column.SYMBOL, p.symbol), (Column.UNDERLYING, p.underlying_symbol)):
        if text is not None and len(text) > SYMBOL:
            message = f"{column} has {len(text)} characters; at most {SYMBOL} can be stored."
            errors.append(RowError(p.source_row, column.value, OUT_OF_RANGE, message))
    sizes = (
        (Column.QUANTITY, p.quantity),
        (Column.ENTRY_PRICE, p.entry_price),
        (Column.STRIKE, p.strike),
        (Column.EXIT_PRICE, p.exit_price),
    )
    for column, value in sizes:
        if value is None:
            continue
        stored = value.quantize(_STORED_QUANTUM, ROUND_HALF_EVEN)
        if abs(stored) >= _STORED_LIMIT or (stored == 0 and column is not Column.EXIT_PRICE):
            message = (
                f"{column} {value} cannot be stored: it must be below 10^12 in size and "
                "must not round to zero at 6 decimals."
            )
            errors.append(RowError(p.source_row, column.value, OUT_OF_RANGE, message))
    return errors


def validate_drafts(drafts: Sequence[PositionDraft], *, today: date) -> list[ParsedPosition]:
    """Check drafts as rows of one import file, all or nothing.

    Returns
    -------
    list[ParsedPosition]
        One per draft, in order, when every draft is valid.

    Raises
    ------
    InvalidError
        ``INVALID_POSITION`` with details ``[{row, field, code, message}]`` for every
        problem; ``row`` is the draft's 1-based place in ``drafts``.
    """
    errors: list[RowError] = []
    parsed: list[ParsedPosition] = []
    for row, draft in enumerate(drafts, start=1):
        cells = {column: _cell(getattr(draft, f)) for column, f in FIELD_OF_COLUMN.items()}
        position, row_errors = validate_row(row, cells, today=today)
        errors.extend(row_errors)
        if position is not None:
            errors.extend(storage_errors(position))
            parsed.append(position)
    errors.extend(_duplicates(parsed))
    if errors:
        details = [
            {
                "row": e.row,
                "field": _FIELD_OF_NAME.get(e.column or ""),
                "code": e.code,
                "message": e.message,
            }
            for e in sorted(errors, key=lambda e: e.row)
        ]
        raise InvalidError("INVALID_POSITION", f"{len(errors)} problem(s); nothing saved.", details)
    return parsed


def parse_import(data: bytes, today: date) -> list[ParsedPosition]:
    """A CSV file's positions, or ``InvalidError("IMPORT_ERRORS")`` listing every bad row."""
    result = parse_portfolio_csv(data, today=today)
    errors = list(result.errors) or [e for p in result.positions for e in storage_errors(p)]
    if errors:
        raise import_errors(errors)
    return list(result.positions)


def import_errors(errors: Sequence[RowError]) -> InvalidError:
    """``IMPORT_ERRORS`` with details ``[{row, column, code, message}]`` (row = file line)."""
    details = [asdict(e) for e in errors]
    return InvalidError(
        "IMPORT_ERRORS", f"{len(errors)} error(s) in the file; nothing saved.", details
    )
