"""Demo books enter at the prices of their entry date (issue #13, item 8)."""

from __future__ import annotations

import math
from io import StringIO

import pandas as pd
import pytest
from scipy.stats import norm

from sigmasight.services.demo import DEMO_BOOKS, demo_book_csv
from tests._skfolio import skfolio_closes


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    return skfolio_closes()


def _rows(file: str) -> pd.DataFrame:
    text = demo_book_csv(file).decode()
    return pd.read_csv(StringIO("\n".join(x for x in text.splitlines() if not x.startswith("#"))))


def test_public_entries_and_exits_are_the_close_of_their_date(closes: pd.DataFrame) -> None:
    for book in DEMO_BOOKS:
        rows = _rows(book.file)
        public = rows[rows["Investment Class"] == "PUBLIC"]
        for _, r in public.iterrows():
            assert r["Entry Price Per Share"] == closes.loc[r["Entry Date"], r["Symbol"]]
            if "Exit Date" in r and isinstance(r["Exit Date"], str):
                assert r["Exit Price Per Share"] == closes.loc[r["Exit Date"], r["Symbol"]]


def _black_scholes(spot: float, strike: float, years: float, vol: float, call: bool) -> float:
    d1 = (math.log(spot / strike) + vol * vol * years / 2) / (vol * math.sqrt(years))
    d2 = d1 - vol * math.sqrt(years)
    if call:
        return float(spot * norm.cdf(d1) - strike * norm.cdf(d2))
    return float(strike * norm.cdf(-d2) - spot * norm.cdf(-d1))


def test_option_entries_are_the_model_mark_of_their_date(closes: pd.DataFrame) -> None:
    """Black-Scholes with the underlying's close, its realized 63-session volatility and a
    zero rate (the batch's marks), written here from the closed form."""
    returns = closes.pct_change(fill_method=None)
    cases = [
        ("AAPL230317P00120000", "AAPL", 120.0, "2023-03-17", False),
        ("MSFT", "MSFT", 260.0, "2023-01-20", True),
    ]
    rows = _rows("long_short_fund.csv")
    options = rows[rows["Investment Class"] == "OPTIONS"]
    for (_, r), (symbol, under, strike, expiry, call) in zip(
        options.iterrows(), cases, strict=True
    ):
        assert r["Symbol"] == symbol
        day = r["Entry Date"]
        vol = returns[under].loc[:day].iloc[-63:].std(ddof=1) * math.sqrt(252)
        years = (pd.Timestamp(expiry) - pd.Timestamp(day)).days / 365
        value = _black_scholes(closes.loc[day, under], strike, years, vol, call)
        assert r["Entry Price Per Share"] == pytest.approx(value, abs=5e-7)
