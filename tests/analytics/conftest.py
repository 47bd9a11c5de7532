"""Real adjusted closes shipped in the skfolio wheel (20 S&P 500 stocks and the index)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests._ci import unavailable


def _data_dir() -> Path:
    spec = importlib.util.find_spec("skfolio")
    if spec is None or not spec.submodule_search_locations:
        unavailable("the skfolio reference dataset", "skfolio (demo data) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


@pytest.fixture(scope="session")
def prices() -> pd.DataFrame:
    """Adjusted closes, 1990-2022, 20 stocks plus the S&P 500 index as column SP500."""
    d = _data_dir()
    stocks = pd.read_csv(d / "sp500_dataset.csv.gz", index_col=0, parse_dates=True)
    index = pd.read_csv(d / "sp500_index.csv.gz", index_col=0, parse_dates=True)
    return stocks.join(index, how="inner")


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
