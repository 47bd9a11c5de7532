"""Table-driven tests over the corpus of good and bad portfolio files.

Every bad file lists the exact set of ``(row, column, code)`` it must produce; each must
produce no position at all (all or nothing). Rows are physical line numbers in the file.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sigmasight.domain.enums import InvestmentClass, InvestmentSubtype, PositionType
from sigmasight.services.portfolio_import import parse_portfolio_csv
from sigmasight.services.portfolio_import_rules import ImportErrorCode

CORPUS = Path(__file__).parent / "corpus"
TODAY = date(2025, 6, 30)

SYM, QTY, PRICE, ENTRY = "Symbol", "Quantity", "Entry Price Per Share", "Entry Date"
CLS, SUB = "Investment Class", "Investment Subtype"
UND, STRIKE, EXPIRY, OTYPE = "Underlying Symbol", "Strike Price", "Expiration Date", "Option Type"
EXIT, EXIT_PX = "Exit Date", "Exit Price Per Share"
DUR, CONV = "Modified Duration", "Convexity"

Expected = set[tuple[int, str | None, str]]

BAD: dict[str, tuple[dict[str, int], Expected]] = {
    "bad_stocks_many.csv": (
        {},
        {
            (4, SYM, "MISSING_VALUE"),
            (5, SYM, "BAD_SYMBOL"),
            (6, QTY, "BAD_NUMBER"),
            (7, QTY, "ZERO_QUANTITY"),
            (8, PRICE, "NON_POSITIVE_PRICE"),
            (9, PRICE, "NON_POSITIVE_PRICE"),
            (10, ENTRY, "BAD_DATE"),
            (11, ENTRY, "BAD_DATE"),
            (12, ENTRY, "FUTURE_DATE"),
            (13, EXIT, "EXIT_BEFORE_ENTRY"),
            (14, EXIT_PX, "EXIT_PRICE_WITHOUT_DATE"),
            (15, EXIT, "EXIT_DATE_WITHOUT_PRICE"),
            (16, EXIT_PX, "NEGATIVE_PRICE"),
            (17, CLS, "BAD_CLASS"),
            (18, SUB, "BAD_SUBTYPE"),
            (19, SUB, "BAD_SUBTYPE"),
            (20, STRIKE, "UNEXPECTED_OPTION_FIELD"),
            (21, QTY, "SHORT_PRIVATE"),
            (22, SYM, "BAD_SYMBOL"),
            (23, None, "MALFORMED_CSV"),
            (24, None, "WRONG_COLUMN_COUNT"),
            (25, None, "WRONG_COLUMN_COUNT"),
            (26, None, "DUPLICATE_ROW"),
            (27, PRICE, "BAD_NUMBER"),
            (28, QTY, "MISSING_VALUE"),
            (28, PRICE, "MISSING_VALUE"),
            (28, ENTRY, "MISSING_VALUE"),
            (29, QTY, "BAD_NUMBER"),
            (30, QTY, "BAD_NUMBER"),
            (32, SYM, "BAD_SYMBOL"),
            (32, QTY, "ZERO_QUANTITY"),
            (32, PRICE, "NON_POSITIVE_PRICE"),
            (32, ENTRY, "FUTURE_DATE"),
        },
    ),
    "bad_options_many.csv": (
        {},
        {
            (3, SYM, "BAD_OCC_SYMBOL"),
            (4, SYM, "BAD_OCC_SYMBOL"),
            (5, STRIKE, "OCC_MISMATCH"),
            (6, UND, "OCC_MISMATCH"),
            (6, EXPIRY, "OCC_MISMATCH"),
            (6, OTYPE, "OCC_MISMATCH"),
            (7, STRIKE, "OPTION_FIELDS_MISSING"),
            (7, OTYPE, "OPTION_FIELDS_MISSING"),
            (8, OTYPE, "BAD_OPTION_TYPE"),
            (9, EXPIRY, "EXPIRY_BEFORE_ENTRY"),
            (10, EXIT, "EXIT_AFTER_EXPIRY"),
            (11, QTY, "FRACTIONAL_CONTRACTS"),
            (12, SYM, "BAD_SYMBOL"),
            (13, SUB, "BAD_SUBTYPE"),
            (14, STRIKE, "NON_POSITIVE_PRICE"),
            (15, UND, "BAD_SYMBOL"),
            (16, None, "DUPLICATE_ROW"),
            (17, SYM, "EXPIRY_BEFORE_ENTRY"),
            (18, EXPIRY, "BAD_DATE"),
        },
    ),
    "bad_header.csv": (
        {},
        {
            (2, "Qty", "UNKNOWN_COLUMN"),
            (2, "Notes", "UNKNOWN_COLUMN"),
            (2, None, "UNKNOWN_COLUMN"),
            (2, ENTRY, "DUPLICATE_COLUMN"),
            (2, QTY, "MISSING_COLUMN"),
        },
    ),
    "bad_missing_columns.csv": ({}, {(1, PRICE, "MISSING_COLUMN"), (1, ENTRY, "MISSING_COLUMN")}),
    "bad_malformed_header.csv": ({}, {(1, None, "MALFORMED_CSV")}),
    "bad_empty.csv": ({}, {(0, None, "EMPTY_FILE")}),
    "bad_zero_bytes.csv": ({}, {(0, None, "EMPTY_FILE")}),
    "bad_no_rows.csv": ({}, {(0, None, "NO_DATA_ROWS")}),
    "bad_too_many_rows.csv": ({"max_rows": 3}, {(5, None, "TOO_MANY_ROWS")}),
    "good_basic.csv": ({"max_bytes": 100}, {(0, None, "FILE_TOO_LARGE")}),
    "bad_encoding_latin1.csv": ({}, {(3, None, "BAD_ENCODING")}),
    "bad_encoding_utf16.csv": ({}, {(0, None, "BAD_ENCODING")}),
    "bad_workbook.csv": ({}, {(0, None, "BAD_ENCODING")}),
    "bad_nul_byte.csv": ({}, {(2, None, "BAD_ENCODING")}),
    "bad_strict_numbers.csv": (
        {},
        {
            (2, QTY, "BAD_NUMBER"),
            (3, QTY, "TOO_MANY_DECIMALS"),
            (4, QTY, "SHORT_NOT_ALLOWED"),
            (5, EXPIRY, "EXPIRY_TOO_FAR"),
        },
    ),
    "bad_durations.csv": (
        {},
        {
            (2, DUR, "DURATION_OUT_OF_RANGE"),
            (3, CONV, "DURATION_OUT_OF_RANGE"),
            (4, CONV, "CONVEXITY_WITHOUT_DURATION"),
            (5, DUR, "DURATION_NOT_APPLICABLE"),
            (6, DUR, "DURATION_NOT_APPLICABLE"),
            (7, DUR, "BAD_NUMBER"),
        },
    ),
}

GOOD_COUNTS = {
    "good_basic.csv": 5,
    "good_excel_export.csv": 4,
    "good_options.csv": 5,
    "good_lots.csv": 8,
    "good_bonds.csv": 3,
}


@pytest.mark.parametrize(("name", "limits", "expected"), [(n, *v) for n, v in BAD.items()])
def test_bad_file_reports_exactly_its_errors_and_no_position(
    name: str, limits: dict[str, int], expected: Expected
) -> None:
    result = parse_portfolio_csv((CORPUS / name).read_bytes(), today=TODAY, **limits)
    assert {(e.row, e.column, e.code) for e in result.errors} == expected
    assert len(result.errors) == len(expected)
    assert result.positions == ()
    assert not result.ok


def test_every_bad_corpus_file_is_in_the_table() -> None:
    on_disk = {p.name for p in CORPUS.glob("bad_*.csv")}
    assert on_disk == {name for name in BAD if name.startswith("bad_")}
    assert {p.name for p in CORPUS.glob("good_*.csv")} == set(GOOD_COUNTS)


def test_corpus_covers_every_error_code() -> None:
    seen = {code for _, expected in BAD.values() for _, _, code in expected}
    assert seen == {code.value for code in ImportErrorCode}
    assert len(seen) >= 20


def test_errors_come_sorted_by_row_then_column_order() -> None:
    data = (CORPUS / "bad_stocks_many.csv").read_bytes()
    found = [(e.row, e.column) for e in parse_portfolio_csv(data, today=TODAY).errors]
    assert found[-4:] == [(32, SYM), (32, QTY), (32, PRICE), (32, ENTRY)]
    assert [row for row, _ in found] == sorted(row for row, _ in found)


@pytest.mark.parametrize(("name", "count"), GOOD_COUNTS.items())
def test_good_file_parses_without_error(name: str, count: int) -> None:
    result = parse_portfolio_csv((CORPUS / name).read_bytes(), today=TODAY)
    assert result.errors == ()
    assert result.ok
    assert len(result.positions) == count


def test_good_excel_export_values() -> None:
    result = parse_portfolio_csv((CORPUS / "good_excel_export.csv").read_bytes(), today=TODAY)
    aapl, acme, nvda, shop = result.positions
    assert (aapl.symbol, aapl.quantity, aapl.entry_price) == (
        "AAPL",
        Decimal(100),
        Decimal("185.64"),
    )
    assert aapl.entry_date == date(2024, 1, 16)
    assert aapl.source_row == 3
    assert acme.symbol == "Acme Ventures Fund II"
    assert acme.investment_class is InvestmentClass.PRIVATE
    assert acme.investment_subtype is None
    assert acme.entry_price == Decimal("1250000.00")
    assert (nvda.quantity, nvda.position_type) == (Decimal(-1000), PositionType.SHORT)
    assert nvda.source_row == 6
    assert (shop.quantity, shop.source_row) == (Decimal("0.5"), 8)


def test_good_options_values() -> None:
    result = parse_portfolio_csv((CORPUS / "good_options.csv").read_bytes(), today=TODAY)
    by_row = {p.source_row: p for p in result.positions}
    aapl = by_row[4]
    assert aapl.symbol == "AAPL250117C00200000"
    assert (aapl.underlying_symbol, aapl.strike, aapl.expiry) == (
        "AAPL",
        Decimal(200),
        date(2025, 1, 17),
    )
    assert aapl.position_type is PositionType.LC
    assert aapl.investment_subtype is InvestmentSubtype.CALL
    spy = by_row[6]
    assert spy.symbol == "SPY241220P00480000"  # the padded form is stored compact
    assert (spy.quantity, spy.position_type) == (Decimal(-3), PositionType.SP)
    brk = by_row[8]
    assert (brk.symbol, brk.underlying_symbol, brk.strike) == (
        "BRKB250620C00450000",
        "BRK.B",
        Decimal(450),
    )
    qqq = by_row[10]
    assert qqq.symbol == "QQQ240719P00420000"  # built from the explicit fields
    assert (qqq.underlying_symbol, qqq.expiry) == ("QQQ", date(2024, 7, 19))
    assert qqq.position_type is PositionType.SP
    tsla = by_row[12]
    assert (tsla.exit_date, tsla.exit_price) == (date(2024, 6, 21), Decimal(0))
    assert all(p.investment_class is InvestmentClass.OPTIONS for p in result.positions)


def test_good_lots_keeps_every_lot() -> None:
    result = parse_portfolio_csv((CORPUS / "good_lots.csv").read_bytes(), today=TODAY)
    assert [p.source_row for p in result.positions] == [3, 4, 5, 6, 8, 10, 12, 13]
    assert sum(p.quantity for p in result.positions if p.symbol == "AAPL") == Decimal(350)
    assert result.positions[-1].investment_class is InvestmentClass.OPTIONS
    assert result.positions[-2].investment_class is InvestmentClass.PUBLIC


def test_good_bonds_values() -> None:
    """Modified duration and convexity are read as given (floats of the exact decimals);
    empty cells leave them None."""
    result = parse_portfolio_csv((CORPUS / "good_bonds.csv").read_bytes(), today=TODAY)
    assert not result.errors
    got = [(p.symbol, p.modified_duration, p.convexity) for p in result.positions]
    assert got == [("TLT", 16.8, 3.7), ("IEF", 7.25, None), ("AAPL", None, None)]
