"""The real daily closes shipped in the skfolio wheel, read once for every test module
that needs them: 20 S&P 500 stocks (1990-2022), the index (``SP500``) and five iShares
factor ETFs (MTUM, QUAL, SIZE, USMV, VLUE). Missing skfolio skips locally and fails
under ``CI=true`` (tests/_ci.py)."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import pandas as pd

from tests._ci import unavailable


def skfolio_data_dir() -> Path:
    """The folder of skfolio's bundled CSV files."""
    spec = importlib.util.find_spec("skfolio")
    if spec is None or not spec.submodule_search_locations:
        unavailable("the skfolio reference dataset", "skfolio (demo data) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(skfolio_data_dir() / name, index_col=0, parse_dates=True)


@cache
def _stocks_and_factor_etfs() -> pd.DataFrame:
    return _read("sp500_dataset.csv.gz").join(_read("factors_dataset.csv.gz"), how="left")


def skfolio_closes(index: bool = False) -> pd.DataFrame:
    """Date x symbol closes of the 20 stocks and the factor ETFs (sessions of the stocks),
    with the S&P 500 as column ``^GSPC`` when ``index`` is true. A copy: callers may
    change it."""
    frame = _stocks_and_factor_etfs()
    if index:
        frame = frame.join(_read("sp500_index.csv.gz").rename(columns={"SP500": "^GSPC"}))
    return frame.copy()


def skfolio_index() -> pd.DataFrame:
    """The S&P 500 index closes, column ``SP500``."""
    return _read("sp500_index.csv.gz")


def skfolio_stocks() -> pd.DataFrame:
    """The 20 stocks' closes."""
    return _read("sp500_dataset.csv.gz")
