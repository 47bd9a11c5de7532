"""Snapshot figures against independent computations on the real demo prices."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from sigmasight.batch.runner import run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.services.demo import demo_book_csv
from sigmasight.storage.history import PortfolioSnapshot
from tests.batch.conftest import UowFactory

DAY = date(2022, 12, 28)


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    spec = importlib.util.find_spec("skfolio")
    assert spec is not None
    assert spec.submodule_search_locations
    folder = Path(spec.submodule_search_locations[0]) / "datasets" / "data"
    stocks = pd.read_csv(folder / "sp500_dataset.csv.gz", index_col=0, parse_dates=True)
    etfs = pd.read_csv(folder / "factors_dataset.csv.gz", index_col=0, parse_dates=True)
    index = pd.read_csv(folder / "sp500_index.csv.gz", index_col=0, parse_dates=True)
    frame = stocks.join(etfs, how="left").join(index.rename(columns={"SP500": "^GSPC"}))
    return frame.loc[:"2022-12-28"]


def _book(name: str) -> pd.DataFrame:
    from io import BytesIO

    text = demo_book_csv(name).decode()
    rows = [line for line in text.splitlines() if not line.startswith("#")]
    return pd.read_csv(BytesIO("\n".join(rows).encode()))


@pytest.fixture
def snapshot(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> dict[int, PortfolioSnapshot]:
    assert run_batch(demo_db, chain, calendar, DAY, DAY).ok
    with demo_db() as uow:
        found = {p: uow.session.get(PortfolioSnapshot, (p, DAY)) for p in (1, 2, 3)}
        uow.session.expunge_all()
    return {k: v for k, v in found.items() if v is not None}


def test_individual_book_nav_beta_volatility_and_concentration(
    snapshot: dict[int, PortfolioSnapshot], closes: pd.DataFrame
) -> None:
    book = _book("individual_diversified.csv")
    open_ = book[book["Exit Date"].isna()]
    last = closes.iloc[-1]
    value = open_["Quantity"].to_numpy() * last[open_["Symbol"]].to_numpy()
    unrealised = (value - open_["Quantity"] * open_["Entry Price Per Share"]).sum()
    realised = 300 * (31.20 - 40.50)  # BAC sold on 2022-06-15
    nav = 210_000 + unrealised + realised
    snap = snapshot[1]
    assert snap.nav == pytest.approx(nav, rel=1e-12)
    assert snap.cash == pytest.approx(nav - value.sum(), rel=1e-9)
    assert snap.long_exposure == pytest.approx(value.sum(), rel=1e-12)

    returns = closes.pct_change(fill_method=None).iloc[-90:]
    market = sm.add_constant(returns["^GSPC"].to_numpy())
    betas = np.array(
        [sm.OLS(returns[s].to_numpy(), market).fit().params[1] for s in open_["Symbol"]]
    )
    assert snap.beta_weighted == pytest.approx((value * betas).sum() / nav, rel=1e-9)
    weights = value / nav
    series = returns[open_["Symbol"]].to_numpy() @ weights
    direct = sm.OLS(series, market).fit()
    assert snap.beta_direct == pytest.approx(direct.params[1], rel=1e-9)
    assert snap.beta_direct_r_squared == pytest.approx(direct.rsquared, rel=1e-9)
    assert snap.volatility_21d == pytest.approx(series[-21:].std(ddof=1) * np.sqrt(252), rel=1e-9)
    share = value / value.sum()
    assert snap.hhi == pytest.approx(1e4 * (share**2).sum(), rel=1e-12)
    assert snap.effective_positions == pytest.approx(1 / (share**2).sum(), rel=1e-12)
    assert snap.top3_weight == pytest.approx(np.sort(share)[-3:].sum(), rel=1e-12)
    assert snap.n_positions == 13  # BAC exited
    assert snap.is_complete


def test_daily_pnl_and_return_follow_the_closes(
    snapshot: dict[int, PortfolioSnapshot], closes: pd.DataFrame
) -> None:
    book = _book("concentrated_growth.csv")
    move = closes.iloc[-1] - closes.iloc[-2]
    pnl = (book["Quantity"].to_numpy() * move[book["Symbol"]].to_numpy()).sum()
    snap = snapshot[2]
    assert snap.daily_pnl == pytest.approx(pnl, rel=1e-12)
    assert snap.daily_return == pytest.approx(pnl / (snap.nav - pnl), rel=1e-12)


def test_long_short_book_signs_sectors_and_exclusions(
    snapshot: dict[int, PortfolioSnapshot],
) -> None:
    snap = snapshot[3]
    assert snap.short_exposure < 0 < snap.long_exposure
    assert snap.gross_exposure == pytest.approx(snap.long_exposure - snap.short_exposure)
    sectors = snap.sector_exposure
    buckets = sectors["buckets"]
    assert sum(sectors["long"]) == pytest.approx(1.0)
    assert sum(sectors["short"]) == pytest.approx(-1.0)
    # Sector weights use delta-adjusted option exposure (not premiums): net sums to
    # (long + short) / gross of those exposures, as documented.
    net = sum(v for v in sectors["net"] if v is not None)
    assert sectors["gross"] == pytest.approx(sectors["long_total"] - sectors["short_total"])
    assert net == pytest.approx(
        (sectors["long_total"] + sectors["short_total"]) / sectors["gross"], rel=1e-12
    )
    # The private credit fund is unclassified; the shorts are in the sectors they belong to.
    assert sectors["long"][buckets.index("Unclassified")] > 0
    assert sectors["short"][buckets.index("Consumer Discretionary")] < 0  # BBY
    assert sectors["benchmark_as_of"] == "2022-12-28"
    assert sum(sectors["benchmark"]) == pytest.approx(1.0)
