"""Technical indicators from daily OHLCV, vectorised across securities.

Every function takes (T, S) arrays (time x securities, NaN where a session has no
value) and returns (T, S) arrays; the only loop is over time, each step one vector
operation over all securities. Recursive indicators (EMA, Wilder averages) are seeded
exactly as TA-Lib seeds them (the simple mean of the first ``n`` inputs), so their
values equal TA-Lib's on the same input; a missing session is skipped (the recursion
carries its state and the indicator is NaN on that session).

Warm-up ("unstable period"): a recursive indicator still carries the weight of its
seed for a while. :data:`WARM_UP` gives, for each indicator, the valid observations it
needs before its value counts as settled: the window for windowed ones, and for
recursive ones the seed plus the sessions until the seed's weight ``(1 - alpha)^k``
falls below :data:`SEED_WEIGHT` (docs/methodology.md, "Asset metrics").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d
from scipy.signal import lfilter

from sigmasight.analytics._typing import (
    FloatArray,
    IntArray,
    ReasonArray,
    prefix_sum,
    window_diff,
)
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR

#: A recursive indicator is settled once its seed weighs less than this.
SEED_WEIGHT: Final = 1e-3
#: Periods (TA-Lib's defaults where the issue names none).
SMA_PERIODS: Final = (20, 50, 200)
EMA_PERIODS: Final = (12, 26)
RSI_PERIOD: Final = 14
MACD_FAST, MACD_SLOW, MACD_SIGNAL = 12, 26, 9
BB_PERIOD, BB_WIDTH = 20, 2.0
ATR_PERIOD: Final = 14
STOCH_K, STOCH_D = 14, 3
#: On-balance volume is summed over the trailing year (see :func:`on_balance_volume`).
OBV_WINDOW: Final = TRADING_DAYS_PER_YEAR
#: 52-week high and low: the trailing year of closes.
HIGH_LOW_WINDOW: Final = TRADING_DAYS_PER_YEAR


def ema_alpha(n: int) -> float:
    """Smoothing of an ``n``-period EMA, :math:`\\alpha = 2 / (n + 1)`."""
    return 2.0 / (n + 1.0)


def settle_after(alpha: float) -> int:
    """Sessions after the seed until the seed's weight :math:`(1-\\alpha)^k` is below
    :data:`SEED_WEIGHT`: :math:`k = \\lceil \\ln w / \\ln(1-\\alpha) \\rceil`."""
    return math.ceil(math.log(SEED_WEIGHT) / math.log(1.0 - alpha))


_WILDER = settle_after(1.0 / RSI_PERIOD)
_MACD_LINE = MACD_SLOW + max(settle_after(ema_alpha(MACD_SLOW)), settle_after(ema_alpha(12)))

#: Valid observations (closes, or OHLCV rows) each indicator needs to be settled.
WARM_UP: Final[dict[str, int]] = {
    "sma_20": 20,
    "sma_50": 50,
    "sma_200": 200,
    "ema_12": 12 + settle_after(ema_alpha(12)),
    "ema_26": 26 + settle_after(ema_alpha(26)),
    "rsi_14": RSI_PERIOD + 1 + _WILDER,
    "macd": _MACD_LINE,
    "macd_signal": _MACD_LINE + MACD_SIGNAL - 1 + settle_after(ema_alpha(MACD_SIGNAL)),
    "macd_hist": _MACD_LINE + MACD_SIGNAL - 1 + settle_after(ema_alpha(MACD_SIGNAL)),
    "bb_upper": BB_PERIOD,
    "bb_middle": BB_PERIOD,
    "bb_lower": BB_PERIOD,
    "bb_percent_b": BB_PERIOD,
    "bb_bandwidth": BB_PERIOD,
    "atr_14": ATR_PERIOD + 1 + _WILDER,
    "stoch_k": STOCH_K,
    "stoch_d": STOCH_K + STOCH_D - 1,
    "obv": OBV_WINDOW + 1,
    "high_52w": HIGH_LOW_WINDOW,
    "low_52w": HIGH_LOW_WINDOW,
    "dist_high_52w": HIGH_LOW_WINDOW,
    "dist_low_52w": HIGH_LOW_WINDOW,
}
#: Indicators that need high, low or volume (NaN with reason ``NEEDS_OHLCV`` otherwise).
NEEDS_OHLCV: Final = frozenset({"atr_14", "stoch_k", "stoch_d", "obv"})


class IndicatorReason(IntEnum):
    """Why an indicator has no settled value on a session (``OK``: it has one)."""

    OK = 0
    #: Fewer valid observations than the window or the seed needs.
    SHORT_HISTORY = 1
    #: Computed, but still inside the warm-up: not a settled value, not shown.
    WARM_UP = 2
    #: Needs high/low/volume and the source has closes only.
    NEEDS_OHLCV = 3
    #: Undefined because prices did not move (zero range or zero variance).
    NO_MOVEMENT = 4
    #: The session has no price (or a window lacks one).
    MISSING_PRICE = 5


def _valid_count(x: FloatArray) -> IntArray:
    """Valid observations up to and including each row, per column."""
    counts: IntArray = _running_sum(~np.isnan(x), np.int64)
    return counts


def _running_sum(a: np.ndarray, dtype: type) -> np.ndarray:
    """Cumulative sum along time, a row addition at a time (``np.cumsum(axis=0)`` walks
    a C-ordered time x assets array with a stride and is several times slower)."""
    out: np.ndarray = np.empty(a.shape, dtype=dtype)
    if a.shape[0] == 0:
        return out
    out[0] = a[0]
    for t in range(1, a.shape[0]):
        np.add(out[t - 1], a[t], out=out[t])
    return out


def rolling_mean(x: FloatArray, n: int) -> FloatArray:
    """Mean of the ``n`` sessions ending at each row; NaN unless all ``n`` are present.

    .. math:: \\mathrm{SMA}_t = \\frac{1}{n} \\sum_{i=t-n+1}^{t} x_i

    Summed from prefix sums of the series minus its first value (raw prefix sums of
    price levels lose about 1e-9 of relative accuracy; de-meaned ones keep ~1e-13).
    """
    if n > _DIRECT_SUM_GAPLESS and x.shape[0] >= n:
        span = _gapless_span(~np.isnan(x))
        if span is not None:
            return _rolling_mean_gapless(x, n, span[0])
    if n <= _DIRECT_SUM:
        total = x[n - 1 :].copy() if x.shape[0] >= n else np.empty((0, x.shape[1]))
        for lag in range(1, n):
            total += x[n - 1 - lag : x.shape[0] - lag]
        out = np.full(x.shape, np.nan)
        out[n - 1 :] = total / n  # NaN wherever the window lacks a value
        return out
    valid = ~np.isnan(x)
    base = _first_valid(x)
    centred = np.where(valid, x - base, 0.0)
    sums = window_diff(prefix_sum(centred), n)
    counts = window_diff(prefix_sum(valid.astype(np.float64)), n)
    full = counts > n - 0.5
    return np.where(full, sums / n + base, np.nan)


def _rolling_mean_gapless(x: FloatArray, n: int, start: IntArray) -> FloatArray:
    """:func:`rolling_mean` where no column has a gap: prefix sums of the series minus
    its first value, no counts; NaN before a column's first full window."""
    T, S = x.shape
    base = np.where(start < T, x[np.minimum(start, T - 1), np.arange(S)], 0.0)
    centred = x - base
    np.copyto(centred, 0.0, where=np.isnan(x))
    out = window_diff(prefix_sum(centred), n)
    out /= n
    out += base
    out[np.arange(T)[:, None] < (start + n - 1)[None, :]] = np.nan
    return out


