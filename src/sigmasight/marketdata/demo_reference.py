"""Reference facts for the demo universe: names, GICS classification, S&P 500 sector weights.

These are public facts, typed in by hand; each block says where they come from.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from sigmasight.domain.enums import AssetType

#: Symbol -> (name, GICS sector, GICS industry) of the 20 demo stocks, as classified at
#: the end of 2022 (GICS structure before the March 2023 revision, so Walmart is in
#: "Food & Staples Retailing" and GE in "Industrial Conglomerates").
DEMO_STOCKS: Final[dict[str, tuple[str, str, str]]] = {
    "AAPL": ("Apple Inc.", "Information Technology", "Technology Hardware, Storage & Peripherals"),
    "AMD": (
        "Advanced Micro Devices, Inc.",
        "Information Technology",
        "Semiconductors & Semiconductor Equipment",
    ),
    "BAC": ("Bank of America Corporation", "Financials", "Banks"),
    "BBY": ("Best Buy Co., Inc.", "Consumer Discretionary", "Specialty Retail"),
    "CVX": ("Chevron Corporation", "Energy", "Oil, Gas & Consumable Fuels"),
    "GE": ("General Electric Company", "Industrials", "Industrial Conglomerates"),
    "HD": ("The Home Depot, Inc.", "Consumer Discretionary", "Specialty Retail"),
    "JNJ": ("Johnson & Johnson", "Health Care", "Pharmaceuticals"),
    "JPM": ("JPMorgan Chase & Co.", "Financials", "Banks"),
    "KO": ("The Coca-Cola Company", "Consumer Staples", "Beverages"),
    "LLY": ("Eli Lilly and Company", "Health Care", "Pharmaceuticals"),
    "MRK": ("Merck & Co., Inc.", "Health Care", "Pharmaceuticals"),
    "MSFT": ("Microsoft Corporation", "Information Technology", "Software"),
    "PEP": ("PepsiCo, Inc.", "Consumer Staples", "Beverages"),
    "PFE": ("Pfizer Inc.", "Health Care", "Pharmaceuticals"),
    "PG": ("The Procter & Gamble Company", "Consumer Staples", "Household Products"),
    "RRC": ("Range Resources Corporation", "Energy", "Oil, Gas & Consumable Fuels"),
    "UNH": (
        "UnitedHealth Group Incorporated",
        "Health Care",
        "Health Care Providers & Services",
    ),
    "WMT": ("Walmart Inc.", "Consumer Staples", "Food & Staples Retailing"),
    "XOM": ("Exxon Mobil Corporation", "Energy", "Oil, Gas & Consumable Fuels"),
}

#: The iShares MSCI USA factor ETFs shipped with the demo data.
DEMO_ETFS: Final[dict[str, str]] = {
    "MTUM": "iShares MSCI USA Momentum Factor ETF",
    "QUAL": "iShares MSCI USA Quality Factor ETF",
    "SIZE": "iShares MSCI USA Size Factor ETF",
    "USMV": "iShares MSCI USA Min Vol Factor ETF",
    "VLUE": "iShares MSCI USA Value Factor ETF",
}

#: Aliases of the market proxy in the demo: the S&P 500 *price* index ``^GSPC``.
#: SPY is served from the price index, so its demo returns exclude dividends.
DEMO_ALIASES: Final[dict[str, tuple[str, AssetType, str]]] = {
    "SPY": ("SPDR S&P 500 ETF Trust (demo: S&P 500 price index)", AssetType.ETF, "^GSPC"),
    "SPX": ("S&P 500 Index", AssetType.INDEX, "^GSPC"),
    "SP500": ("S&P 500 Index", AssetType.INDEX, "^GSPC"),
}

#: Published S&P 500 sector weights in percent at the end of 2022 (rounded to 0.1).
SP500_SECTOR_PERCENT_2022: Final[dict[str, float]] = {
    "Information Technology": 25.7,
    "Health Care": 15.8,
    "Financials": 11.7,
    "Consumer Discretionary": 9.8,
    "Industrials": 8.7,
    "Communication Services": 7.3,
    "Consumer Staples": 7.2,
    "Energy": 5.2,
    "Utilities": 3.2,
    "Materials": 2.7,
    "Real Estate": 2.7,
}

#: Published S&P 500 sector weight snapshots the demo serves: (date of the figures,
#: source, percent by sector), ascending. Each applies from its own date on, never
#: before it (the demo's last session, 2022-12-28, precedes the year-end 2022 figures,
#: so the demo's run dates have no benchmark weights). Only dates with a published
#: source are listed; none is inferred or interpolated.
SP500_PUBLISHED_WEIGHTS: Final[tuple[tuple[date, str, dict[str, float]], ...]] = (
    (
        date(2022, 12, 30),
        "S&P Dow Jones Indices, S&P 500 fact sheet, sector breakdown as of 2022-12-30 "
        "(published percentages rounded to 0.1, renormalised to sum to 1)",
        SP500_SECTOR_PERCENT_2022,
    ),
)
