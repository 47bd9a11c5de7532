"""Row rules of the portfolio CSV import: columns, error codes, messages and field checks.

:func:`validate_row` turns the text cells of one data row into a
:class:`~sigmasight.domain.positions.ParsedPosition`, or into every :class:`RowError` the
row has. File-level checks (size, encoding, header, duplicates) live in
:mod:`sigmasight.services.portfolio_import`; the format is described in
``docs/methodology_import.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final, TypeVar

from sigmasight.domain.enums import InvestmentClass, InvestmentSubtype
from sigmasight.domain.positions import (
    OccSymbol,
    OptionType,
    ParsedPosition,
    format_occ_symbol,
    is_market_symbol,
    is_private_holding_name,
    looks_like_occ_symbol,
    parse_occ_symbol,
    position_type_for,
)
from sigmasight.domain.stress import MAX_ABS_CONVEXITY, MAX_ABS_MODIFIED_DURATION


class ImportErrorCode(StrEnum):
    """Stable machine-readable codes of import errors: add members, never rename them."""

    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    BAD_ENCODING = "BAD_ENCODING"
    EMPTY_FILE = "EMPTY_FILE"
    NO_DATA_ROWS = "NO_DATA_ROWS"
    MALFORMED_CSV = "MALFORMED_CSV"
    MISSING_COLUMN = "MISSING_COLUMN"
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    DUPLICATE_COLUMN = "DUPLICATE_COLUMN"
    WRONG_COLUMN_COUNT = "WRONG_COLUMN_COUNT"
    TOO_MANY_ROWS = "TOO_MANY_ROWS"
    MISSING_VALUE = "MISSING_VALUE"
    BAD_SYMBOL = "BAD_SYMBOL"
    BAD_NUMBER = "BAD_NUMBER"
    ZERO_QUANTITY = "ZERO_QUANTITY"
    FRACTIONAL_CONTRACTS = "FRACTIONAL_CONTRACTS"
    SHORT_PRIVATE = "SHORT_PRIVATE"
    NON_POSITIVE_PRICE = "NON_POSITIVE_PRICE"
    NEGATIVE_PRICE = "NEGATIVE_PRICE"
    BAD_DATE = "BAD_DATE"
    FUTURE_DATE = "FUTURE_DATE"
    EXIT_BEFORE_ENTRY = "EXIT_BEFORE_ENTRY"
    EXIT_PRICE_WITHOUT_DATE = "EXIT_PRICE_WITHOUT_DATE"
    EXIT_DATE_WITHOUT_PRICE = "EXIT_DATE_WITHOUT_PRICE"
    BAD_CLASS = "BAD_CLASS"
    BAD_SUBTYPE = "BAD_SUBTYPE"
    UNEXPECTED_OPTION_FIELD = "UNEXPECTED_OPTION_FIELD"
    OPTION_FIELDS_MISSING = "OPTION_FIELDS_MISSING"
    BAD_OPTION_TYPE = "BAD_OPTION_TYPE"
    BAD_OCC_SYMBOL = "BAD_OCC_SYMBOL"
    OCC_MISMATCH = "OCC_MISMATCH"
    EXPIRY_BEFORE_ENTRY = "EXPIRY_BEFORE_ENTRY"
    EXIT_AFTER_EXPIRY = "EXIT_AFTER_EXPIRY"
    DUPLICATE_ROW = "DUPLICATE_ROW"
    TOO_MANY_DECIMALS = "TOO_MANY_DECIMALS"
    SHORT_NOT_ALLOWED = "SHORT_NOT_ALLOWED"
    EXPIRY_TOO_FAR = "EXPIRY_TOO_FAR"
    DURATION_OUT_OF_RANGE = "DURATION_OUT_OF_RANGE"
    DURATION_NOT_APPLICABLE = "DURATION_NOT_APPLICABLE"
    CONVEXITY_WITHOUT_DURATION = "CONVEXITY_WITHOUT_DURATION"


_E = ImportErrorCode
_SAVE_AS_UTF8 = "Save it as 'CSV UTF-8' (in Excel: File > Save As > CSV UTF-8)."
_BOTH_EXIT = "a closed position needs both, an open one neither."
#: One sentence per code; ``{placeholders}`` are filled by :func:`error`.
MESSAGES: Final[Mapping[ImportErrorCode, str]] = {
    _E.FILE_TOO_LARGE: "The file is {size:,} bytes; the limit is {limit:,} bytes.",
    _E.BAD_ENCODING: "{detail} " + _SAVE_AS_UTF8,
    _E.EMPTY_FILE: "The file is empty: it has no header line, only blank or comment lines.",
    _E.NO_DATA_ROWS: "The file has a header but no positions below it.",
    _E.MALFORMED_CSV: "This line is not valid CSV ({detail}); look for an unbalanced "
    'double quote (") in it.',
    _E.MISSING_COLUMN: "The header has no '{column}' column, which is required.",
    _E.UNKNOWN_COLUMN: "The header column '{name}' is not a known column{hint}.",
    _E.DUPLICATE_COLUMN: "The column '{column}' appears more than once in the header.",
    _E.WRONG_COLUMN_COUNT: "This row has {found} values but the header has {expected} "
    "columns; check for a missing or extra comma (quote values that contain commas).",
    _E.TOO_MANY_ROWS: "The file has more than {limit:,} positions, the most one import takes.",
    _E.MISSING_VALUE: "{column} is empty; every position needs one.",
    _E.BAD_SYMBOL: "{column} '{value}' is not a valid {kind}.",
    _E.BAD_NUMBER: "{column} '{value}' is not a number; write it like {example} "
    "(a minus sign for negatives; no letters, exponents or brackets).",
    _E.ZERO_QUANTITY: "Quantity is '{value}'; enter the shares or contracts held "
    "(negative for a short position).",
    _E.FRACTIONAL_CONTRACTS: "Quantity is {value}, but options are held in whole contracts.",
    _E.SHORT_PRIVATE: "Quantity is {value}, but a private holding cannot be short.",
    _E.NON_POSITIVE_PRICE: "{column} is {value}; it must be greater than zero.",
    _E.NEGATIVE_PRICE: "{column} is {value}; it must be zero or more.",
    _E.BAD_DATE: "{column} '{value}' is not a valid date; write it as YYYY-MM-DD, e.g. "
    "2024-03-15 (forms such as 03/04/2024 are ambiguous).",
    _E.FUTURE_DATE: "{column} {value} is after today ({today}); only past trades can be imported.",
    _E.EXIT_BEFORE_ENTRY: "Exit Date {value} is before Entry Date {entry}.",
    _E.EXIT_PRICE_WITHOUT_DATE: "Exit Price Per Share is '{value}' but Exit Date is empty; "
    + _BOTH_EXIT,
    _E.EXIT_DATE_WITHOUT_PRICE: "Exit Date is '{value}' but Exit Price Per Share is empty; "
    + _BOTH_EXIT,
    _E.BAD_CLASS: "Investment Class '{value}' is not PUBLIC, OPTIONS or PRIVATE (leave it "
    "empty to have it inferred).",
    _E.BAD_SUBTYPE: "Investment Subtype '{value}' is not allowed here; allowed: {allowed}.",
    _E.UNEXPECTED_OPTION_FIELD: "{column} is '{value}' but Investment Class is {kind}; "
    "option fields belong only to OPTIONS rows.",
    _E.OPTION_FIELDS_MISSING: "{column} is empty; an option needs Underlying Symbol, "
    "Strike Price, Expiration Date and Option Type, or an OCC symbol such as "
    "AAPL220121C00150000 in Symbol.",
    _E.BAD_OPTION_TYPE: "Option Type '{value}' is not CALL or PUT (C and P are accepted).",
    _E.BAD_OCC_SYMBOL: "Symbol '{value}' is not a valid OCC option symbol: root (1-6 "
    "characters), expiry YYMMDD, C or P, strike x 1000 in 8 digits, e.g. AAPL220121C00150000.",
    _E.OCC_MISMATCH: "{column} '{value}' disagrees with the OCC symbol {symbol}, which gives "
    "{expected}.",
    _E.EXPIRY_BEFORE_ENTRY: "The option expires on {value}, before its Entry Date {entry}.",
    _E.EXIT_AFTER_EXPIRY: "Exit Date {value} is after the option expired on {expiry}; record "
    "an expired option as exited at expiry (exit price 0 if it expired worthless).",
    _E.DUPLICATE_ROW: "This row repeats row {first} (same symbol, quantity, entry price, entry "
    "date and option terms); combine them into one row with the total quantity.",
    _E.TOO_MANY_DECIMALS: "{column} '{value}' has more than {places} decimal places; "
    "quantities and prices are kept to {places}.",
    _E.SHORT_NOT_ALLOWED: "Quantity is {value}, but a {subtype} position cannot be short.",
    _E.EXPIRY_TOO_FAR: "The option expires on {value}, more than {years} years after its "
    "Entry Date {entry}; listed options expire sooner.",
    _E.DURATION_OUT_OF_RANGE: "{column} is {value}; it must be within +/-{limit:,g} ({unit}).",
    _E.DURATION_NOT_APPLICABLE: "{column} is '{value}' but Investment Class is {kind}; {why}",
    _E.CONVEXITY_WITHOUT_DURATION: "Convexity is '{value}' but Modified Duration is empty; "
    "convexity refines a duration and needs one.",
}


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem found in an import file.

    Attributes
    ----------
    row : int
        1-based physical line number in the file (comment and blank lines count), so an
        editor's "go to line" finds it; 0 means the whole file.
    column : str or None
        Column name as documented (as written, for an unknown column); ``None`` when the
        problem is not about one column.
    code : str
        An :class:`ImportErrorCode` value.
    message : str
        A sentence for the user that names the value found.
    """

    row: int
    column: str | None
    code: str
    message: str


