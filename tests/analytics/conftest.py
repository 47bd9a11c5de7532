"""Real adjusted closes shipped in the skfolio wheel (20 S&P 500 stocks and the index)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests._skfolio import skfolio_index, skfolio_stocks


@pytest.fixture(scope="session")
def prices() -> pd.DataFrame:
    """Adjusted closes, 1990-2022, 20 stocks plus the S&P 500 index as column SP500."""
    return skfolio_stocks().join(skfolio_index(), how="inner")


@pytest.fixture(scope="session")
def stock_returns(prices: pd.DataFrame) -> np.ndarray:
    """Simple daily returns of the 20 stocks, (T, 20)."""
    p = prices.drop(columns="SP500").to_numpy()
    return p[1:] / p[:-1] - 1.0


@pytest.fixture(scope="session")
def market_returns(prices: pd.DataFrame) -> np.ndarray:
    """Simple daily returns of the S&P 500 index, (T,)."""
    p = prices["SP500"].to_numpy()
    return p[1:] / p[:-1] - 1.0