def rolling_std(x: FloatArray, n: int, mean: FloatArray) -> FloatArray:
    """Population standard deviation (ddof = 0, as Bollinger and TA-Lib use) over the
    ``n`` sessions ending at each row, by a second pass about the window mean (exact
    where sums of squares would cancel), one lag of the window at a time.

    .. math:: \\sigma_t = \\sqrt{\\frac{1}{n} \\sum_{i=0}^{n-1} (x_{t-i} - m_t)^2}
    """
    T = x.shape[0]
    out = np.full(x.shape, np.nan)
    if n > T:
        return out
    centre = mean[n - 1 :]
    total = np.zeros(centre.shape)
    dev = np.empty(centre.shape)
    for lag in range(n):
        np.subtract(x[n - 1 - lag : T - lag], centre, out=dev)
        np.multiply(dev, dev, out=dev)
        total += dev
    total /= n
    out[n - 1 :] = np.sqrt(total)
    return out


#: Windows up to this length are summed directly (exact to rounding); longer ones
#: through prefix sums (O(1) per row). Without gaps, windows longer than
#: ``_DIRECT_SUM_GAPLESS`` take prefix sums too (no counts of valid values needed).
_DIRECT_SUM = 32
_DIRECT_SUM_GAPLESS = 4


def _first_valid(x: FloatArray) -> FloatArray:
    """Each column's first non-NaN value (0 for an empty column), shape (S,)."""
    valid = ~np.isnan(x)
    first = np.argmax(valid, axis=0)
    values = x[first, np.arange(x.shape[1])]
    return np.where(valid.any(axis=0), values, 0.0)