def error(row: int, column: str | None, code: ImportErrorCode, **details: object) -> RowError:
    """Build a :class:`RowError` whose message is ``MESSAGES[code]`` filled with details."""
    return RowError(row, column, code.value, MESSAGES[code].format(column=column, **details))


class Column(StrEnum):
    """Columns of the import file, in documentation order."""

    SYMBOL = "Symbol"
    QUANTITY = "Quantity"
    ENTRY_PRICE = "Entry Price Per Share"
    ENTRY_DATE = "Entry Date"
    INVESTMENT_CLASS = "Investment Class"
    INVESTMENT_SUBTYPE = "Investment Subtype"
    UNDERLYING = "Underlying Symbol"
    STRIKE = "Strike Price"
    EXPIRY = "Expiration Date"
    OPTION_TYPE = "Option Type"
    EXIT_DATE = "Exit Date"
    EXIT_PRICE = "Exit Price Per Share"
    MODIFIED_DURATION = "Modified Duration"
    CONVEXITY = "Convexity"


REQUIRED_COLUMNS: Final = (Column.SYMBOL, Column.QUANTITY, Column.ENTRY_PRICE, Column.ENTRY_DATE)
OPTION_COLUMNS: Final = (Column.UNDERLYING, Column.STRIKE, Column.EXPIRY, Column.OPTION_TYPE)
COLUMN_ORDER: Final = {column.value: index for index, column in enumerate(Column)}

