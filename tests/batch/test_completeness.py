"""A snapshot that lacks a figure it normally carries says so, and why (issue #15)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sigmasight.analytics._typing import Reason
from sigmasight.api.app import create_app
from sigmasight.batch.runner import run_batch
from sigmasight.batch.snapshots import _missing_figures
from sigmasight.config import Settings
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.services.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from sigmasight.storage.history import PortfolioSnapshot
from tests.api.conftest import TEST_SECRET, login
from tests.batch.conftest import UowFactory

#: Seven months of prices: enough for beta (90) and the 63-day volatility, not for the
#: HAR fit (252 rows after 22 lags) nor the percentile (a year).
SHORT_START, RUN = date(2022, 1, 3), date(2022, 8, 1)
NO_FORECAST = "volatility forecast: too little return history"
NO_PERCENTILE = "volatility percentile: too little return history"


class _RecentOnly(DemoProvider):
    def prices(self, symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
        return super().prices(symbols, max(start, SHORT_START), end)


@pytest.fixture
def short_history(uow_factory: UowFactory, calendar: TradingCalendar) -> UowFactory:
    load_demo(uow_factory, calendar=calendar, start=SHORT_START)
    # The run's provider has nothing before SHORT_START: no older history is fetched.
    assert run_batch(uow_factory, ProviderChain([_RecentOnly()]), calendar, RUN, RUN).ok
    return uow_factory


def test_a_snapshot_without_a_har_forecast_is_incomplete_with_the_reason(
    short_history: UowFactory,
) -> None:
    with short_history() as uow:
        snapshots = uow.session.scalars(select(PortfolioSnapshot)).all()
        assert len(snapshots) == 3
        for snap in snapshots:
            assert snap.volatility_expected_21d is None
            assert snap.volatility_percentile is None
            assert snap.beta_direct is not None  # the figures the history allows are there
            assert snap.volatility_63d is not None
            assert snap.is_complete is False
            assert NO_FORECAST in snap.notes
            assert NO_PERCENTILE in snap.notes


def test_the_api_answers_say_incomplete_with_the_reason(
    short_history: UowFactory, database_url: str
) -> None:
    settings = Settings(database_url=database_url, environment="test", jwt_secret=TEST_SECRET)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        headers = login(client, DEMO_EMAIL, DEMO_PASSWORD)
        base = "/api/v1/analytics/portfolio/1"
        overview = client.get(f"{base}/overview", headers=headers).json()
        series = client.get(f"{base}/snapshots", headers=headers).json()
    assert overview["is_complete"] is False
    assert NO_FORECAST in overview["notes"]
    (row,) = series["rows"]
    assert row["is_complete"] is False
    assert NO_FORECAST in row["notes"]
    assert NO_PERCENTILE in row["notes"]


def test_each_missing_figure_is_named_with_its_reason() -> None:
    """Row 0 lacks only leverage, row 1 the exposure-weighted beta and a positive
    variance forecast, row 2 nothing; row 3's non-positive HAR path fell back to the
    realized volatility (flagged), which is a figure, not a missing one."""
    nonpositive = Reason.NONPOSITIVE_FORECAST
    figures = {
        "har_reason": np.array([Reason.OK, nonpositive, Reason.OK, nonpositive], float),
        "volatility_har_fallback": np.array([0.0, 0.0, 0.0, 1.0]),
        "volatility_percentile": np.array([50.0, 40.0, 30.0, 20.0]),
    }
    notes = _missing_figures(
        figures,
        np.array([1.1, np.nan, 0.9, 1.0]),
        np.array([np.nan, 1.3, 1.2, 1.1]),
        np.arange(4),
    )
    assert notes == [
        ["leverage: NAV not positive"],
        [
            "volatility forecast: non-positive variance forecast",
            "exposure-weighted beta: no held security has a beta",
        ],
        [],
        [],
    ]
