"""Enumerations shared by every layer.

Values are the strings stored in the database and shown in the API, so they never change
once released; add members, never rename them.
"""

from __future__ import annotations

from enum import StrEnum


class AccountType(StrEnum):
    TAXABLE = "taxable"
    IRA = "ira"
    ROTH_IRA = "roth_ira"
    K401 = "401k"
    TRUST = "trust"
    OTHER = "other"


class PositionType(StrEnum):
    """Direction of a position: stock long/short, or long/short call/put."""

    LONG = "LONG"
    SHORT = "SHORT"
    LC = "LC"  # long call
    LP = "LP"  # long put
    SC = "SC"  # short call
    SP = "SP"  # short put

    @property
    def is_option(self) -> bool:
        return self in (PositionType.LC, PositionType.LP, PositionType.SC, PositionType.SP)

    @property
    def is_short(self) -> bool:
        return self in (PositionType.SHORT, PositionType.SC, PositionType.SP)


class InvestmentClass(StrEnum):
    PUBLIC = "PUBLIC"
    OPTIONS = "OPTIONS"
    PRIVATE = "PRIVATE"


class InvestmentSubtype(StrEnum):
    STOCK = "STOCK"
    ETF = "ETF"
    MUTUAL_FUND = "MUTUAL_FUND"
    BOND = "BOND"
    CASH = "CASH"
    CALL = "CALL"
    PUT = "PUT"
    PRIVATE_EQUITY = "PRIVATE_EQUITY"
    REAL_ESTATE = "REAL_ESTATE"
    OTHER = "OTHER"


class EquityChangeType(StrEnum):
    CONTRIBUTION = "CONTRIBUTION"
    WITHDRAWAL = "WITHDRAWAL"


class AssetType(StrEnum):
    """What a security is, as reported by a market-data provider."""

    STOCK = "STOCK"
    ETF = "ETF"
    INDEX = "INDEX"
    MUTUAL_FUND = "MUTUAL_FUND"
    BOND = "BOND"
    OPTION = "OPTION"
    CASH = "CASH"
    OTHER = "OTHER"