def _recursive(x: FloatArray, n: int, alpha: float, wilder: bool, skip: int = 0) -> FloatArray:
    """EMA-type recursion per column, seeded by the mean of the first ``n`` valid inputs
    after ``skip`` valid ones (TA-Lib's seed); NaN inputs are skipped.

    EMA: :math:`y_t = y_{t-1} + \\alpha (x_t - y_{t-1})`; Wilder:
    :math:`y_t = ((n-1) y_{t-1} + x_t) / n` (TA-Lib's arithmetic, equal in exact maths).
    Seeds are found for all columns at once; the loop over time then does four
    in-place vector operations per session.
    """
    T, S = x.shape
    valid = ~np.isnan(x)
    span = _gapless_span(valid)
    if span is not None:
        return _recursive_gapless(x, n, alpha, wilder, skip, span[0], span[1])
    used = _running_sum(valid, np.int64) - skip
    in_seed = valid & (used >= 1) & (used <= n)
    seed_sum = _running_sum(np.where(in_seed, x, 0.0), np.float64)
    is_seed = valid & (used == n)
    later = valid & (used > n)
    seed_rows = np.flatnonzero(is_seed.any(axis=1))
    out = np.full((T, S), np.nan)
    if seed_rows.size == 0:
        return out
    decay = (n - 1) / n if wilder else 1.0 - alpha
    if not (~valid & (used >= n)).any():
        # No gap after any seed: the recursion is the linear filter
        # y_t = (1 - decay) x_t + decay y_{t-1} started at the seed, run in C.
        drive = np.where(later, (1.0 - decay) * np.where(later, x, 0.0), 0.0)
        drive[is_seed] = seed_sum[is_seed] / n
        filtered: FloatArray = lfilter([1.0], [1.0, -decay], drive, axis=0)
        filtered[~(valid & (used >= n))] = np.nan
        return filtered
    xs = np.where(later, x, 0.0)
    state, tmp = np.zeros(S), np.empty(S)
    seeds_at = set(seed_rows.tolist())
    for t in range(int(seed_rows[0]), T):
        if t in seeds_at:
            np.copyto(state, seed_sum[t] / n, where=is_seed[t])
        if wilder:
            np.multiply(state, n - 1, out=tmp)
            tmp += xs[t]
            tmp /= n
        else:
            np.subtract(xs[t], state, out=tmp)
            tmp *= alpha
            tmp += state
        np.copyto(state, tmp, where=later[t])
        out[t] = state
    out[~(valid & (used >= n))] = np.nan
    return out