# re.ASCII: digits 0-9 only (\d would match Arabic-Indic, full-width... digits too).
_NUMBER: Final = re.compile(
    r"^(?P<sign>[+-])?(?P<dollar>\$)?(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<frac>\d*))?$",
    re.ASCII,
)
_MAX_INTEGER_DIGITS: Final = 15
#: Quantities and prices are stored as NUMERIC(18, 6): more decimals would be rounded.
MAX_DECIMALS: Final = 6
_ISO_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
#: Subtypes that cannot be held short (a fund's shares are redeemed, cash is not lent).
NO_SHORT_SUBTYPES: Final = frozenset({InvestmentSubtype.MUTUAL_FUND, InvestmentSubtype.CASH})
#: Latest option expiry accepted, in years after the entry date (LEAPS run to ~3 years).
MAX_EXPIRY_YEARS: Final = 10
_MIN_YEAR: Final = 1900
_OPTION_TYPES: Final = {
    "C": OptionType.CALL,
    "CALL": OptionType.CALL,
    "P": OptionType.PUT,
    "PUT": OptionType.PUT,
}
_S = InvestmentSubtype
_SUBTYPES_BY_CLASS: Final[Mapping[InvestmentClass, frozenset[InvestmentSubtype]]] = {
    InvestmentClass.PUBLIC: frozenset(
        {_S.STOCK, _S.ETF, _S.MUTUAL_FUND, _S.BOND, _S.CASH, _S.OTHER}
    ),
    InvestmentClass.OPTIONS: frozenset({_S.CALL, _S.PUT}),
    InvestmentClass.PRIVATE: frozenset({_S.PRIVATE_EQUITY, _S.REAL_ESTATE, _S.BOND, _S.OTHER}),
}
_PRIVATE_ONLY_SUBTYPES: Final = frozenset({_S.PRIVATE_EQUITY, _S.REAL_ESTATE})


