"""Property tests of the portfolio CSV import (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sigmasight.domain.enums import InvestmentClass, PositionType
from sigmasight.domain.positions import OptionType, format_occ_symbol
from sigmasight.services.portfolio_import import parse_portfolio_csv

TODAY = date(2025, 6, 30)
HEADER = (
    "Symbol,Quantity,Entry Price Per Share,Entry Date,Underlying Symbol,Strike Price,"
    "Expiration Date,Option Type,Exit Date,Exit Price Per Share"
)


@dataclass(frozen=True)
class Row:
    symbol: str
    quantity: Decimal
    price: Decimal
    entry: date
    option: tuple[OptionType, Decimal, date] | None
    exit: tuple[date, Decimal] | None

    def line(self) -> str:
        option = ["", "", "", ""]
        if self.option is not None:
            right, strike, expiry = self.option
            option = [self.symbol, f"{strike}", expiry.isoformat(), right.value]
        exit_cells = (
            ["", ""] if self.exit is None else [self.exit[0].isoformat(), f"{self.exit[1]}"]
        )
        cells = [self.symbol, f"{self.quantity}", f"{self.price}", self.entry.isoformat()]
        return ",".join(cells + option + exit_cells)


_tickers = st.from_regex(r"[A-Z]{1,5}(\.[A-Z])?", fullmatch=True)
_money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**6), places=2)
_past = st.dates(min_value=date(2000, 1, 1), max_value=TODAY)


@st.composite
def rows(draw: st.DrawFn) -> Row:
    is_option = draw(st.booleans())
    magnitude = draw(st.integers(1, 10**6)) if is_option else draw(_money)
    quantity = magnitude if draw(st.booleans()) else -magnitude
    entry = draw(_past)
    option = None
    if is_option:
        latest = min(date(2099, 12, 31), entry + timedelta(days=365 * 10))
        expiry = draw(st.dates(min_value=entry, max_value=latest))
        strike = Decimal(draw(st.integers(1, 99_999_999))) / 1000
        option = (draw(st.sampled_from(OptionType)), strike, expiry)
    exit_ = None
    if draw(st.booleans()):
        last = min(TODAY, option[2]) if option else TODAY
        exit_ = (draw(st.dates(min_value=entry, max_value=last)), draw(_money))
    return Row(draw(_tickers), Decimal(quantity), draw(_money), entry, option, exit_)


def _unique(batch: list[Row]) -> list[Row]:
    seen: set[tuple[object, ...]] = set()
    kept = []
    for row in batch:
        key = (row.symbol, row.quantity, row.price, row.entry, row.option)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


@settings(max_examples=150, deadline=None)
@given(st.lists(rows(), min_size=1, max_size=12).map(_unique))
def test_valid_rows_always_parse_and_keep_their_values(batch: list[Row]) -> None:
    text = "\n".join([HEADER, *(row.line() for row in batch)])
    result = parse_portfolio_csv(text.encode(), today=TODAY)
    assert result.errors == ()
    assert len(result.positions) == len(batch)
    for line, (row, position) in enumerate(zip(batch, result.positions, strict=True), start=2):
        assert position.source_row == line
        assert (position.quantity, position.entry_price, position.entry_date) == (
            row.quantity,
            row.price,
            row.entry,
        )
        assert position.is_short == (row.quantity < 0)
        assert (position.exit_date, position.exit_price) == (row.exit or (None, None))
        if row.option is None:
            assert position.symbol == row.symbol
            assert position.position_type is (
                PositionType.SHORT if row.quantity < 0 else PositionType.LONG
            )
            continue
        right, strike, expiry = row.option
        assert position.investment_class is InvestmentClass.OPTIONS
        assert (position.option_type, position.strike, position.expiry) == (right, strike, expiry)
        # A root longer than OCC's 6 characters cannot be written in OCC form: kept as given.
        occ = format_occ_symbol(row.symbol, expiry, right, strike)
        assert position.symbol == (occ or row.symbol)
        assert position.position_type.is_short == (row.quantity < 0)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=300).map(str.encode))
def test_any_bytes_give_a_result_never_an_exception(data: bytes) -> None:
    result = parse_portfolio_csv(data, today=TODAY)
    assert result.ok == (result.errors == ())
    assert result.ok or result.positions == ()
    assert all(e.row >= 0 and e.code and e.message for e in result.errors)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["0", "1", "abc", "-2"]), min_size=1, max_size=8),
    st.lists(st.sampled_from(["# note", "", "  ", "#,,,"]), max_size=5),
)
def test_comment_lines_shift_reported_rows_by_their_count(
    quantities: list[str], comments: list[str]
) -> None:
    lines = [f"S{i},{q},10,2024-01-02" for i, q in enumerate(quantities)]
    plain = parse_portfolio_csv("\n".join([HEADER, *lines]).encode(), today=TODAY)
    commented = parse_portfolio_csv("\n".join([*comments, HEADER, *lines]).encode(), today=TODAY)
    shift = len(comments)
    assert [(e.row + shift, e.column, e.code) for e in plain.errors] == [
        (e.row, e.column, e.code) for e in commented.errors
    ]
