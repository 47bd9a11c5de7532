"""Snapshot figures against independent computations on the real demo prices."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from sigmasight.analytics.sectors import BUCKETS, sector_views
from sigmasight.batch.runner import run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.services.analytics import sector_exposure
from sigmasight.services.demo import demo_book_csv
from sigmasight.storage.history import PortfolioSnapshot
from sigmasight.storage.models import Portfolio
from tests._skfolio import skfolio_closes
from tests.batch.conftest import UowFactory

DAY = date(2022, 12, 28)


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    return skfolio_closes(index=True).loc[:"2022-12-28"]


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
    sold = book[book["Exit Date"].notna()]  # BAC, sold on 2022-06-15
    gain = sold["Exit Price Per Share"] - sold["Entry Price Per Share"]
    realised = (sold["Quantity"] * gain).sum()
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
    stored = snap.sector_exposure
    assert set(stored) == {"benchmark_as_of", "long", "short"}
    assert stored["benchmark_as_of"] is None  # the demo's weights are dated 2022-12-30
    # Stored as exposure in currency per bucket: longs positive, shorts negative, and
    # together they are the book's delta-adjusted long and short exposure.
    assert all(v > 0 for v in stored["long"].values())
    assert all(v < 0 for v in stored["short"].values())
    # The private credit fund is in no bucket (issue #13: private holdings are not
    # exposures); the shorts are in the sectors they belong to.
    assert "Unclassified" not in stored["long"]
    assert stored["short"]["Consumer Discretionary"] < 0  # BBY
    long = np.array([stored["long"].get(b, 0.0) for b in BUCKETS])
    short = np.array([stored["short"].get(b, 0.0) for b in BUCKETS])
    views = sector_views(long[None], short[None], {})
    assert views.long.sum() == pytest.approx(1.0)
    assert views.short.sum() == pytest.approx(-1.0)
    # Sector weights use delta-adjusted option exposure (not premiums): net sums to
    # (long + short) / gross of those exposures, as documented.
    gross = long.sum() - short.sum()
    assert views.gross[0] == pytest.approx(gross, rel=1e-15)
    assert np.nansum(views.net) == pytest.approx((long.sum() + short.sum()) / gross, rel=1e-12)


def test_sector_reader_reads_stored_sums_and_the_earlier_stored_views(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    """Snapshots written before the batch stored bucket sums kept their views; the
    reader serves both, and the same figures from each."""
    assert run_batch(demo_db, chain, calendar, DAY, DAY).ok
    with demo_db() as uow:
        owner = uow.session.get(Portfolio, 3).owner_id  # type: ignore[union-attr]
    derived = sector_exposure(demo_db, owner, 3, DAY)
    assert derived.benchmark_as_of is None  # the demo's weights are dated 2022-12-30
    assert derived.sums.benchmark is None
    earlier = {
        "benchmark_as_of": None,
        "gross": derived.gross,
        "long_total": derived.long_total,
        "short_total": derived.short_total,
        "buckets": [b.sector for b in derived.buckets],
        **{
            view: [getattr(b, view) for b in derived.buckets]
            for view in ("long", "short", "net", "active", "benchmark")
        },
    }
    with demo_db() as uow:
        snap = uow.session.get(PortfolioSnapshot, (3, DAY))
        assert snap is not None
        snap.sector_exposure = earlier
        uow.commit()
    assert sector_exposure(demo_db, owner, 3, DAY) == derived
