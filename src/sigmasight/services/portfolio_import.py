"""Parse and validate a portfolio CSV file, all or nothing.

:func:`parse_portfolio_csv` reads the bytes of an uploaded or local file and returns
either every position or every error (row, column, code, message), never a mix: the
caller writes to the database only when ``result.ok``. :func:`portfolio_template_csv`
returns an annotated example file. The format and its rules are documented in
``docs/methodology_import.md``; row-level rules live in
:mod:`sigmasight.services.portfolio_import_rules`.
"""

from __future__ import annotations

import codecs
import csv
import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Final

from sigmasight.domain.positions import ParsedPosition
from sigmasight.services.portfolio_import_rules import (
    COLUMN_ORDER,
    REQUIRED_COLUMNS,
    Column,
    ImportErrorCode,
    RowError,
    error,
    validate_row,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "ImportErrorCode",
    "ImportResult",
    "RowError",
    "parse_portfolio_csv",
    "portfolio_template_csv",
]

#: Largest file accepted (bytes).
DEFAULT_MAX_BYTES: Final = 5_000_000
#: Most data rows (positions) accepted in one file.
DEFAULT_MAX_ROWS: Final = 10_000

_E = ImportErrorCode
_COLUMNS_BY_KEY: Final = {" ".join(c.value.split()).casefold(): c for c in Column}
_WHOLE_FILE: Final = 0


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Outcome of parsing one file: positions when there is no error, else only errors.

    Attributes
    ----------
    positions : tuple[ParsedPosition, ...]
        In file order; empty whenever ``errors`` is not.
    errors : tuple[RowError, ...]
        Every problem found, sorted by row and then by column order.
    """

    positions: tuple[ParsedPosition, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        """True when the file has no error (its positions may be written)."""
        return not self.errors


def parse_portfolio_csv(
    data: bytes,
    *,
    today: date,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> ImportResult:
    """Parse and validate a portfolio CSV file.

    Parameters
    ----------
    data : bytes
        The file's content: UTF-8 text with or without a byte-order mark.
    today : date
        The user's current date; entry and exit dates after it are errors. Passed in so
        that nothing below the entry points reads the clock.
    max_bytes, max_rows : int
        Limits on the file size and on the number of data rows.

    Returns
    -------
    ImportResult
        All positions and no errors, or no positions and every error found.
    """
    if len(data) > max_bytes:
        return _failed(
            [error(_WHOLE_FILE, None, _E.FILE_TOO_LARGE, size=len(data), limit=max_bytes)]
        )
    text = _decode(data)
    if isinstance(text, RowError):
        return _failed([text])
    records = _records(text)
    first = next(records, None)
    if first is None:
        return _failed([error(_WHOLE_FILE, None, _E.EMPTY_FILE)])
    header_line, header_cells = first
    if isinstance(header_cells, RowError):
        return _failed([header_cells])
    columns, header_errors = _read_header(header_line, header_cells)
    if header_errors:
        return _failed(header_errors)
    errors: list[RowError] = []
    positions = _read_rows(records, columns, today, max_rows, errors)
    if not positions and not errors:
        errors.append(error(_WHOLE_FILE, None, _E.NO_DATA_ROWS))
    errors.extend(_duplicates(positions))
    return _failed(errors) if errors else ImportResult(tuple(positions), ())


def _failed(errors: list[RowError]) -> ImportResult:
    order = sorted(errors, key=lambda e: (e.row, COLUMN_ORDER.get(e.column or "", -1)))
    return ImportResult((), tuple(order))


def _decode(data: bytes) -> str | RowError:
    """The text of a UTF-8 file, or the BAD_ENCODING error explaining why it is not."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        detail = "The file is UTF-16 text (as Excel's 'Unicode text' saves it), not UTF-8."
        return error(_WHOLE_FILE, None, _E.BAD_ENCODING, detail=detail)
    if data.startswith(b"PK\x03\x04"):
        detail = "The file is a spreadsheet workbook (.xlsx), not CSV text."
        return error(_WHOLE_FILE, None, _E.BAD_ENCODING, detail=detail)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        detail = f"Line {line} holds bytes that are not UTF-8 text (perhaps Windows-1252)."
        return error(line, None, _E.BAD_ENCODING, detail=detail)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        detail = f"Line {line} holds a NUL byte, so the file is not plain text."
        return error(line, None, _E.BAD_ENCODING, detail=detail)
    return text


def _records(text: str) -> Iterator[tuple[int, list[str] | RowError]]:
    """Non-blank, non-comment lines as ``(line number, cells or MALFORMED_CSV error)``.

    Each physical line is one record (a value cannot span lines), which keeps reported
    line numbers equal to what an editor shows. Windows, Unix and old Mac line ends are
    all accepted.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            cells = next(csv.reader([line], strict=True))
        except csv.Error as exc:
            yield number, error(number, None, _E.MALFORMED_CSV, detail=str(exc))
            continue
        # Spreadsheets export a comment typed in cell A1 as "# ...",,, and a blank
        # spreadsheet row as ,,,: neither is data.
        if cells[0].lstrip().startswith("#") or not any(c.strip() for c in cells):
            continue
        yield number, cells


def _read_header(line: int, cells: list[str]) -> tuple[list[Column | None], list[RowError]]:
    """Map header cells to columns; report unknown, duplicate and missing columns."""
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    columns: list[Column | None] = []
    errors: list[RowError] = []
    for index, name in enumerate(cells, start=1):
        column = _COLUMNS_BY_KEY.get(" ".join(name.split()).casefold())
        if column is None:
            hint = _hint(name, index)
            errors.append(
                error(line, name.strip() or None, _E.UNKNOWN_COLUMN, name=name.strip(), hint=hint)
            )
        elif column in columns:
            errors.append(error(line, column.value, _E.DUPLICATE_COLUMN))
        columns.append(column)
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            errors.append(error(line, column.value, _E.MISSING_COLUMN))
    return columns, errors


def _hint(name: str, index: int) -> str:
    if not name.strip():
        return f" (column {index} has no name)"
    key = " ".join(name.split()).casefold()
    # A shortened name ("Entry Price") is a likelier intent than the nearest spelling.
    close = [k for k in _COLUMNS_BY_KEY if k.startswith(key)]
    close = close or difflib.get_close_matches(key, _COLUMNS_BY_KEY, n=1, cutoff=0.5)
    if close:
        return f" (did you mean '{_COLUMNS_BY_KEY[close[0]].value}'?)"
    return f"; the columns are {', '.join(c.value for c in Column)}"


def _read_rows(
    records: Iterator[tuple[int, list[str] | RowError]],
    columns: list[Column | None],
    today: date,
    max_rows: int,
    errors: list[RowError],
) -> list[ParsedPosition]:
    """Validate every data row; append their errors to ``errors``."""
    positions: list[ParsedPosition] = []
    for count, (line, cells) in enumerate(records, start=1):
        if count > max_rows:
            errors.append(error(line, None, _E.TOO_MANY_ROWS, limit=max_rows))
            break
        if isinstance(cells, RowError):
            errors.append(cells)
            continue
        wrong_count = _column_count_error(line, cells, len(columns))
        if wrong_count is not None:
            errors.append(wrong_count)
            continue
        named = {c: cell for c, cell in zip(columns, cells[: len(columns)], strict=True) if c}
        position, row_errors = validate_row(line, named, today=today)
        errors.extend(row_errors)
        if position is not None:
            positions.append(position)
    return positions


def _column_count_error(line: int, cells: list[str], width: int) -> RowError | None:
    """WRONG_COLUMN_COUNT for too few cells, or for values beyond the last column (empty
    trailing cells, which spreadsheets add, are fine)."""
    last_filled = max(i for i, cell in enumerate(cells, start=1) if cell.strip())
    if len(cells) >= width and last_filled <= width:
        return None
    found = len(cells) if len(cells) < width else last_filled
    return error(line, None, _E.WRONG_COLUMN_COUNT, found=found, expected=width)


def _duplicates(positions: list[ParsedPosition]) -> list[RowError]:
    """DUPLICATE_ROW for each position identical in its lot terms to an earlier one."""
    first_seen: dict[tuple[object, ...], int] = {}
    errors: list[RowError] = []
    for p in positions:
        key = (
            p.investment_class,
            p.symbol.casefold(),
            p.quantity,
            p.entry_price,
            p.entry_date,
            p.underlying_symbol,
            p.strike,
            p.expiry,
            p.option_type,
        )
        if key in first_seen:
            errors.append(error(p.source_row, None, _E.DUPLICATE_ROW, first=first_seen[key]))
        else:
            first_seen[key] = p.source_row
    return errors


_TEMPLATE: Final = """\
# SigmaSight portfolio import file: CSV text saved as UTF-8, one position (lot) per line.
# Lines starting with # are comments and blank lines are skipped. Errors are reported by
# line number in this file, and nothing is imported until every line is valid.
#
# Required columns
#   Symbol                 Ticker (AAPL, BRK.B), OCC option symbol (AAPL250117C00200000),
#                          or the name of a private holding.
#   Quantity               Shares or contracts held; negative means short. Options are
#                          whole contracts (100 shares each).
#   Entry Price Per Share  Price paid per share, also for options (not per contract).
#                          A leading $ and thousands commas are allowed: "$1,250.50".
#   Entry Date             Trade date as YYYY-MM-DD, not in the future.
# Optional columns (leave empty when they do not apply)
#   Investment Class       PUBLIC, OPTIONS or PRIVATE. Empty: OPTIONS when the row has an
#                          OCC symbol or option fields, PRIVATE for subtype PRIVATE_EQUITY
#                          or REAL_ESTATE, otherwise PUBLIC.
#   Investment Subtype     PUBLIC: STOCK (default), ETF, MUTUAL_FUND, BOND, CASH, OTHER.
#                          OPTIONS: CALL or PUT (taken from Option Type).
#                          PRIVATE: PRIVATE_EQUITY, REAL_ESTATE, BOND, OTHER.
#   Underlying Symbol, Strike Price, Expiration Date (YYYY-MM-DD), Option Type (CALL/PUT)
#                          Needed for an option unless Symbol is an OCC symbol; when both
#                          are given they must agree.
#   Exit Date, Exit Price Per Share
#                          Both for a closed position (exit on or after entry), else none.
#   Modified Duration, Convexity
#                          A bond holding's modified duration (years, within +/-100) and
#                          convexity (years squared, within +/-10,000; only with a
#                          duration), used by the stress tests' rate shocks. Not for
#                          options (repriced) or private holdings (excluded).
#
# The example rows below use symbols and dates of the bundled demo data (daily prices of
# 20 S&P 500 stocks, five factor ETFs and the S&P 500 from 2019 to 2022-12-28), so after
# `sigmasight demo` this file imports and computes as it is. Your own symbols need prices:
# the demo data has none for others; configure a provider (SIGMASIGHT_FMP_API_KEY) or
# load price files first.
Symbol,Quantity,Entry Price Per Share,Entry Date,Investment Class,Investment Subtype,\
Underlying Symbol,Strike Price,Expiration Date,Option Type,Exit Date,Exit Price Per Share
# A long stock position; class and subtype are inferred (PUBLIC, STOCK).
AAPL,100,180.43,2022-01-03,,,,,,,,
# A short stock position: negative quantity.
JPM,-40,130.17,2022-03-01,PUBLIC,STOCK,,,,,,
# An exchange-traded fund.
USMV,250,"$74.32",2022-02-01,PUBLIC,ETF,,,,,,
# A listed option by OCC symbol: 2 long AAPL calls, strike 150, expiring 2023-01-20.
AAPL230120C00150000,2,22.15,2022-04-11,,,,,,,,
# An option by its fields: 3 short MSFT puts, strike 250, expiring 2023-01-20.
MSFT,-3,12.40,2022-05-06,OPTIONS,PUT,MSFT,250,2023-01-20,PUT,,
# A private holding: its name is the symbol; it has no market price.
Acme Ventures Fund II,1,"25,000.00",2021-06-30,PRIVATE,PRIVATE_EQUITY,,,,,,
# A closed position: bought, then sold on the exit date.
MSFT,30,309.90,2022-01-10,,,,,,,2022-07-01,257.10
"""


def portfolio_template_csv() -> str:
    """An annotated example import file: comments on every column and one example row
    of each kind (long, short, ETF, OCC option, option by fields, private, closed), on
    symbols and dates the bundled demo data prices, so it computes after ``sigmasight
    demo``. It parses with no errors for any ``today`` from 2022-07-01 on."""
    return _TEMPLATE
