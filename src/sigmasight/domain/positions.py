"""Value objects for an imported position, and the OCC option-symbol parser.

An OCC (Options Clearing Corporation) symbol names a listed equity option in 21
characters: the root symbol padded with spaces to 6, the expiry as ``YYMMDD``, ``C`` or
``P``, and the strike times 1000 as 8 digits. Brokers usually print it without the
padding, e.g. ``AAPL220121C00150000`` is the AAPL call expiring 2022-01-21 with a strike
of 150. Both forms are accepted here; :func:`format_occ_symbol` writes the compact form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from sigmasight.domain.enums import InvestmentClass, InvestmentSubtype, PositionType

#: Root, optional padding, ``YYMMDD``, ``C``/``P``, strike x 1000 in 8 digits.
_OCC_PATTERN: Final = re.compile(r"^([A-Z0-9.]{1,6}) *(\d{2})(\d{2})(\d{2})([CP])(\d{8})$")
#: Strikes are encoded in thousandths of a currency unit.
_OCC_STRIKE_SCALE: Final = Decimal(1000)
#: Two-digit years in OCC symbols are read as 2000-2099 (the OCC format started in 2010).
_OCC_CENTURY: Final = 2000
#: Anything shaped like an OCC symbol, valid or not, so that a typo in one is recognised.
_OCC_LIKE: Final = re.compile(r"^[A-Z0-9.]+ *\d{5,7}[CP]\d{5,10}$")
#: Exchange tickers and index/FX codes: AAPL, BRK.B, BRK-B, ^GSPC, EURUSD=X.
_MARKET_SYMBOL: Final = re.compile(r"^\^?[A-Z0-9]+(?:[./=-][A-Z0-9]+)*$")
_MARKET_SYMBOL_MAX_LENGTH: Final = 15
#: A private holding's name starts with a letter or digit: never with =, +, - or @, which
#: spreadsheets run as formulas when the data is exported again.
_PRIVATE_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .,&'()/_+-]{0,79}$")


class OptionType(StrEnum):
    """Right of a listed option."""

    CALL = "CALL"
    PUT = "PUT"


@dataclass(frozen=True, slots=True)
class OccSymbol:
    """The parts of an OCC option symbol.

    Attributes
    ----------
    root : str
        Underlying root symbol, 1-6 characters (letters, digits, ``.``).
    expiry : date
        Expiration date.
    option_type : OptionType
        Call or put.
    strike : Decimal
        Strike price per share, at most 3 decimal places.
    """

    root: str
    expiry: date
    option_type: OptionType
    strike: Decimal


def is_market_symbol(symbol: str) -> bool:
    """Whether upper-case ``symbol`` is shaped like a ticker (1-15 characters)."""
    return len(symbol) <= _MARKET_SYMBOL_MAX_LENGTH and bool(_MARKET_SYMBOL.fullmatch(symbol))


def is_private_holding_name(name: str) -> bool:
    """Whether ``name`` is acceptable as the symbol of a private holding (1-80 characters)."""
    return _PRIVATE_NAME.fullmatch(name) is not None


def looks_like_occ_symbol(symbol: str) -> bool:
    """Whether upper-case ``symbol`` has the shape of an OCC symbol, valid or not."""
    return _OCC_LIKE.fullmatch(symbol) is not None


def parse_occ_symbol(symbol: str) -> OccSymbol | None:
    """Parse an OCC option symbol, compact or space-padded.

    Parameters
    ----------
    symbol : str
        Text such as ``"AAPL220121C00150000"`` or ``"AAPL  220121C00150000"``; case and
        surrounding spaces are ignored.

    Returns
    -------
    OccSymbol or None
        The parts, or ``None`` when the text is not an OCC symbol (wrong shape, an
        impossible calendar date, or a zero strike).
    """
    match = _OCC_PATTERN.match(symbol.strip().upper())
    if match is None:
        return None
    root, yy, mm, dd, right, strike_digits = match.groups()
    try:
        expiry = date(_OCC_CENTURY + int(yy), int(mm), int(dd))
    except ValueError:
        return None
    strike = Decimal(int(strike_digits)) / _OCC_STRIKE_SCALE
    if strike == 0:
        return None
    option_type = OptionType.CALL if right == "C" else OptionType.PUT
    return OccSymbol(root=root, expiry=expiry, option_type=option_type, strike=strike)


def format_occ_symbol(
    root: str, expiry: date, option_type: OptionType, strike: Decimal
) -> str | None:
    """Write the compact OCC symbol, e.g. ``AAPL220121C00150000``.

    Returns
    -------
    str or None
        ``None`` when the contract cannot be written in OCC form: a root that is not
        1-6 letters/digits/dots, an expiry outside 2000-2099, or a strike that is not a
        positive multiple of 0.001 below 100,000.
    """
    root = root.strip().upper()
    if not re.fullmatch(r"[A-Z0-9.]{1,6}", root):
        return None
    if not _OCC_CENTURY <= expiry.year < _OCC_CENTURY + 100:
        return None
    scaled = strike * _OCC_STRIKE_SCALE
    if scaled != scaled.to_integral_value() or not 0 < scaled < 10**8:
        return None
    right = "C" if option_type is OptionType.CALL else "P"
    return f"{root}{expiry:%y%m%d}{right}{int(scaled):08d}"


def position_type_for(quantity: Decimal, option_type: OptionType | None) -> PositionType:
    """Direction of a position from the sign of its quantity and, for options, the right.

    A negative quantity is short. Stocks and private holdings are LONG/SHORT; options are
    LC/LP (long call/put) or SC/SP (short call/put).

    Raises
    ------
    ValueError
        If ``quantity`` is zero (a position of nothing has no direction).
    """
    if quantity == 0:
        raise ValueError("a position needs a non-zero quantity")
    short = quantity < 0
    if option_type is None:
        return PositionType.SHORT if short else PositionType.LONG
    if option_type is OptionType.CALL:
        return PositionType.SC if short else PositionType.LC
    return PositionType.SP if short else PositionType.LP


@dataclass(frozen=True, slots=True)
class ParsedPosition:
    """One position read from an import file, validated and normalised.

    Money and quantities are exact decimals. For options the quantity counts contracts
    and prices are per share (one contract covers ``OPTION_CONTRACT_MULTIPLIER`` shares).

    Attributes
    ----------
    symbol : str
        Market symbol (upper case), OCC symbol for listed options, or the holding's name
        for a private investment (case kept).
    quantity : Decimal
        Signed: negative means short.
    entry_price, exit_price : Decimal, Decimal or None
        Price per share at entry and at exit (exit 0 is allowed: worthless expiry).
    entry_date, exit_date : date, date or None
        Trade dates; ``exit_date`` is on or after ``entry_date``.
    investment_class : InvestmentClass
        PUBLIC, OPTIONS or PRIVATE.
    investment_subtype : InvestmentSubtype or None
        E.g. STOCK, ETF, CALL, PUT; ``None`` when a private holding gave none.
    position_type : PositionType
        LONG/SHORT, or LC/LP/SC/SP for options, consistent with the quantity's sign.
    underlying_symbol, strike, expiry : str, Decimal, date or None
        Option contract terms; all set for options and all ``None`` otherwise.
    source_row : int
        1-based physical line of the file the position came from.
    modified_duration, convexity : float or None
        Of a bond holding (years, years squared), for the rate shocks of the stress
        tests; ``None`` for a position without them (never for an option).
    """

    symbol: str
    quantity: Decimal
    entry_price: Decimal
    entry_date: date
    exit_price: Decimal | None
    exit_date: date | None
    investment_class: InvestmentClass
    investment_subtype: InvestmentSubtype | None
    position_type: PositionType
    underlying_symbol: str | None
    strike: Decimal | None
    expiry: date | None
    source_row: int
    modified_duration: float | None = None
    convexity: float | None = None

    def __post_init__(self) -> None:
        problem = _invariant_violation(self)
        if problem is not None:
            raise ValueError(f"invalid ParsedPosition {self.symbol!r}: {problem}")

    @property
    def is_short(self) -> bool:
        """Whether the position is short (negative quantity)."""
        return self.quantity < 0

    @property
    def option_type(self) -> OptionType | None:
        """Call or put for an option, ``None`` otherwise."""
        if self.position_type in (PositionType.LC, PositionType.SC):
            return OptionType.CALL
        if self.position_type in (PositionType.LP, PositionType.SP):
            return OptionType.PUT
        return None

    @property
    def occ_symbol(self) -> str | None:
        """Compact OCC symbol of an option contract, ``None`` if not an option or not
        representable (see :func:`format_occ_symbol`)."""
        option_type = self.option_type
        if (
            option_type is None
            or self.underlying_symbol is None
            or self.expiry is None
            or self.strike is None
        ):
            return None
        return format_occ_symbol(self.underlying_symbol, self.expiry, option_type, self.strike)


def _invariant_violation(p: ParsedPosition) -> str | None:
    """The first broken invariant of a position, or ``None``."""
    if p.quantity == 0:
        return "quantity is zero"
    if p.entry_price <= 0:
        return "entry price is not positive"
    if (p.exit_date is None) != (p.exit_price is None):
        return "exit date and exit price must be given together"
    if p.exit_price is not None and p.exit_price < 0:
        return "exit price is negative"
    if p.exit_date is not None and p.exit_date < p.entry_date:
        return "exit date is before entry date"
    if p.convexity is not None and p.modified_duration is None:
        return "convexity without a modified duration"
    if p.modified_duration is not None and p.investment_class is InvestmentClass.OPTIONS:
        return "an option has no modified duration (it is repriced)"
    is_option = p.investment_class is InvestmentClass.OPTIONS
    terms = (p.underlying_symbol, p.strike, p.expiry)
    if is_option != all(t is not None for t in terms) or (
        not is_option and any(t is not None for t in terms)
    ):
        return "option terms must be set exactly for options"
    if p.position_type.is_option != is_option or p.position_type.is_short != (p.quantity < 0):
        return f"position type {p.position_type} does not match class and quantity"
    return None
