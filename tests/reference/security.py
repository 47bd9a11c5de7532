"""Security-level figures (``security_market_betas``, ``security_volatility``) by
statsmodels, arch and numpy, one window at a time, from the closes alone.

Conventions (docs/methodology.md): simple returns; windows counted in sessions and
ending at the figure's date; beta = OLS slope on the S&P 500 over 90 returns (at least
30 complete pairs), capped at +-5; realized volatility = sample std (ddof 1) x sqrt(252)
over 21 / 63 returns; HAR(1, 5, 22) on squared returns over the 504 returns ending at
the date, iterated 21 steps, volatility = sqrt(252 x sum of the path / 21); trend =
vol21 / vol63 - 1 (increasing above +10 %, decreasing below -10 %); percentile = share
of the last 252 daily 21-day volatilities (today included) at or below today's.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from arch.univariate import HARX

BETA_WINDOW, BETA_MIN_OBS, BETA_CAP = 90, 30, 5.0
HAR_WINDOW, HAR_HORIZON, HAR_MIN_ROWS = 504, 21, 252
YEAR = 252
TREND_THRESHOLD = 0.10


def ols_beta(y: np.ndarray, x: np.ndarray) -> dict[str, object]:
    """The stored beta columns of one window by ``statsmodels.OLS``."""
    ok = np.isfinite(y) & np.isfinite(x)
    n = int(ok.sum())
    if n < BETA_MIN_OBS:
        return {"observations": n, "reason": "INSUFFICIENT_DATA", "beta": None}
    fit = sm.OLS(y[ok], sm.add_constant(x[ok])).fit()
    slope = float(fit.params[1])
    return {
        "beta": float(np.clip(slope, -BETA_CAP, BETA_CAP)),
        "beta_uncapped": slope,
        "capped": abs(slope) > BETA_CAP,
        "alpha": float(fit.params[0]),
        "r_squared": float(fit.rsquared),
        "std_error": float(fit.bse[1]),
        "t_stat": float(fit.tvalues[1]),
        "p_value": float(fit.pvalues[1]),
        "observations": int(fit.nobs),
        "reason": "OK",
    }


def realized(returns: np.ndarray, window: int) -> float | None:
    """Annualised sample volatility of the last ``window`` returns (all present)."""
    tail = returns[-window:]
    if tail.size < window or not np.isfinite(tail).all():
        return None
    return float(np.std(tail, ddof=1) * math.sqrt(YEAR))


@dataclass(frozen=True)
class HarFit:
    params: np.ndarray  # const, daily, weekly, monthly
    path: np.ndarray  # 21 forecast daily variances
    r_squared: float
    nobs: int

    @property
    def volatility(self) -> float | None:
        """Today's rule: the volatility of the summed path when the sum is positive."""
        total = float(self.path.sum())
        return math.sqrt(YEAR * total / HAR_HORIZON) if total > 0 else None

    @property
    def has_nonpositive_step(self) -> bool:
        return bool((self.path <= 0).any())


def har_fit(returns: np.ndarray) -> HarFit | None:
    """``arch.univariate.HARX`` on the squared returns of the window (all present)."""
    y = returns[-HAR_WINDOW:] ** 2
    if not np.isfinite(y).all() or y.size - 22 < HAR_MIN_ROWS:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # arch: "y is poorly scaled"
        res = HARX(y, lags=[1, 5, 22], rescale=False).fit(disp="off")
    path = res.forecast(horizon=HAR_HORIZON, reindex=False).mean.to_numpy()[0]
    return HarFit(res.params.to_numpy()[:4], path, float(res.rsquared), int(res.nobs))


def har_volatility_new_rule(fit: HarFit, returns: np.ndarray) -> float | None:
    """Issue #13 item 5: a forecast path with a non-positive daily variance is not a
    forecast; the figure falls back to the realized 21-day volatility (flagged)."""
    if fit.has_nonpositive_step:
        return realized(returns, 21)
    return fit.volatility


def trend(vol21: float | None, vol63: float | None) -> tuple[str | None, float | None]:
    if vol21 is None or vol63 is None or vol63 <= 0:
        return None, None
    strength = vol21 / vol63 - 1.0
    if strength > TREND_THRESHOLD:
        return "increasing", strength
    if strength < -TREND_THRESHOLD:
        return "decreasing", strength
    return "stable", strength


def percentile(returns: np.ndarray) -> float | None:
    """Where the last 21-day volatility ranks among those of the last 252 sessions."""
    span = pd.Series(returns[-(YEAR + 20) :])
    vols = (span.rolling(21).std(ddof=1) * math.sqrt(YEAR)).to_numpy()[-YEAR:]
    current = vols[-1]
    valid = vols[np.isfinite(vols)]
    if returns.size < YEAR or not np.isfinite(current) or valid.size < YEAR - 20:
        return None
    return float(100.0 * (valid <= current).sum() / valid.size)


def volatility_row(returns: np.ndarray) -> dict[str, object]:
    """Every stored ``security_volatility`` figure from the returns up to the date
    (the last element is the date's own return)."""
    vol21, vol63 = realized(returns, 21), realized(returns, 63)
    label, strength = trend(vol21, vol63)
    fit = har_fit(returns)
    row: dict[str, object] = {
        "realized_21d": vol21,
        "realized_63d": vol63,
        "trend": label,
        "trend_strength": strength,
        "percentile": percentile(returns),
    }
    if fit is None:
        return {**row, "expected_21d": None, "har_const": None, "har_fallback": False}
    return {
        **row,
        "har_fallback": fit.has_nonpositive_step,
        "har_const": float(fit.params[0]),
        "har_daily": float(fit.params[1]),
        "har_weekly": float(fit.params[2]),
        "har_monthly": float(fit.params[3]),
        "expected_21d": har_volatility_new_rule(fit, returns),
        "observations": fit.nobs,
        "model_r_squared": fit.r_squared,
    }


def returns_until(returns: pd.DataFrame, day: object, symbol: str) -> np.ndarray:
    """The symbol's returns up to and including ``day`` (nothing after it)."""
    return returns.loc[:day, symbol].to_numpy()
