"""Behaviour of the portfolio CSV import beyond the corpus: formats, limits, messages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from sigmasight.domain.enums import InvestmentClass, InvestmentSubtype, PositionType
from sigmasight.services.portfolio_import import (
    ImportResult,
    RowError,
    parse_portfolio_csv,
    portfolio_template_csv,
)
from sigmasight.services.portfolio_import_rules import (
    MESSAGES,
    ImportErrorCode,
    parse_decimal,
    parse_iso_date,
)

TODAY = date(2025, 6, 30)
HEADER = "Symbol,Quantity,Entry Price Per Share,Entry Date"


def parse(text: str, **kwargs: int) -> ImportResult:
    return parse_portfolio_csv(text.encode("utf-8"), today=TODAY, **kwargs)


def codes(result: ImportResult) -> list[tuple[int, str | None, str]]:
    return [(e.row, e.column, e.code) for e in result.errors]


@pytest.mark.parametrize(
    ("text", "dollar", "expected"),
    [
        ("100", False, Decimal(100)),
        ("-25", False, Decimal(-25)),
        ("+3.5", False, Decimal("3.5")),
        ("0.125", False, Decimal("0.125")),
        (".5", False, Decimal("0.5")),
        ("12.", False, Decimal(12)),
        ("1,234,567.89", False, Decimal("1234567.89")),
        ("$1,250.50", True, Decimal("1250.50")),
        ("-$5", True, Decimal(-5)),
        ("$5", False, None),
        ("1,23", False, None),
        ("1234,567", False, None),
        ("1e3", False, None),
        ("NaN", False, None),
        ("Infinity", False, None),
        ("(100)", False, None),
        ("1 000", False, None),
        (".", False, None),
        ("", False, None),
        ("1" * 16, False, None),
        ("0." + "1" * 11, False, None),
    ],
)
def test_parse_decimal(text: str, dollar: bool, expected: Decimal | None) -> None:
    assert parse_decimal(text, allow_dollar=dollar) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02-29", date(2024, 2, 29)),
        ("1900-01-01", date(1900, 1, 1)),
        ("2023-02-29", None),
        ("1899-12-31", None),
        ("2024-1-5", None),
        ("01/05/2024", None),
        ("20240105", None),
        ("2024-01-05T00:00", None),
    ],
)
def test_parse_iso_date(text: str, expected: date | None) -> None:
    assert parse_iso_date(text) == expected


def test_template_parses_without_error_and_shows_every_kind() -> None:
    result = parse_portfolio_csv(portfolio_template_csv().encode(), today=date(2022, 7, 1))
    assert result.errors == ()
    kinds = {(p.investment_class, p.investment_subtype, p.position_type) for p in result.positions}
    assert kinds == {
        (InvestmentClass.PUBLIC, InvestmentSubtype.STOCK, PositionType.LONG),
        (InvestmentClass.PUBLIC, InvestmentSubtype.STOCK, PositionType.SHORT),
        (InvestmentClass.PUBLIC, InvestmentSubtype.ETF, PositionType.LONG),
        (InvestmentClass.OPTIONS, InvestmentSubtype.CALL, PositionType.LC),
        (InvestmentClass.OPTIONS, InvestmentSubtype.PUT, PositionType.SP),
        (InvestmentClass.PRIVATE, InvestmentSubtype.PRIVATE_EQUITY, PositionType.LONG),
    }
    assert sum(p.exit_date is not None for p in result.positions) == 1
    assert len(result.positions) == 7


def test_template_dates_are_checked_against_today() -> None:
    result = parse_portfolio_csv(portfolio_template_csv().encode(), today=date(2022, 6, 30))
    assert [(e.column, e.code) for e in result.errors] == [("Exit Date", "FUTURE_DATE")]


def test_row_numbers_are_physical_lines_including_comments_and_blanks() -> None:
    text = f"# c\n\n{HEADER}\n# c\n\nAAPL,0,1,2024-01-02\n   \n# c\nMSFT,1,0,2024-01-02\n"
    assert codes(parse(text)) == [
        (6, "Quantity", "ZERO_QUANTITY"),
        (9, "Entry Price Per Share", "NON_POSITIVE_PRICE"),
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_and_bom(newline: str) -> None:
    text = newline.join([HEADER, "AAPL,1,10,2024-01-02", "MSFT,1,-1,2024-01-02"]) + newline
    result = parse_portfolio_csv(b"\xef\xbb\xbf" + text.encode(), today=TODAY)
    assert codes(result) == [(3, "Entry Price Per Share", "NON_POSITIVE_PRICE")]


def test_header_is_case_and_space_insensitive_in_any_order() -> None:
    text = " ENTRY  date,entry price per share , symbol,QUANTITY\n2024-01-02,10,aapl,5\n"
    (position,) = parse(text).positions
    assert (position.symbol, position.quantity, position.entry_price) == (
        "AAPL",
        Decimal(5),
        Decimal(10),
    )


def test_file_size_limit_is_inclusive() -> None:
    data = f"{HEADER}\nAAPL,1,10,2024-01-02\n".encode()
    assert parse_portfolio_csv(data, today=TODAY, max_bytes=len(data)).ok
    too_big = parse_portfolio_csv(data, today=TODAY, max_bytes=len(data) - 1)
    assert too_big.errors == (
        RowError(
            0,
            None,
            "FILE_TOO_LARGE",
            f"The file is {len(data)} bytes; the limit is {len(data) - 1} bytes.",
        ),
    )


def test_one_bad_row_among_many_good_rows_writes_nothing() -> None:
    rows = [f"S{i},{i + 1},{i + 10},2024-01-02" for i in range(200)]
    rows[150] = "S150,1,10,2024-13-01"
    result = parse("\n".join([HEADER, *rows]))
    assert result.positions == ()
    assert codes(result) == [(152, "Entry Date", "BAD_DATE")]


def test_every_bad_row_is_reported_not_only_the_first() -> None:
    rows = [f"S{i},{'0' if i % 2 else '1'},10,2024-01-02" for i in range(100)]
    result = parse("\n".join([HEADER, *rows]))
    assert [e.row for e in result.errors] == [i + 2 for i in range(100) if i % 2]
    assert {e.code for e in result.errors} == {"ZERO_QUANTITY"}


def test_too_many_rows_keeps_the_errors_found_before_the_limit() -> None:
    rows = ["A,1,10,2024-01-02", "B,0,10,2024-01-02", "C,1,10,2024-01-02", "D,1,10,2024-01-02"]
    result = parse("\n".join([HEADER, *rows]), max_rows=2)
    assert codes(result) == [(3, "Quantity", "ZERO_QUANTITY"), (4, None, "TOO_MANY_ROWS")]


def test_duplicate_message_names_the_earlier_row_and_lots_are_compared_by_value() -> None:
    text = f"{HEADER}\nAAPL,100,150,2024-01-02\n#\naapl,100.0,$150.00,2024-01-02\n"
    (duplicate,) = parse(text).errors
    assert (duplicate.row, duplicate.code) == (4, "DUPLICATE_ROW")
    assert duplicate.message.startswith("This row repeats row 2 ")


def test_a_spreadsheet_comment_in_a_quoted_first_cell_is_skipped() -> None:
    text = f'{HEADER}\n"# bought, then hedged",,,\nAAPL,1,10,2024-01-02\n'
    assert [p.source_row for p in parse(text).positions] == [3]


def test_unknown_column_suggests_the_closest_name() -> None:
    (unknown,) = parse("Symbol,Quantity,Entry Price,Entry Date\nAAPL,1,10,2024-01-02\n").errors[:1]
    assert unknown.code == "UNKNOWN_COLUMN"
    assert unknown.message == (
        "The header column 'Entry Price' is not a known column "
        "(did you mean 'Entry Price Per Share'?)."
    )


def test_messages_name_the_value_found() -> None:
    text = f"{HEADER},Option Type\nAAPL220121C00150000,abc,10,2021-06-01,straddle\n"
    messages = {e.code: e.message for e in parse(text).errors}
    assert messages == {
        "BAD_NUMBER": "Quantity 'abc' is not a number; write it like 100, -25 or 12.5 "
        "(a minus sign for negatives; no letters, exponents or brackets).",
        "BAD_OPTION_TYPE": "Option Type 'straddle' is not CALL or PUT (C and P are accepted).",
    }


def test_every_code_has_a_message() -> None:
    assert set(MESSAGES) == set(ImportErrorCode)
    assert all(message.strip() for message in MESSAGES.values())


def test_option_subtype_and_class_inference() -> None:
    text = (
        "Symbol,Quantity,Entry Price Per Share,Entry Date,Investment Subtype,Option Type,"
        "Underlying Symbol,Strike Price,Expiration Date\n"
        "Harbor Towers LP,2,50000,2021-01-04,real estate,,,,\n"
        "XYZ,-2,1.5,2024-01-02,,put,XYZ,12.5,2024-03-15\n"
        "VTI,3,200,2024-01-02,etf,,,,\n"
    )
    private, option, etf = parse(text).positions
    assert (private.investment_class, private.investment_subtype) == (
        InvestmentClass.PRIVATE,
        InvestmentSubtype.REAL_ESTATE,
    )
    assert option.investment_class is InvestmentClass.OPTIONS
    assert (option.symbol, option.position_type) == ("XYZ240315P00012500", PositionType.SP)
    assert etf.investment_subtype is InvestmentSubtype.ETF


def test_malformed_line_does_not_swallow_the_following_lines() -> None:
    text = f'{HEADER}\nAAPL,1,"10,2024-01-02\nMSFT,0,10,2024-01-02\n'
    assert codes(parse(text)) == [(2, None, "MALFORMED_CSV"), (3, "Quantity", "ZERO_QUANTITY")]
