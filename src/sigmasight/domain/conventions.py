"""Numeric conventions, stated once (see docs/methodology.md)."""

from __future__ import annotations

from typing import Final

#: Trading days per year used to annualise daily figures.
TRADING_DAYS_PER_YEAR: Final = 252
#: Trading days in a month (volatility windows, the HAR horizon).
TRADING_DAYS_PER_MONTH: Final = 21
#: Trading days in a week (the HAR weekly component).
TRADING_DAYS_PER_WEEK: Final = 5
#: Shares per listed equity option contract.
OPTION_CONTRACT_MULTIPLIER: Final = 100
#: Symbol of the market proxy (S&P 500 index) in the demo data and the default benchmark.
MARKET_INDEX_SYMBOL: Final = "^GSPC"
