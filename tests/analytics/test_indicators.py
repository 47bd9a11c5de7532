"""Technical indicators against TA-Lib on real OHLCV (arch's bundled S&P 500 and NASDAQ
indices, 1999-2018), and their behaviour on constant, short and gappy series."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import talib

from sigmasight.analytics.indicators import (
    FIRST_VALUE,
    NEEDS_OHLCV,
    OBV_WINDOW,
    WARM_UP,
    IndicatorPanel,
    IndicatorReason,
    indicators_at,
)
from tests._ci import unavailable

TOL = 1e-10  # absolute, on values scaled to at least 1 (prices of thousands: relative)


@pytest.fixture(scope="module")
def ohlcv() -> dict[str, np.ndarray]:
    """(T, 2) panels: column 0 the S&P 500, column 1 the NASDAQ Composite."""
    # Read the files arch ships (importing arch itself takes seconds).
    spec = importlib.util.find_spec("arch")
    if spec is None or not spec.submodule_search_locations:
        unavailable("arch", "arch (the bundled OHLCV data) is not installed")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    sp500, nasdaq = (
        pd.read_csv(data / name / f"{name}.csv.gz", index_col="Date", parse_dates=True)
        for name in ("sp500", "nasdaq")
    )
    both = sp500.index.intersection(nasdaq.index)
    return {
        field: np.column_stack([f.loc[both, name].to_numpy(float) for f in (sp500, nasdaq)])
        for field, name in [
            ("open", "Open"),
            ("high", "High"),
            ("low", "Low"),
            ("close", "Close"),
            ("volume", "Volume"),
        ]
    }


@pytest.fixture(scope="module")
def panel(ohlcv: dict[str, np.ndarray]) -> IndicatorPanel:
    rows = np.arange(ohlcv["close"].shape[0])
    return indicators_at(ohlcv["close"], ohlcv["high"], ohlcv["low"], ohlcv["volume"], rows)


def _talib(o: dict[str, np.ndarray], j: int) -> dict[str, np.ndarray]:
    c, h, lo, v = o["close"][:, j], o["high"][:, j], o["low"][:, j], o["volume"][:, j]
    macd, signal, hist = talib.MACD(c, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(c, 20, 2.0, 2.0, 0)
    _, d = talib.STOCHF(h, lo, c, 14, 3, 0)
    k = talib.STOCHF(h, lo, c, 14, 1, 0)[0]  # %K from its first value on
    obv = talib.OBV(c, v)
    trailing = np.full(c.shape, np.nan)
    trailing[OBV_WINDOW:] = obv[OBV_WINDOW:] - obv[:-OBV_WINDOW]
    top, bottom = talib.MAX(c, 252), talib.MIN(c, 252)
    return {
        "sma_20": talib.SMA(c, 20),
        "sma_50": talib.SMA(c, 50),
        "sma_200": talib.SMA(c, 200),
        "ema_12": talib.EMA(c, 12),
        "ema_26": talib.EMA(c, 26),
        "rsi_14": talib.RSI(c, 14),
        "macd": macd,
        "macd_signal": signal,
        "macd_hist": hist,
        "bb_upper": upper,
        "bb_middle": middle,
        "bb_lower": lower,
        "bb_percent_b": (c - lower) / (upper - lower),
        "bb_bandwidth": (upper - lower) / middle,
        "atr_14": talib.ATR(h, lo, c, 14),
        "stoch_k": k,
        "stoch_d": d,
        "obv": trailing,
        "high_52w": top,
        "low_52w": bottom,
        "dist_high_52w": c / top - 1.0,
        "dist_low_52w": c / bottom - 1.0,
    }


@pytest.mark.parametrize("column", [0, 1])
def test_every_indicator_equals_talib_after_the_warm_up(
    ohlcv: dict[str, np.ndarray], panel: IndicatorPanel, column: int
) -> None:
    reference = _talib(ohlcv, column)
    assert set(reference) == set(panel.values) == set(WARM_UP)
    for name, expected in reference.items():
        ours = panel.values[name][:, column]
        reason = panel.reasons[name][:, column]
        settled = np.arange(ours.size) >= WARM_UP[name] - 1
        assert (reason[settled] == IndicatorReason.OK).all(), name
        assert (reason[~settled] != IndicatorReason.OK).all(), name  # warm-up not shown
        np.testing.assert_allclose(ours[settled], expected[settled], rtol=TOL, atol=TOL)


def test_warm_up_values_are_reported_as_warm_up_not_missing(panel: IndicatorPanel) -> None:
    for name in ("ema_26", "rsi_14", "macd_signal", "atr_14"):
        reason = panel.reasons[name][:, 0]
        inside = np.arange(FIRST_VALUE[name] - 1, WARM_UP[name] - 1)
        assert inside.size > 0
        assert (reason[inside] == IndicatorReason.WARM_UP).all(), name
        assert (reason[: FIRST_VALUE[name] - 1] == IndicatorReason.SHORT_HISTORY).all(), name


def test_a_column_alone_equals_the_column_in_a_panel_with_a_later_start(
    ohlcv: dict[str, np.ndarray],
) -> None:
    """Vectorised across securities: a security listed later (NaN before) gets the
    figures TA-Lib gives on its own, shorter history."""
    start = 700
    late = {k: v.copy() for k, v in ohlcv.items()}
    for field in late.values():
        field[:start, 1] = np.nan
    rows = np.arange(late["close"].shape[0])
    got = indicators_at(late["close"], late["high"], late["low"], late["volume"], rows)
    alone = {k: v[start:] for k, v in ohlcv.items()}
    expected = _talib(alone, 1)
    for name, values in expected.items():
        ours = got.values[name][start:, 1]
        ok = got.reasons[name][start:, 1] == IndicatorReason.OK
        assert ok.sum() == values.size - WARM_UP[name] + 1, name
        np.testing.assert_allclose(ours[ok], values[ok], rtol=TOL, atol=TOL, err_msg=name)


def test_closes_only_give_needs_ohlcv_for_range_and_volume_indicators(
    ohlcv: dict[str, np.ndarray],
) -> None:
    close = ohlcv["close"][:400, :1]
    none = np.full(close.shape, np.nan)
    got = indicators_at(close, none, none, none, np.arange(400))
    for name in WARM_UP:
        reason = got.reasons[name][-1, 0]
        if name in NEEDS_OHLCV:
            assert reason == IndicatorReason.NEEDS_OHLCV, name
        else:
            assert reason == IndicatorReason.OK, name


def test_constant_series_is_handled_without_warnings() -> None:
    T = 400
    flat = np.full((T, 1), 50.0)
    got = indicators_at(flat, flat, flat, np.full((T, 1), 1e6), np.arange(T))
    last = {name: (got.values[name][-1, 0], got.reasons[name][-1, 0]) for name in WARM_UP}
    assert last["sma_200"] == (50.0, IndicatorReason.OK)
    assert last["ema_12"][0] == pytest.approx(50.0, abs=1e-12)
    assert last["atr_14"] == (0.0, IndicatorReason.OK)
    assert last["obv"] == (0.0, IndicatorReason.OK)
    assert last["bb_bandwidth"] == (0.0, IndicatorReason.OK)
    for name in ("rsi_14", "bb_percent_b", "stoch_k", "stoch_d"):
        assert np.isnan(last[name][0]), name
        assert last[name][1] == IndicatorReason.NO_MOVEMENT, name


def test_series_shorter_than_every_window() -> None:
    T = 10
    x = np.linspace(10, 11, T)[:, None]
    got = indicators_at(x, x + 0.1, x - 0.1, np.full((T, 1), 100.0), np.arange(T))
    for name in WARM_UP:
        assert np.isnan(got.values[name]).all(), name
        assert (got.reasons[name] == IndicatorReason.SHORT_HISTORY).all(), name


def test_a_gap_is_skipped_and_windows_across_it_are_empty(ohlcv: dict[str, np.ndarray]) -> None:
    o = {k: v[:1200, :1].copy() for k, v in ohlcv.items()}
    for field in o.values():
        field[600:605] = np.nan
    got = indicators_at(o["close"], o["high"], o["low"], o["volume"], np.arange(1200))
    for name in WARM_UP:
        assert (got.reasons[name][600:605, 0] == IndicatorReason.MISSING_PRICE).all(), name
    sma = got.values["sma_20"][:, 0]
    assert np.isnan(sma[600:624]).all()
    assert not np.isnan(sma[624])
    # the recursion resumes after the gap with its state: TA-Lib on the series without it
    kept = np.r_[0:600, 605:1200]
    ema = talib.EMA(o["close"][kept, 0], 12)
    np.testing.assert_allclose(got.values["ema_12"][605:, 0], ema[600:], rtol=TOL)


def test_reasons_for_every_value_are_consistent(panel: IndicatorPanel) -> None:
    for name, values in panel.values.items():
        ok = panel.reasons[name] == IndicatorReason.OK
        assert np.isfinite(values[ok]).all(), name
        assert np.isnan(values[~ok]).all(), name


def test_reference_frame_sanity(ohlcv: dict[str, np.ndarray]) -> None:
    """The bundled data are real daily OHLCV: 1999-2018, consistent bars."""
    o, h, lo, c = ohlcv["open"], ohlcv["high"], ohlcv["low"], ohlcv["close"]
    assert c.shape[0] > 5000
    assert (lo <= np.minimum(o, c) + 1e-9).all()
    assert (h >= np.maximum(o, c) - 1e-9).all()
    assert (ohlcv["volume"] >= 0).all()
