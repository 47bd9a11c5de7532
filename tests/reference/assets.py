"""Asset-metric figures (``asset_performance_metrics``) recomputed with pandas from the
raw stored closes, and the beta with statsmodels.

Conventions (docs/methodology.md, "Asset metrics"): SMA = rolling mean; EMA
``y = y_prev + a (x - y_prev)``, a = 2 / (n + 1), seeded with the mean of the first n
closes (pandas ``ewm(adjust=False)`` from the seed); RSI with Wilder's averages (a = 1/n)
of gains and losses; MACD = EMA12 - EMA26, signal its EMA9, histogram their difference;
Bollinger = SMA20 +- 2 population deviations; 52-week high/low = the extreme close of
252 sessions. Every stored date here is more than 500 sessions after the first close,
so a recursion's seed weighs less than 1e-15 wherever it was placed. Returns over
h sessions ``P_D / P_{D-h} - 1`` (3y, 5y compounded to a year); YTD from the previous
year's last close; one-year volatility and Sharpe over 252 returns, maximum drawdown
over the 253 closes ending at D. The demo has closes only: ATR, stochastics and OBV
are null "needs OHLCV".
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from tests.reference import security as ref
from tests.reference.raw import MARKET, Raw

HORIZONS = {"1m": 21, "3m": 63, "6m": 126, "1y": 252, "3y": 756, "5y": 1260}
YEAR = 252
NEEDS_OHLCV = ("atr_14", "stoch_k", "stoch_d", "obv")


def ema(close: pd.Series, n: int) -> pd.Series:
    """Exponential average seeded with the mean of the first ``n`` closes."""
    seed = close.iloc[:n].mean()
    tail = pd.concat([pd.Series([seed], index=[close.index[n - 1]]), close.iloc[n:]])
    return tail.ewm(alpha=2.0 / (n + 1.0), adjust=False).mean().reindex(close.index)


def wilder(values: pd.Series, n: int) -> pd.Series:
    """Wilder's average ``((n - 1) y_prev + x) / n`` seeded with the mean of the first n."""
    seed = values.iloc[:n].mean()
    tail = pd.concat([pd.Series([seed], index=[values.index[n - 1]]), values.iloc[n:]])
    return tail.ewm(alpha=1.0 / n, adjust=False).mean().reindex(values.index)


class AssetReference:
    def __init__(self, raw: Raw) -> None:
        self.raw = raw
        self.returns = raw.returns
        self._frames: dict[str, pd.DataFrame] = {}

    def frame(self, symbol: str) -> pd.DataFrame:
        """Every close-based figure of ``symbol`` on every session (pandas)."""
        if symbol in self._frames:
            return self._frames[symbol]
        c = self.raw.closes[symbol].dropna()
        out = pd.DataFrame(index=c.index)
        out["close"] = c
        for n in (20, 50, 200):
            out[f"sma_{n}"] = c.rolling(n).mean()
        for n in (12, 26):
            out[f"ema_{n}"] = ema(c, n)
        change = c.diff().iloc[1:]
        gain = wilder(change.clip(lower=0.0), 14)
        loss = wilder((-change).clip(lower=0.0), 14)
        out["rsi_14"] = 100.0 * gain / (gain + loss)
        line = out["ema_12"] - out["ema_26"]
        out["macd"] = line
        out["macd_signal"] = ema(line.dropna(), 9).reindex(c.index)
        out["macd_hist"] = out["macd"] - out["macd_signal"]
        mid, sd = c.rolling(20).mean(), c.rolling(20).std(ddof=0)
        out["bb_upper"], out["bb_middle"], out["bb_lower"] = mid + 2 * sd, mid, mid - 2 * sd
        out["bb_percent_b"] = (c - out["bb_lower"]) / (out["bb_upper"] - out["bb_lower"])
        out["bb_bandwidth"] = (out["bb_upper"] - out["bb_lower"]) / mid
        out["high_52w"], out["low_52w"] = c.rolling(YEAR).max(), c.rolling(YEAR).min()
        out["dist_high_52w"] = c / out["high_52w"] - 1.0
        out["dist_low_52w"] = c / out["low_52w"] - 1.0
        for name, h in HORIZONS.items():
            growth = c / c.shift(h)
            out[f"return_{name}"] = growth ** (YEAR / h) - 1.0 if h > YEAR else growth - 1.0
        year_end = c.groupby(c.index.map(lambda d: d.year)).last()
        previous = c.index.map(lambda d: year_end.get(d.year - 1, np.nan))
        out["return_ytd"] = c / np.asarray(previous, dtype=float) - 1.0
        r = c.pct_change()
        out["volatility_1y"] = r.rolling(YEAR).std(ddof=1) * math.sqrt(YEAR)
        out["sharpe_1y"] = r.rolling(YEAR).mean() / r.rolling(YEAR).std(ddof=1) * math.sqrt(YEAR)
        out["max_drawdown_1y"] = c.rolling(YEAR + 1).apply(
            lambda w: float((w / np.maximum.accumulate(w) - 1.0).min()), raw=True
        )
        out["observations"] = self.raw.closes[symbol].notna().rolling(YEAR).sum()
        self._frames[symbol] = out
        return out

    def row(self, symbol: str, day: date) -> dict[str, object]:
        """Every stored column of ``symbol`` on ``day`` but the key."""
        values = self.frame(symbol).loc[day].to_dict()
        market = ref.returns_until(self.returns, day, MARKET)[-ref.BETA_WINDOW :]
        y = ref.returns_until(self.returns, day, symbol)[-ref.BETA_WINDOW :]
        row: dict[str, object] = {
            k: (None if pd.isna(v) else float(v)) for k, v in values.items() if k != "observations"
        }
        row["observations"] = int(values["observations"])
        row["beta"] = ref.ols_beta(y, market)["beta"]
        row["has_ohlcv"] = False
        row.update(dict.fromkeys(NEEDS_OHLCV))
        reasons = dict.fromkeys(NEEDS_OHLCV, "needs OHLCV")
        for name, value in row.items():
            if value is None and name not in reasons:
                reasons[name] = "insufficient history or a missing price in the window"
        row["reasons"] = reasons
        return row
