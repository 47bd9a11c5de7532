"""HAR forecasts with a non-positive day fall back to realized volatility (issue #13, item 5).

The dates are real: on each, the HAR model fitted on the 504 demo returns ending there
forecasts a negative daily variance on some day of its 21-day path. ``arch``'s HARX,
fitted independently on the same squared returns, confirms the negative day.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from arch.univariate import HARX

from sigmasight.analytics._typing import Reason
from sigmasight.analytics.volatility import har_forecast, har_forecasts_at
from tests._skfolio import skfolio_closes

#: (symbol, date) where the 504-return HAR path has a non-positive day.
NEGATIVE_PATHS = [
    ("HD", "2022-02-22"),
    ("JNJ", "2022-02-25"),
    ("USMV", "2022-02-25"),
    ("WMT", "2022-05-17"),
    ("AMD", "2022-10-07"),
]


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    return skfolio_closes().pct_change(fill_method=None)


def _arch_path(r: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        fit = HARX(r * r * 1e4, lags=[1, 5, 22], rescale=False).fit(disp="off")
    path: np.ndarray = fit.forecast(horizon=21, reindex=False).mean.to_numpy()[0] / 1e4
    return path


@pytest.mark.parametrize(("symbol", "day"), NEGATIVE_PATHS)
def test_negative_har_path_falls_back_to_realized_volatility(
    returns: pd.DataFrame, symbol: str, day: str
) -> None:
    r = returns[symbol].loc[:day].iloc[-504:].to_numpy()
    assert np.isfinite(r).all()
    assert _arch_path(r).min() <= 0  # the independent fit has the negative day too
    har = har_forecast(r)
    assert bool(har.fallback)
    assert har.reason == Reason.NONPOSITIVE_FORECAST
    realized = r[-21:].std(ddof=1) * np.sqrt(252)
    assert har.volatility == pytest.approx(realized, rel=1e-12)
    assert har.variance == pytest.approx(21 * r[-21:].var(ddof=1), rel=1e-12)
    assert np.isnan(har.path).all()  # the impossible path is not reported


def test_positive_paths_are_not_flagged_and_batched_fits_agree(returns: pd.DataFrame) -> None:
    symbols = ["AAPL", "HD", "JNJ", "USMV", "WMT", "AMD"]
    frame = returns[symbols].loc["2019-01-01":"2022-12-28"]
    ends = np.array([frame.index.get_loc(pd.Timestamp(d)) for _, d in NEGATIVE_PATHS])
    batched = har_forecasts_at(frame.to_numpy(), ends, 504)
    for k, (symbol, _) in enumerate(NEGATIVE_PATHS):
        column = symbols.index(symbol)
        assert batched.fallback[k, column]
        single = har_forecast(frame.to_numpy()[ends[k] - 503 : ends[k] + 1, column])
        assert batched.volatility[k, column] == pytest.approx(single.volatility, rel=1e-12)
    ok = ~batched.fallback & (batched.reason == Reason.OK)
    assert ok.any()
    assert (batched.path.min(axis=1)[ok] > 0).all()
