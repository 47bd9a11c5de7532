"""The held securities' ex-ante volatility of the risk-metrics step (diversification
ratio): once per run and date for every partition, each window on its own."""

from __future__ import annotations

import numpy as np
import pytest

from sigmasight.analytics import risk_metrics as rm
from sigmasight.batch import risk_metrics as brm


class _Inputs:
    def __init__(self) -> None:
        self.derived: dict[str, object] = {}


def test_every_security_over_its_own_window_once_per_date() -> None:
    rng = np.random.default_rng(3)
    T, S = 700, 6
    returns = rng.standard_t(4, (T, S)) * 0.01
    returns[0] = np.nan  # row 0 has no return
    returns[600:620, 2] = np.nan  # a gap inside the window
    returns[:650, 4] = np.nan  # too short a history
    inputs = _Inputs()
    t = T - 1
    got = brm._security_volatility_at(inputs, returns, t)
    W = rm.EX_ANTE_WINDOW
    for s in range(S):
        window = returns[t - W + 1 : t + 1, s]
        window = window[np.isfinite(window)]
        if window.size < rm.EX_ANTE_MIN_OBS:
            assert np.isnan(got[s])
        else:
            assert got[s] == pytest.approx(np.std(window, ddof=1) * np.sqrt(252), rel=1e-12)
    assert np.isnan(got[4])
    assert np.isfinite(got[2])
    # a second partition reads the same array; another returns panel is not mistaken
    assert brm._security_volatility_at(inputs, returns, t) is got
    other = returns * 2.0
    again = brm._security_volatility_at(inputs, other, t)
    np.testing.assert_allclose(again, 2.0 * got, rtol=1e-12)