def _gapless_span(valid: np.ndarray) -> tuple[IntArray, IntArray] | None:
    """Each column's first valid row and number of valid rows when no column has a gap
    (valid from its first valid row to the end, or never valid); else None."""
    T = valid.shape[0]
    count = valid.sum(axis=0)
    start = np.where(count > 0, np.argmax(valid, axis=0), T)
    if not bool((count == T - start).all()):
        return None
    return start, count


def _recursive_gapless(
    x: FloatArray, n: int, alpha: float, wilder: bool, skip: int, start: IntArray, count: IntArray
) -> FloatArray:
    """:func:`_recursive` where no column has a gap: a walk along time, each step three
    vector operations over all columns with TA-Lib's own arithmetic; a column joins the
    walk at its seed row with the mean of its first ``n`` values after ``skip``."""
    T, S = x.shape
    out = np.full((T, S), np.nan)
    seeded = count >= skip + n
    seed_row = np.where(seeded, start + skip + n - 1, T)
    if not bool(seeded.any()):
        return out
    window = (start + skip)[None, :] + np.arange(n)[:, None]
    cols = np.flatnonzero(seeded)
    seed = x[window[:, cols], cols].sum(axis=0) / n
    joins: dict[int, IntArray] = {}
    for row in np.unique(seed_row[cols]).tolist():
        joins[row] = np.flatnonzero(seed_row == row)
    first = min(joins)
    rank = np.searchsorted(cols, np.arange(S))  # position of a column in `cols`
    tmp = np.empty(S)
    for t in range(first, T):
        if t > first:
            prev = out[t - 1]
            if wilder:
                np.multiply(prev, n - 1, out=tmp)
                tmp += x[t]
                np.divide(tmp, n, out=out[t])
            else:
                np.subtract(x[t], prev, out=tmp)
                tmp *= alpha
                np.add(tmp, prev, out=out[t])
        if t in joins:
            join = joins[t]
            out[t, join] = seed[rank[join]]
    return out


def ema(x: FloatArray, n: int) -> FloatArray:
    """Exponential moving average, :math:`\\alpha = 2/(n+1)`, seeded with the SMA of
    the first ``n`` values (TA-Lib ``EMA``)."""
    return _recursive(x, n, ema_alpha(n), wilder=False)


def _diff(x: FloatArray) -> FloatArray:
    out = np.full(x.shape, np.nan)
    out[1:] = x[1:] - x[:-1]
    return out


@dataclass(frozen=True, slots=True)
class RSIResult:
    rsi: FloatArray
    #: True where average gain and loss are both zero (RSI undefined)
    flat: np.ndarray


def rsi(close: FloatArray, n: int = RSI_PERIOD) -> RSIResult:
    """Relative strength index with Wilder smoothing (TA-Lib ``RSI``).

    .. math:: \\mathrm{RSI}_t = 100 \\frac{G_t}{G_t + L_t}

    with :math:`G, L` the Wilder averages (:math:`\\alpha = 1/n`) of gains
    :math:`\\max(\\Delta C, 0)` and losses :math:`\\max(-\\Delta C, 0)`, each seeded by
    the mean of the first ``n`` changes. NaN (``flat``) where both are zero.
    """
    change = _diff(close)
    # np.maximum keeps NaN: a missing change stays missing
    gains = _recursive(np.maximum(change, 0.0), n, 1.0 / n, wilder=True)
    np.negative(change, out=change)
    losses = _recursive(np.maximum(change, 0.0, out=change), n, 1.0 / n, wilder=True)
    total = gains + losses
    flat = total == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 where flat: set below
        strength = np.divide(gains, total, out=gains)
    strength *= 100.0
    np.copyto(strength, np.nan, where=flat)
    return RSIResult(strength, flat)


@dataclass(frozen=True, slots=True)
class MACDResult:
    macd: FloatArray
    signal: FloatArray
    hist: FloatArray


