"""Numbers are ASCII decimals kept exactly, shorts only where the asset allows them,
option expiries in a sane range (issue 14, item 8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from sigmasight.domain.numbers import AmountError, parse_amount
from sigmasight.services.portfolio_import import parse_portfolio_csv

TODAY = date(2025, 6, 30)
HEADER = "Symbol,Quantity,Entry Price Per Share,Entry Date,Investment Subtype"


def _codes(*rows: str) -> list[tuple[str | None, str]]:
    text = "\n".join([HEADER, *rows]) + "\n"
    result = parse_portfolio_csv(text.encode(), today=TODAY)
    return [(e.column, e.code) for e in result.errors]


@pytest.mark.parametrize("quantity", ["١٠٠", "１００", "1_000", "٣", "1e3", "۱۰"])
def test_quantities_must_be_ascii_decimals(quantity: str) -> None:
    assert _codes(f"AAPL,{quantity},150,2024-01-02,") == [("Quantity", "BAD_NUMBER")]


def test_more_decimals_than_the_column_keeps_is_an_error_not_a_rounding() -> None:
    assert _codes("AAPL,1.0000001,150,2024-01-02,") == [("Quantity", "TOO_MANY_DECIMALS")]
    assert _codes("AAPL,1,150.1234567,2024-01-02,") == [
        ("Entry Price Per Share", "TOO_MANY_DECIMALS")
    ]
    assert _codes("AAPL,1.123456,150.1234560000,2024-01-02,") == []  # trailing zeros keep


@pytest.mark.parametrize("subtype", ["MUTUAL_FUND", "CASH"])
def test_no_short_where_the_asset_cannot_be_shorted(subtype: str) -> None:
    assert _codes(f"VFIAX,-10,400,2024-01-02,{subtype}") == [("Quantity", "SHORT_NOT_ALLOWED")]
    assert _codes(f"VFIAX,10,400,2024-01-02,{subtype}") == []
    assert _codes("AAPL,-10,150,2024-01-02,STOCK") == []
    assert _codes("SPY,-10,400,2024-01-02,ETF") == []


def test_option_expiry_in_a_sane_range() -> None:
    header = "Symbol,Quantity,Entry Price Per Share,Entry Date,Investment Class,Underlying Symbol,"
    header += "Strike Price,Expiration Date,Option Type"
    far = f"{header}\nAAPL,1,5,2024-01-02,OPTIONS,AAPL,200,9999-12-31,CALL\n"
    errors = parse_portfolio_csv(far.encode(), today=TODAY).errors
    assert [(e.column, e.code) for e in errors] == [("Expiration Date", "EXPIRY_TOO_FAR")]
    leaps = f"{header}\nAAPL,1,5,2024-01-02,OPTIONS,AAPL,200,2026-12-18,CALL\n"
    assert parse_portfolio_csv(leaps.encode(), today=TODAY).ok


@pytest.mark.parametrize("text", ["-5", "0", "١٠٠", "1_000", "1e3", "1.001"])
def test_amounts_refused(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text, places=2, integer_digits=16, above=Decimal(0))
