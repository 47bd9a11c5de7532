"""OCC option symbols, position direction and the ParsedPosition invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigmasight.domain.enums import InvestmentClass, InvestmentSubtype, PositionType
from sigmasight.domain.positions import (
    OccSymbol,
    OptionType,
    ParsedPosition,
    format_occ_symbol,
    is_market_symbol,
    is_private_holding_name,
    parse_occ_symbol,
    position_type_for,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "AAPL220121C00150000",
            OccSymbol("AAPL", date(2022, 1, 21), OptionType.CALL, Decimal(150)),
        ),
        (
            "AAPL  220121C00150000",
            OccSymbol("AAPL", date(2022, 1, 21), OptionType.CALL, Decimal(150)),
        ),
        (
            "spy241220p00480500",
            OccSymbol("SPY", date(2024, 12, 20), OptionType.PUT, Decimal("480.5")),
        ),
        ("F250117C00012500", OccSymbol("F", date(2025, 1, 17), OptionType.CALL, Decimal("12.5"))),
        (
            "BRKB250620P00000001",
            OccSymbol("BRKB", date(2025, 6, 20), OptionType.PUT, Decimal("0.001")),
        ),
        ("GOOGLEX270115C00100000", None),  # 7-character root
        ("AAPL220230C00150000", None),  # 30 February
        ("AAPL220121X00150000", None),  # neither C nor P
        ("AAPL220121C0015000", None),  # 7-digit strike
        ("AAPL220121C00000000", None),  # zero strike
        ("AAPL", None),
        ("", None),
    ],
)
def test_parse_occ_symbol(text: str, expected: OccSymbol | None) -> None:
    assert parse_occ_symbol(text) == expected


def test_format_occ_symbol_examples() -> None:
    assert format_occ_symbol("aapl", date(2022, 1, 21), OptionType.CALL, Decimal("150")) == (
        "AAPL220121C00150000"
    )
    assert format_occ_symbol("SPY", date(2024, 12, 20), OptionType.PUT, Decimal("480.5")) == (
        "SPY241220P00480500"
    )
    assert format_occ_symbol("SPY", date(2024, 12, 20), OptionType.PUT, Decimal("1.0005")) is None
    assert format_occ_symbol("SPY", date(2024, 12, 20), OptionType.PUT, Decimal(100_000)) is None
    assert format_occ_symbol("TOOLONG", date(2024, 12, 20), OptionType.PUT, Decimal(1)) is None
    assert format_occ_symbol("SPY", date(1999, 12, 17), OptionType.PUT, Decimal(1)) is None


_roots = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.", min_size=1, max_size=6)
_strikes = st.integers(min_value=1, max_value=99_999_999).map(lambda n: Decimal(n) / 1000)
_expiries = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(_roots, _expiries, st.sampled_from(OptionType), _strikes)
def test_occ_format_parse_round_trip(
    root: str, expiry: date, option_type: OptionType, strike: Decimal
) -> None:
    text = format_occ_symbol(root, expiry, option_type, strike)
    assert text is not None
    assert len(text) == len(root) + 15
    assert parse_occ_symbol(text) == OccSymbol(root, expiry, option_type, strike)
    padded = f"{root:<6}{text[len(root) :]}"
    assert parse_occ_symbol(padded) == parse_occ_symbol(text)


@given(st.decimals(allow_nan=False, allow_infinity=False).filter(lambda q: q != 0))
def test_position_type_follows_quantity_sign(quantity: Decimal) -> None:
    short = quantity < 0
    assert position_type_for(quantity, None) is (PositionType.SHORT if short else PositionType.LONG)
    call = position_type_for(quantity, OptionType.CALL)
    put = position_type_for(quantity, OptionType.PUT)
    assert (call, put) == (
        (PositionType.SC, PositionType.SP) if short else (PositionType.LC, PositionType.LP)
    )
    assert call.is_short == put.is_short == short
    assert call.is_option
    assert put.is_option


def test_position_type_rejects_zero() -> None:
    with pytest.raises(ValueError, match="non-zero"):
        position_type_for(Decimal(0), None)


@pytest.mark.parametrize(
    ("symbol", "ok"),
    [
        ("AAPL", True),
        ("BRK.B", True),
        ("BRK-B", True),
        ("^GSPC", True),
        ("EURUSD=X", True),
        ("0700.HK", True),
        ("AAPL US", False),
        ("=1+2", False),
        ("-AAPL", False),
        ("A..B", False),
        ("ABCDEFGHIJKLMNOP", False),
        ("", False),
        ("aapl", False),
    ],
)
def test_market_symbol_shape(symbol: str, ok: bool) -> None:
    assert is_market_symbol(symbol) is ok


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("Acme Ventures Fund II", True),
        ("O'Brien & Sons (Class B)", True),
        ("=HYPERLINK()", False),
        ("+1", False),
        ("@SUM", False),
        (" leading space", False),
        ("x" * 80, True),
        ("x" * 81, False),
    ],
)
def test_private_holding_name_shape(name: str, ok: bool) -> None:
    assert is_private_holding_name(name) is ok


_STOCK = ParsedPosition(
    symbol="AAPL",
    quantity=Decimal(10),
    entry_price=Decimal("150.5"),
    entry_date=date(2024, 1, 2),
    exit_price=None,
    exit_date=None,
    investment_class=InvestmentClass.PUBLIC,
    investment_subtype=InvestmentSubtype.STOCK,
    position_type=PositionType.LONG,
    underlying_symbol=None,
    strike=None,
    expiry=None,
    source_row=2,
)
_CALL = replace(
    _STOCK,
    symbol="AAPL250117C00200000",
    investment_class=InvestmentClass.OPTIONS,
    investment_subtype=InvestmentSubtype.CALL,
    position_type=PositionType.LC,
    underlying_symbol="AAPL",
    strike=Decimal(200),
    expiry=date(2025, 1, 17),
)


def test_parsed_position_derived_properties() -> None:
    assert (_STOCK.option_type, _STOCK.occ_symbol, _STOCK.is_short) == (None, None, False)
    assert _CALL.option_type is OptionType.CALL
    assert _CALL.occ_symbol == "AAPL250117C00200000"
    short_put = replace(_CALL, quantity=Decimal(-1), position_type=PositionType.SP)
    assert (short_put.option_type, short_put.is_short) == (OptionType.PUT, True)


@pytest.mark.parametrize(
    "changes",
    [
        {"quantity": Decimal(0)},
        {"entry_price": Decimal(0)},
        {"exit_date": date(2024, 2, 1)},
        {"exit_date": date(2023, 12, 1), "exit_price": Decimal(1)},
        {"exit_date": date(2024, 2, 1), "exit_price": Decimal(-1)},
        {"quantity": Decimal(-10)},
        {"position_type": PositionType.LC},
        {"strike": Decimal(100)},
    ],
)
def test_parsed_position_refuses_broken_invariants(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="invalid ParsedPosition"):
        replace(_STOCK, **changes)  # type: ignore[arg-type]


def test_option_position_needs_all_terms() -> None:
    with pytest.raises(ValueError, match="option terms"):
        replace(_CALL, expiry=None)