def macd(
    close: FloatArray, fast: int = MACD_FAST, slow: int = MACD_SLOW, signal: int = MACD_SIGNAL
) -> MACDResult:
    """MACD line, signal and histogram (TA-Lib ``MACD``).

    .. math:: \\mathrm{MACD} = \\mathrm{EMA}_{fast} - \\mathrm{EMA}_{slow},\\quad
              \\mathrm{signal} = \\mathrm{EMA}_{signal}(\\mathrm{MACD}),\\quad
              \\mathrm{hist} = \\mathrm{MACD} - \\mathrm{signal}

    As in TA-Lib, the fast EMA is seeded where the slow one is (the mean of the
    ``fast`` values ending at the slow seed), so the line starts at the slow seed and
    equals ``ema_12 - ema_26`` once the seeds are forgotten (after the warm-up).
    """
    slow_ema = _recursive(close, slow, ema_alpha(slow), wilder=False)
    fast_ema = _recursive(close, fast, ema_alpha(fast), wilder=False, skip=slow - fast)
    line = fast_ema - slow_ema
    sig = _recursive(line, signal, ema_alpha(signal), wilder=False)
    return MACDResult(np.where(np.isnan(sig), np.nan, line), sig, line - sig)


@dataclass(frozen=True, slots=True)
class BollingerResult:
    upper: FloatArray
    middle: FloatArray
    lower: FloatArray
    percent_b: FloatArray
    bandwidth: FloatArray
    #: True where the window has zero variance (%B undefined)
    flat: np.ndarray


def bollinger(
    close: FloatArray, n: int = BB_PERIOD, width: float = BB_WIDTH, middle: FloatArray | None = None
) -> BollingerResult:
    """Bollinger bands (TA-Lib ``BBANDS`` with an SMA and population deviation).

    .. math:: M = \\mathrm{SMA}_n,\\ U, L = M \\pm k\\sigma_n,\\
              \\%B = \\frac{C - L}{U - L},\\ \\mathrm{bandwidth} = \\frac{U - L}{M}
    """
    if middle is None:
        middle = rolling_mean(close, n)
    sd = rolling_std(close, n, middle)
    sd *= width
    upper, lower = middle + sd, middle - sd
    span = np.subtract(upper, lower, out=sd)
    flat = span == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):  # zero spans and middles: below
        percent_b = np.subtract(close, lower)
        percent_b /= span
        bandwidth = span / middle
    np.copyto(percent_b, np.nan, where=flat)
    np.copyto(bandwidth, span, where=middle == 0.0)  # as if divided by 1
    return BollingerResult(upper, middle, lower, percent_b, bandwidth, flat)