def parse_decimal(text: str, *, allow_dollar: bool) -> Decimal | None:
    """Exact value of a plain decimal such as ``-1,250.50`` (or ``$1,250.50``), else None.

    Thousands commas must group by three; exponents, NaN, infinities, brackets, more than
    15 integer digits or more than 10 decimals are refused.
    """
    match = _NUMBER.fullmatch(text)
    if match is None or (match["dollar"] and not allow_dollar):
        return None
    integer = (match["int"] or "").replace(",", "")
    fraction = (match["frac"] or "").rstrip("0")
    too_long = len(integer) > _MAX_INTEGER_DIGITS or len(fraction) > MAX_DECIMALS
    if too_long or not (integer or fraction):
        return None
    return Decimal(f"{match['sign'] or ''}{integer or '0'}{'.' + fraction if fraction else ''}")


def _too_many_decimals(text: str, dollar: bool) -> bool:
    """Whether ``text`` is a plain number whose only fault is its decimals."""
    whole, point, fraction = text.partition(".")
    return (
        bool(point)
        and parse_decimal(whole or "0", allow_dollar=dollar) is not None
        and (fraction.isascii() and fraction.isdigit() and len(fraction.rstrip("0")) > MAX_DECIMALS)
    )


def parse_iso_date(text: str) -> date | None:
    """A ``YYYY-MM-DD`` calendar date from 1900 on, else None."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if value.year >= _MIN_YEAR else None


@dataclass(slots=True)
class _Row:
    """Cells of one data row, and the errors found in them so far."""

    line: int
    cells: Mapping[Column, str]
    errors: list[RowError] = field(default_factory=list)

    def text(self, column: Column) -> str:
        return self.cells.get(column, "").strip()

    def fail(self, column: Column, code: ImportErrorCode, **details: object) -> None:
        details.setdefault("value", self.text(column))
        self.errors.append(error(self.line, column.value, code, **details))

    def present(self, column: Column) -> bool:
        if not self.text(column):
            self.fail(column, _E.MISSING_VALUE)
        return bool(self.text(column))

    def number(self, column: Column, *, dollar: bool = True) -> Decimal | None:
        text = self.text(column)
        value = parse_decimal(text, allow_dollar=dollar) if text else None
        if text and value is None and _too_many_decimals(text, dollar):
            self.fail(column, _E.TOO_MANY_DECIMALS, places=MAX_DECIMALS)
        elif text and value is None:
            example = "1250.50 or $1,250.50" if dollar else "100, -25 or 12.5"
            self.fail(column, _E.BAD_NUMBER, example=example)
        return value

    def date_(self, column: Column, today: date | None) -> date | None:
        text = self.text(column)
        value = parse_iso_date(text) if text else None
        if text and value is None:
            self.fail(column, _E.BAD_DATE)
        elif value is not None and today is not None and value > today:
            self.fail(column, _E.FUTURE_DATE, today=today)
        return value

    def price(self, column: Column, *, zero_ok: bool = False) -> Decimal | None:
        value = self.number(column)
        if value is not None and (value < 0 or (value == 0 and not zero_ok)):
            self.fail(column, _E.NEGATIVE_PRICE if zero_ok else _E.NON_POSITIVE_PRICE)
            return None
        return value


@dataclass(frozen=True, slots=True)
class _Instrument:
    """What a row holds, apart from its size, prices and dates."""

    symbol: str
    investment_class: InvestmentClass
    subtype: InvestmentSubtype | None
    option_type: OptionType | None = None
    underlying: str | None = None
    strike: Decimal | None = None
    expiry: date | None = None


_T = TypeVar("_T", str, Decimal, date, OptionType)


def validate_row(
    line: int, cells: Mapping[Column, str], *, today: date
) -> tuple[ParsedPosition | None, list[RowError]]:
    """Check one data row.

    Parameters
    ----------
    line : int
        Physical line number of the row in the file.
    cells : Mapping[Column, str]
        Raw text per known column; optional columns absent from the file may be missing.
    today : date
        Trade dates after it are rejected (the caller owns the clock).

    Returns
    -------
    tuple[ParsedPosition or None, list[RowError]]
        The position and no errors, or ``None`` and every error of the row.
    """
    row = _Row(line, cells)
    quantity = _quantity(row)
    entry_price = row.price(Column.ENTRY_PRICE) if row.present(Column.ENTRY_PRICE) else None
    entry_date = row.date_(Column.ENTRY_DATE, today) if row.present(Column.ENTRY_DATE) else None
    exit_date, exit_price = _exit(row, entry_date, today)
    held = _instrument(row, quantity, entry_date, exit_date)
    duration, convexity = _rate_terms(row, held)
    if row.errors or held is None or quantity is None:
        return None, row.errors
    if entry_price is None or entry_date is None:
        return None, row.errors
    position = ParsedPosition(
        symbol=held.symbol,
        quantity=quantity,
        entry_price=entry_price,
        entry_date=entry_date,
        exit_price=exit_price,
        exit_date=exit_date,
        investment_class=held.investment_class,
        investment_subtype=held.subtype,
        position_type=position_type_for(quantity, held.option_type),
        underlying_symbol=held.underlying,
        strike=held.strike,
        expiry=held.expiry,
        source_row=line,
        modified_duration=duration,
        convexity=convexity,
    )
    return position, []


_WHY_NO_DURATION: Final = {
    InvestmentClass.OPTIONS: "an option is repriced with the shocked rate, not by a duration.",
    InvestmentClass.PRIVATE: "a private holding is excluded from stress P&L.",
}


def _rate_terms(row: _Row, held: _Instrument | None) -> tuple[float | None, float | None]:
    """Modified duration (years) and convexity (years squared) of a public holding, both
    optional, convexity only with a duration, each within its bound."""
    limits = (
        (Column.MODIFIED_DURATION, MAX_ABS_MODIFIED_DURATION, "years"),
        (Column.CONVEXITY, MAX_ABS_CONVEXITY, "years squared"),
    )
    values: list[float | None] = []
    for column, limit, unit in limits:
        number = row.number(column, dollar=False)
        if number is not None and abs(number) > Decimal(str(limit)):
            row.fail(column, _E.DURATION_OUT_OF_RANGE, limit=limit, unit=unit)
            number = None
        values.append(None if number is None else float(number))
    duration, convexity = values
    if row.text(Column.CONVEXITY) and not row.text(Column.MODIFIED_DURATION):
        row.fail(Column.CONVEXITY, _E.CONVEXITY_WITHOUT_DURATION)
    kind = held.investment_class if held is not None else None
    if kind in _WHY_NO_DURATION:
        for column, _, _ in limits:
            if row.text(column):
                row.fail(column, _E.DURATION_NOT_APPLICABLE, kind=kind, why=_WHY_NO_DURATION[kind])
    return duration, convexity


def _quantity(row: _Row) -> Decimal | None:
    if not row.present(Column.QUANTITY):
        return None
    value = row.number(Column.QUANTITY, dollar=False)
    if value == 0:
        row.fail(Column.QUANTITY, _E.ZERO_QUANTITY)
        return None
    return value


def _exit(row: _Row, entry: date | None, today: date) -> tuple[date | None, Decimal | None]:
    exit_date = row.date_(Column.EXIT_DATE, today)
    exit_price = row.price(Column.EXIT_PRICE, zero_ok=True)
    has_date, has_price = bool(row.text(Column.EXIT_DATE)), bool(row.text(Column.EXIT_PRICE))
    if has_price and not has_date:
        row.fail(Column.EXIT_PRICE, _E.EXIT_PRICE_WITHOUT_DATE)
    if has_date and not has_price:
        row.fail(Column.EXIT_DATE, _E.EXIT_DATE_WITHOUT_PRICE)
    if exit_date is not None and entry is not None and exit_date < entry:
        row.fail(Column.EXIT_DATE, _E.EXIT_BEFORE_ENTRY, value=exit_date, entry=entry)
    return exit_date, exit_price


def _instrument(
    row: _Row, quantity: Decimal | None, entry: date | None, exit_date: date | None
) -> _Instrument | None:
    symbol = row.text(Column.SYMBOL) if row.present(Column.SYMBOL) else None
    explicit_class, class_ok = _class_cell(row)
    subtype = _subtype_cell(row)
    if symbol is None or not class_ok:
        return None
    occ_like = looks_like_occ_symbol(symbol.upper())
    investment_class = explicit_class or _infer_class(row, occ_like, subtype)
    if investment_class is InvestmentClass.OPTIONS:
        return _option(row, symbol.upper(), occ_like, subtype, quantity, (entry, exit_date))
    for column in OPTION_COLUMNS:
        if row.text(column):
            row.fail(column, _E.UNEXPECTED_OPTION_FIELD, kind=investment_class.value)
    if investment_class is InvestmentClass.PUBLIC:
        symbol = symbol.upper()
        _check_market_symbol(row, Column.SYMBOL, symbol, occ_like=occ_like)
    elif not is_private_holding_name(symbol):
        kind = "private holding name (up to 80 letters, digits, spaces and . , & ' ( ) / _ + -)"
        row.fail(Column.SYMBOL, _E.BAD_SYMBOL, kind=kind)
    if investment_class is InvestmentClass.PRIVATE and quantity is not None and quantity < 0:
        row.fail(Column.QUANTITY, _E.SHORT_PRIVATE, value=quantity)
    fitted = _fit_subtype(row, investment_class, subtype)
    if fitted in NO_SHORT_SUBTYPES and quantity is not None and quantity < 0:
        row.fail(Column.QUANTITY, _E.SHORT_NOT_ALLOWED, value=quantity, subtype=fitted.value)
    return _Instrument(symbol, investment_class, fitted)


def _class_cell(row: _Row) -> tuple[InvestmentClass | None, bool]:
    text = row.text(Column.INVESTMENT_CLASS).upper()
    if text and text not in InvestmentClass.__members__:
        row.fail(Column.INVESTMENT_CLASS, _E.BAD_CLASS)
        return None, False
    return (InvestmentClass(text) if text else None), True


def _subtype_cell(row: _Row) -> InvestmentSubtype | None:
    text = row.text(Column.INVESTMENT_SUBTYPE)
    key = re.sub(r"[\s-]+", "_", text.upper())
    if text and key not in InvestmentSubtype.__members__:
        row.fail(Column.INVESTMENT_SUBTYPE, _E.BAD_SUBTYPE, allowed=", ".join(InvestmentSubtype))
        return None
    return InvestmentSubtype(key) if text else None


def _infer_class(row: _Row, occ_like: bool, subtype: InvestmentSubtype | None) -> InvestmentClass:
    option_subtype = subtype in (InvestmentSubtype.CALL, InvestmentSubtype.PUT)
    if occ_like or option_subtype or any(row.text(c) for c in OPTION_COLUMNS):
        return InvestmentClass.OPTIONS
    if subtype in _PRIVATE_ONLY_SUBTYPES:
        return InvestmentClass.PRIVATE
    return InvestmentClass.PUBLIC


def _fit_subtype(
    row: _Row, investment_class: InvestmentClass, subtype: InvestmentSubtype | None
) -> InvestmentSubtype | None:
    if subtype is None:
        return InvestmentSubtype.STOCK if investment_class is InvestmentClass.PUBLIC else None
    allowed = _SUBTYPES_BY_CLASS[investment_class]
    if subtype not in allowed:
        names = ", ".join(sorted(allowed))
        row.fail(
            Column.INVESTMENT_SUBTYPE, _E.BAD_SUBTYPE, allowed=f"{names} for {investment_class}"
        )
    return subtype


def _check_market_symbol(row: _Row, column: Column, symbol: str, *, occ_like: bool) -> None:
    if not is_market_symbol(symbol):
        kind = "market symbol (a ticker such as AAPL, BRK.B or ^GSPC)"
        if occ_like:
            kind += (
                "; it looks like an option, so set Investment Class to OPTIONS or leave it empty"
            )
        row.fail(column, _E.BAD_SYMBOL, value=symbol, kind=kind)


def _option(
    row: _Row,
    symbol: str,
    occ_like: bool,
    subtype: InvestmentSubtype | None,
    quantity: Decimal | None,
    dates: tuple[date | None, date | None],
) -> _Instrument:
    occ = parse_occ_symbol(symbol) if occ_like else None
    if occ_like and occ is None:
        row.fail(Column.SYMBOL, _E.BAD_OCC_SYMBOL, value=symbol)
    elif not occ_like:
        _check_market_symbol(row, Column.SYMBOL, symbol, occ_like=False)
    option_type, underlying, strike, expiry = _option_terms(
        row, symbol, occ, check_missing=occ is not None or not occ_like
    )
    implied = None if option_type is None else InvestmentSubtype(option_type.value)
    if subtype is not None and subtype is not implied:
        allowed = "CALL or PUT, matching Option Type" if implied is None else implied.value
        row.fail(Column.INVESTMENT_SUBTYPE, _E.BAD_SUBTYPE, allowed=f"{allowed} (or leave empty)")
    _option_dates(row, quantity, dates, expiry)
    if occ is not None:
        canonical = format_occ_symbol(occ.root, occ.expiry, occ.option_type, occ.strike)
    elif option_type and underlying and strike and expiry:
        canonical = format_occ_symbol(underlying, expiry, option_type, strike)
    else:
        canonical = None
    return _Instrument(
        canonical or symbol,
        InvestmentClass.OPTIONS,
        implied,
        option_type,
        underlying,
        strike,
        expiry,
    )


def _option_terms(
    row: _Row, symbol: str, occ: OccSymbol | None, *, check_missing: bool
) -> tuple[OptionType | None, str | None, Decimal | None, date | None]:
    underlying = row.text(Column.UNDERLYING).upper() or None
    if underlying is not None:
        _check_market_symbol(row, Column.UNDERLYING, underlying, occ_like=False)
    strike = row.price(Column.STRIKE)
    expiry = row.date_(Column.EXPIRY, None)
    option_type = _OPTION_TYPES.get(row.text(Column.OPTION_TYPE).upper())
    if row.text(Column.OPTION_TYPE) and option_type is None:
        row.fail(Column.OPTION_TYPE, _E.BAD_OPTION_TYPE)
    if occ is None:
        for column in OPTION_COLUMNS:
            if check_missing and not row.text(column):
                row.fail(column, _E.OPTION_FIELDS_MISSING)
        return option_type, underlying, strike, expiry
    return (
        _agree(row, Column.OPTION_TYPE, option_type, occ.option_type, symbol),
        _agree(row, Column.UNDERLYING, underlying, occ.root, symbol),
        _agree(row, Column.STRIKE, strike, occ.strike, symbol),
        _agree(row, Column.EXPIRY, expiry, occ.expiry, symbol),
    )


def _agree(row: _Row, column: Column, given: _T | None, from_occ: _T, symbol: str) -> _T | None:
    """The OCC symbol's value when the cell is blank; the cell's when both agree."""
    if not row.text(column):
        return from_occ
    if given is not None and _comparable(given) != _comparable(from_occ):
        row.fail(column, _E.OCC_MISMATCH, symbol=symbol, expected=from_occ)
    return given


def _comparable(value: object) -> object:
    # OCC roots drop punctuation (BRK.B trades as root BRKB), so symbols compare without it.
    return re.sub(r"[^A-Z0-9]", "", value) if isinstance(value, str) else value


def _option_dates(
    row: _Row,
    quantity: Decimal | None,
    dates: tuple[date | None, date | None],
    expiry: date | None,
) -> None:
    entry, exit_date = dates
    if quantity is not None and quantity != quantity.to_integral_value():
        row.fail(Column.QUANTITY, _E.FRACTIONAL_CONTRACTS, value=quantity)
    where = Column.EXPIRY if row.text(Column.EXPIRY) else Column.SYMBOL
    if expiry is not None and entry is not None and _years_after(entry, expiry) > MAX_EXPIRY_YEARS:
        row.fail(where, _E.EXPIRY_TOO_FAR, value=expiry, entry=entry, years=MAX_EXPIRY_YEARS)
    if expiry is not None and entry is not None and expiry < entry:
        column = Column.EXPIRY if row.text(Column.EXPIRY) else Column.SYMBOL
        row.fail(column, _E.EXPIRY_BEFORE_ENTRY, value=expiry, entry=entry)
    if expiry is not None and exit_date is not None and exit_date > expiry:
        row.fail(Column.EXIT_DATE, _E.EXIT_AFTER_EXPIRY, value=exit_date, expiry=expiry)


def _years_after(start: date, end: date) -> float:
    return (end - start).days / 365.25