def true_range(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    """:math:`\\max(H_t - L_t, |H_t - C_{t-1}|, |L_t - C_{t-1}|)`; NaN on the first row
    (TA-Lib ``TRANGE``)."""
    prev = np.full(close.shape, np.nan)
    prev[1:] = close[:-1]
    # np.maximum propagates NaN: a missing high, low or previous close gives NaN.
    out: FloatArray = np.maximum(high - low, np.maximum(np.abs(high - prev), np.abs(low - prev)))
    return out


def atr(high: FloatArray, low: FloatArray, close: FloatArray, n: int = ATR_PERIOD) -> FloatArray:
    """Average true range: Wilder average of :func:`true_range` seeded by the mean of
    the first ``n`` true ranges (TA-Lib ``ATR``)."""
    return _recursive(true_range(high, low, close), n, 1.0 / n, wilder=True)


def rolling_max(x: FloatArray, n: int) -> FloatArray:
    """Maximum of the ``n`` sessions ending at each row; NaN unless all are present."""
    return _rolling_extreme(x, n, maximum_filter1d, -np.inf)


def rolling_min(x: FloatArray, n: int) -> FloatArray:
    """Minimum of the ``n`` sessions ending at each row; NaN unless all are present."""
    return _rolling_extreme(x, n, minimum_filter1d, np.inf)


def _rolling_extreme(x: FloatArray, n: int, kernel: object, fill: float) -> FloatArray:
    valid = ~np.isnan(x)
    span = _gapless_span(valid)
    complete = span is not None and not bool(span[0].any())  # no missing value at all
    filled = x if complete else np.where(valid, x, fill)
    # scipy centres the window; an origin of (n - 1) // 2 makes it end at row t.
    # Filtered along a contiguous axis (time x assets transposed): strided filtering
    # along axis 0 is several times slower.
    ext = np.ascontiguousarray(
        kernel(  # type: ignore[operator]
            np.ascontiguousarray(filled.T),
            size=n,
            axis=1,
            mode="constant",
            cval=fill,
            origin=(n - 1) // 2,
        ).T
    )
    if span is not None:  # every window from a column's n-th value on is full
        ext[np.arange(x.shape[0])[:, None] < (span[0] + n - 1)[None, :]] = np.nan
        return ext
    counts = window_diff(prefix_sum(valid.astype(np.float64)), n)
    out: FloatArray = np.where(counts > n - 0.5, ext, np.nan)
    return out


@dataclass(frozen=True, slots=True)
class StochasticResult:
    k: FloatArray
    d: FloatArray
    #: True where the high-low range of the window is zero (%K undefined)
    flat: np.ndarray


def stochastic(
    high: FloatArray, low: FloatArray, close: FloatArray, k: int = STOCH_K, d: int = STOCH_D
) -> StochasticResult:
    """Fast stochastic (TA-Lib ``STOCHF`` with an SMA for %D).

    .. math:: \\%K_t = 100 \\frac{C_t - \\min L_{t-k+1..t}}{\\max H_{t-k+1..t} - \\min L},
              \\quad \\%D = \\mathrm{SMA}_d(\\%K)
    """
    hh, ll = rolling_max(high, k), rolling_min(low, k)
    span = hh - ll
    flat = span == 0.0
    safe = np.where(flat | np.isnan(span), 1.0, span)
    pct_k = np.where(flat | np.isnan(close), np.nan, 100.0 * (close - ll) / safe)
    return StochasticResult(pct_k, rolling_mean(pct_k, d), flat)


def recent(flags: np.ndarray, n: int) -> np.ndarray:
    """True where any of the ``n`` sessions ending at the row is flagged."""
    counts = window_diff(prefix_sum(flags.astype(np.float64)), n)
    out: np.ndarray = counts > 0.5
    return out


def on_balance_volume(close: FloatArray, volume: FloatArray, n: int = OBV_WINDOW) -> FloatArray:
    """On-balance volume over the trailing ``n`` sessions.

    .. math:: \\mathrm{OBV}_t = \\sum_{i=t-n+1}^{t} \\operatorname{sign}(C_i - C_{i-1}) V_i

    TA-Lib's OBV is the same sum from the first session of the data; its value depends
    on where the data start, so ours sums a fixed trailing window instead (a backfill
    and a daily run then agree): it equals ``OBV_t - OBV_{t-n}`` of TA-Lib's.
    """
    signed = np.sign(_diff(close)) * volume
    valid = ~np.isnan(signed)
    sums = window_diff(prefix_sum(np.where(valid, signed, 0.0)), n)
    counts = window_diff(prefix_sum(valid.astype(np.float64)), n)
    out: FloatArray = np.where(counts > n - 0.5, sums, np.nan)
    return out


def settled(values: FloatArray, observations: IntArray, warm_up: int) -> np.ndarray:
    """True where ``values`` is a number and ``observations`` (valid inputs so far)
    reach ``warm_up``."""
    return ~np.isnan(values) & (observations >= warm_up)


def observations(x: FloatArray) -> IntArray:
    """Valid observations of each column up to and including each row."""
    return _valid_count(x)


#: Valid inputs each indicator needs before it has any value (its window or seed).
FIRST_VALUE: Final[dict[str, int]] = {
    **{f"sma_{n}": n for n in SMA_PERIODS},
    **{f"ema_{n}": n for n in EMA_PERIODS},
    "rsi_14": RSI_PERIOD + 1,
    "macd": MACD_SLOW + MACD_SIGNAL - 1,
    "macd_signal": MACD_SLOW + MACD_SIGNAL - 1,
    "macd_hist": MACD_SLOW + MACD_SIGNAL - 1,
    **dict.fromkeys(("bb_upper", "bb_middle", "bb_lower", "bb_percent_b"), BB_PERIOD),
    "bb_bandwidth": BB_PERIOD,
    "atr_14": ATR_PERIOD + 1,
    "stoch_k": STOCH_K,
    "stoch_d": STOCH_K + STOCH_D - 1,
    "obv": OBV_WINDOW + 1,
    **dict.fromkeys(("high_52w", "low_52w", "dist_high_52w", "dist_low_52w"), HIGH_LOW_WINDOW),
}


@dataclass(frozen=True)
class IndicatorPanel:
    """Every indicator at the requested rows: ``values[name]`` (R, S), NaN wherever
    ``reasons[name]`` is not :attr:`IndicatorReason.OK` (warm-up values included)."""

    values: dict[str, FloatArray]
    reasons: dict[str, ReasonArray]


def indicators_at(
    close: FloatArray, high: FloatArray, low: FloatArray, volume: FloatArray, rows: IntArray
) -> IndicatorPanel:
    """All indicators of :data:`WARM_UP` for every security at ``rows`` (T, S inputs).

    ``high``, ``low`` and ``volume`` are NaN where the source has closes only; the
    indicators that need them are then NaN with reason ``NEEDS_OHLCV``.

    Securities are taken :data:`SECURITY_BLOCK` at a time: each indicator is a handful
    of passes over (T, block) arrays that stay in the CPU's cache, instead of passes
    over the whole panel from memory.
    """
    S = close.shape[1]
    R = np.arange(close.shape[0])[_as_rows(rows, close.shape[0])].size
    values = {name: np.empty((R, S)) for name in WARM_UP}
    reasons = {name: np.empty((R, S), dtype=np.uint8) for name in WARM_UP}
    for lo in range(0, S, SECURITY_BLOCK):
        part = slice(lo, min(lo + SECURITY_BLOCK, S))
        _indicators_block(
            (close[:, part], high[:, part], low[:, part], volume[:, part]),
            rows,
            {name: out[:, part] for name, out in values.items()},
            {name: out[:, part] for name, out in reasons.items()},
        )
    return IndicatorPanel(values, reasons)


#: Securities per pass of :func:`indicators_at` (a (2,520 x block) float array is ~10 MB).
SECURITY_BLOCK: Final = 512


def _indicators_block(
    bars: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    rows: IntArray,
    values: dict[str, FloatArray],
    reasons: dict[str, ReasonArray],
) -> None:
    """:func:`indicators_at` of one block of securities (close, high, low, volume), into
    ``values`` and ``reasons`` (views of the panel's columns)."""
    close, high, low, volume = bars
    raw = _raw_indicators(close, high, low, volume)
    at = _as_rows(rows, close.shape[0])
    row_index = np.arange(close.shape[0])[at][:, None]
    ranged = ~np.isnan(high) & ~np.isnan(low) & ~np.isnan(close)
    inputs = {
        "close": ~np.isnan(close),
        "ranged": ranged,
        "volume": ~np.isnan(volume) & ~np.isnan(close),
    }
    needed: dict[str, set[int]] = {kind: set() for kind in inputs}
    for name in raw:
        needed[_input_of(name)].update((FIRST_VALUE[name], WARM_UP[name]))
    reached = {kind: _rows_reaching(inputs[kind], needed[kind]) for kind in inputs}
    missing_close = np.isnan(close[at])
    lacks = {"ranged": ~ranged[at], "volume": np.isnan(volume[at])}
    for name, (series, flat) in raw.items():
        got = series[at]
        kind = _input_of(name)
        gap = np.isnan(got)
        short = row_index < reached[kind][FIRST_VALUE[name]]
        warming = row_index < reached[kind][WARM_UP[name]]
        # OK, or WARM_UP before the warm-up ends; MISSING_PRICE where there is no value,
        # SHORT_HISTORY where too few observations came before (a subset of the warm-up)
        code = np.multiply(warming, _CODE[IndicatorReason.WARM_UP], dtype=np.uint8)
        np.copyto(code, _CODE[IndicatorReason.MISSING_PRICE], where=gap)
        np.copyto(code, _CODE[IndicatorReason.SHORT_HISTORY], where=gap & short)
        if flat is not None:
            np.copyto(code, _CODE[IndicatorReason.NO_MOVEMENT], where=flat[at])
        if kind in lacks:
            np.copyto(code, _CODE[IndicatorReason.NEEDS_OHLCV], where=lacks[kind] & ~missing_close)
        np.copyto(code, _CODE[IndicatorReason.MISSING_PRICE], where=missing_close)
        np.copyto(values[name], got)
        np.copyto(values[name], np.nan, where=code != IndicatorReason.OK)
        reasons[name][...] = code


_CODE: Final = {reason: np.uint8(reason) for reason in IndicatorReason}


def _input_of(name: str) -> str:
    """Which valid observations an indicator counts: closes, full OHLC rows, volumes."""
    if name == "obv":
        return "volume"
    return "ranged" if name in NEEDS_OHLCV else "close"


def _as_rows(rows: IntArray, T: int) -> slice | IntArray:
    """``rows`` as a slice when it is a run of consecutive rows (views, not copies)."""
    r = np.asarray(rows)
    if r.ndim == 1 and r.size and bool((np.diff(r) == 1).all()) and r[0] >= 0 and r[-1] < T:
        return slice(int(r[0]), int(r[-1]) + 1)
    return r


def _rows_reaching(valid: np.ndarray, counts: set[int]) -> dict[int, IntArray]:
    """For each count k, the first row of each column with k valid observations up to
    and including it (the number of rows when never): ``observations(x) < k`` is
    ``row < reached[k]``, since the count never decreases."""
    T = valid.shape[0]
    span = _gapless_span(valid)
    if span is not None:  # valid from the first valid row on: the k-th is k - 1 later
        start, count = span
        return {k: np.where(count >= k, start + k - 1, T) for k in counts}
    seen = _running_sum(valid, np.int64)
    return {k: (seen < k).sum(axis=0) for k in counts}


def _raw_indicators(
    close: FloatArray, high: FloatArray, low: FloatArray, volume: FloatArray
) -> dict[str, tuple[FloatArray, np.ndarray | None]]:
    """Name -> (values (T, S), where undefined for lack of movement or None)."""
    out: dict[str, tuple[FloatArray, np.ndarray | None]] = {}
    for n in SMA_PERIODS:
        out[f"sma_{n}"] = (rolling_mean(close, n), None)
    for n in EMA_PERIODS:
        out[f"ema_{n}"] = (ema(close, n), None)
    strength = rsi(close)
    out["rsi_14"] = (strength.rsi, strength.flat)
    lines = macd(close)
    out.update(macd=(lines.macd, None), macd_signal=(lines.signal, None))
    out["macd_hist"] = (lines.hist, None)
    bands = bollinger(close, middle=out[f"sma_{BB_PERIOD}"][0])
    out.update(bb_upper=(bands.upper, None), bb_middle=(bands.middle, None))
    out.update(bb_lower=(bands.lower, None), bb_percent_b=(bands.percent_b, bands.flat))
    out["bb_bandwidth"] = (bands.bandwidth, None)
    out["atr_14"] = (atr(high, low, close), None)
    stoch = stochastic(high, low, close)
    out.update(stoch_k=(stoch.k, stoch.flat), stoch_d=(stoch.d, recent(stoch.flat, STOCH_D)))
    out["obv"] = (on_balance_volume(close, volume), None)
    top, bottom = rolling_max(close, HIGH_LOW_WINDOW), rolling_min(close, HIGH_LOW_WINDOW)
    out.update(high_52w=(top, None), low_52w=(bottom, None))
    out["dist_high_52w"] = (close / top - 1.0, None)
    out["dist_low_52w"] = (close / bottom - 1.0, None)
    return out
