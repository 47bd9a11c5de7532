"""Stress-test kernels: scenario moves of securities and factors, and the P&L of many
books at once (docs/methodology.md, "Stress tests and option Greeks").

Shapes: K scenarios, N securities (price columns), F factors (the market first), M
positions over P portfolios. Nothing here loops over securities, positions or
portfolios; the few per-scenario steps (a small F x F solve each) loop over K.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from sigmasight.analytics._typing import ArrayLike, BoolArray, FloatArray, IntArray
from sigmasight.analytics.options import black_scholes_greeks, black_scholes_price
from sigmasight.domain.stress import RATES_FACTOR_DURATION, Scenario


class Method(IntEnum):
    """How a security's (or position's) scenario return was obtained."""

    REPLAY = 0  # its own return over the episode
    PROXY = 1  # beta / factor model / duration
    REPRICED = 2  # an option, repriced
    MISSING = 3  # neither history nor a proxy: no P&L (counted as 0, stated)
    EXCLUDED = 4  # a private holding: excluded from stress P&L
    DURATION = 5  # a bond holding in a hypothetical scenario: -D dy + C dy^2 / 2


def episode_returns(closes: FloatArray, start_rows: ArrayLike, end_rows: ArrayLike) -> FloatArray:
    r"""Simple return of every security over each episode, shape (K, N).

    .. math:: R_{kn} = P_{e_k, n} / P_{s_k, n} - 1

    NaN where either close is missing (the security has no history over the episode).
    """
    s = np.asarray(start_rows, dtype=np.int64)
    e = np.asarray(end_rows, dtype=np.int64)
    first, last = closes[s], closes[e]
    ok = np.isfinite(first) & np.isfinite(last) & (first > 0)
    out: FloatArray = np.full(first.shape, np.nan)
    np.divide(last, first, out=out, where=ok)
    out -= 1.0
    return out


def replay_or_proxy(own: FloatArray, proxy: FloatArray) -> tuple[FloatArray, IntArray]:
    """Each security's own episode return where it has one, else its proxy (K, N), with
    the :class:`Method` of each cell."""
    has_own, has_proxy = np.isfinite(own), np.isfinite(proxy)
    returns: FloatArray = np.where(has_own, own, proxy)
    method = np.where(
        has_own, Method.REPLAY, np.where(has_proxy, Method.PROXY, Method.MISSING)
    ).astype(np.int64)
    return returns, method


def factor_covariance(
    factor_returns: FloatArray, end_row: int, window: int, min_obs: int
) -> tuple[FloatArray, int]:
    """Sample covariance (F, F) of the factor returns of the ``window`` rows ending at
    ``end_row`` (inclusive; nothing after it), over the rows where every factor has a
    return; NaN when fewer than ``min_obs`` such rows. Returns (covariance, rows used)."""
    lo = max(end_row - window + 1, 0)
    block = factor_returns[lo : end_row + 1]
    complete = block[np.isfinite(block).all(axis=1)]
    F = factor_returns.shape[1]
    if complete.shape[0] < max(min_obs, 2):
        return np.full((F, F), np.nan), int(complete.shape[0])
    return np.cov(complete, rowvar=False, ddof=1).reshape(F, F), int(complete.shape[0])


def propagate_shocks(covariance: FloatArray, shocks: FloatArray) -> FloatArray:
    r"""Full factor moves (K, F) from partial shocks (K, F; NaN = not shocked).

    The factors not shocked (o) move by their conditional expectation given the shocked
    ones (s), a zero-mean Gaussian assumption:

    .. math:: f_o = \Sigma_{os} \Sigma_{ss}^{+} x_s

    (:math:`\Sigma^{+}` the pseudo-inverse). Every factor, the market first among them,
    gets a move: none is dropped. A scenario with no shock moves nothing.
    """
    S = np.asarray(shocks, dtype=np.float64)
    out = np.zeros_like(S)
    for k in range(S.shape[0]):  # K scenarios, each its own shocked set
        s = np.isfinite(S[k])
        if not s.any():
            continue
        o = ~s
        out[k, s] = S[k, s]
        beta = covariance[np.ix_(o, s)] @ np.linalg.pinv(covariance[np.ix_(s, s)])
        out[k, o] = beta @ S[k, s]
    return out


@dataclass(frozen=True)
class Shocks:
    """Hypothetical scenarios as arrays: ``factor`` (K, F) shocks (NaN = not shocked),
    ``rate_change`` (K,) fractions (+0.01 = +100 bp; NaN = implied by the rates factor's
    move), ``vol_points`` (K,)."""

    factor: FloatArray
    rate_change: FloatArray
    vol_points: FloatArray


def hypothetical_shocks(scenarios: tuple[Scenario, ...], factor_keys: tuple[str, ...]) -> Shocks:
    """The shocks of ``scenarios`` on the factors ``factor_keys`` (those with data on the
    run date). A rate change in basis points moves the ``rates`` factor by
    ``-RATES_FACTOR_DURATION x dy`` when that factor is present. A shock on a factor not
    in ``factor_keys`` raises ``KeyError`` (validation happens before)."""
    K, F = len(scenarios), len(factor_keys)
    where = {key: i for i, key in enumerate(factor_keys)}
    factor = np.full((K, F), np.nan)
    rate = np.full(K, np.nan)
    vol = np.zeros(K)
    for k, sc in enumerate(scenarios):
        for key, value in sc.shocks.items():
            factor[k, where[key]] = value
        if sc.rate_bp:
            rate[k] = sc.rate_bp / 10_000.0
            if "rates" in where and "rates" not in sc.shocks:
                factor[k, where["rates"]] = -RATES_FACTOR_DURATION * rate[k]
        vol[k] = sc.vol_points
    return Shocks(factor, rate, vol)


def implied_rate_change(
    factor_moves: FloatArray, rate_change: FloatArray, factor_keys: tuple[str, ...]
) -> FloatArray:
    """The rate change of each scenario: the stated one, else the one the rates factor's
    move implies (``-move / RATES_FACTOR_DURATION``), else 0 (no rates factor)."""
    implied = np.zeros(factor_moves.shape[0])
    if "rates" in factor_keys:
        implied = -factor_moves[:, factor_keys.index("rates")] / RATES_FACTOR_DURATION
    out: FloatArray = np.where(np.isfinite(rate_change), rate_change, implied)
    return out


def security_moves(
    loadings: FloatArray,
    factor_moves: FloatArray,
    duration: FloatArray,
    rate_change: FloatArray,
) -> FloatArray:
    r"""Security returns (K, N) under factor moves: :math:`R = f L^\top`; a bond holding
    with a modified duration :math:`D_n` (finite) moves by :math:`-D_n\,\Delta y_k`
    instead (``rate_change`` a fraction, +0.01 = +100 bp): a rate rise loses money on a
    long bond. NaN where a security has no loadings and no duration."""
    L = np.asarray(loadings, dtype=np.float64)
    out: FloatArray = np.asarray(factor_moves, dtype=np.float64) @ np.nan_to_num(L).T
    out[:, ~np.isfinite(L).all(axis=1)] = np.nan
    bond = np.isfinite(duration)
    out[:, bond] = -np.outer(np.asarray(rate_change, dtype=np.float64), duration[bond])
    return out


@dataclass(frozen=True)
class Book:
    """Positions of many portfolios, arrays of shape (M,).

    ``column`` is the price column of the security or of an option's underlying (-1 for
    a private holding: excluded). Linear positions lose ``value x return``; options are
    repriced from ``spot``, ``strike``, ``years``, ``volatility``, ``rate``,
    ``dividend_yield`` (NaN / unused for other positions) with ``units`` the signed
    contracts times the multiplier. ``duration`` and ``convexity`` (years, years
    squared; NaN: none) are a bond holding's, for :func:`duration_returns`.
    """

    portfolio: IntArray
    column: IntArray
    value: FloatArray
    is_option: BoolArray
    units: FloatArray
    spot: FloatArray
    strike: FloatArray
    years: FloatArray
    volatility: FloatArray
    is_call: BoolArray
    rate: FloatArray
    dividend_yield: FloatArray
    duration: FloatArray | None = None
    convexity: FloatArray | None = None


def duration_returns(
    duration: FloatArray, convexity: FloatArray, rate_change: FloatArray
) -> FloatArray:
    r"""Return (K, B) of B bond holdings under K rate changes :math:`\Delta y_k`
    (fractions, +0.01 = +100 bp), second order in the rate change:

    .. math:: R_{kb} = -D_b\,\Delta y_k + \tfrac12 C_b\,\Delta y_k^2

    with :math:`D_b` the modified duration (years) and :math:`C_b` the convexity (years
    squared; NaN counts as 0: first order only). A rate rise is a loss for a long bond
    (:math:`D > 0`); the position's P&L is its signed value times :math:`R`, so a short
    bond gains."""
    dy = np.asarray(rate_change, dtype=np.float64)[:, None]
    out: FloatArray = -dy * duration[None, :] + 0.5 * np.nan_to_num(convexity)[None, :] * dy * dy
    return out


@dataclass(frozen=True)
class StressResult:
    """P&L (currency) of each position (K, M) and portfolio (K, P) under each scenario.

    ``delta_gamma`` (K, M) is the delta-gamma approximation of each option's P&L (with
    its first-order vega and rho terms), NaN for other positions; ``method`` (K, M) the
    :class:`Method` per position; ``missing`` (K, P) counts positions without P&L.
    """

    position_pnl: FloatArray
    delta_gamma: FloatArray
    method: IntArray
    portfolio_pnl: FloatArray
    missing: IntArray


def stress_books(
    book: Book,
    security_returns: FloatArray,
    security_method: IntArray,
    vol_points: FloatArray,
    rate_change: FloatArray,
    n_portfolios: int,
    hypothetical: BoolArray | None = None,
) -> StressResult:
    r"""P&L of every position and portfolio under K scenarios.

    Linear positions: :math:`\text{value} \times R_{k,n}`; a bond holding with a
    duration (``book.duration`` finite) in a ``hypothetical`` scenario (K,) instead
    :math:`\text{value} \times (-D\,\Delta y_k + \tfrac12 C\,\Delta y_k^2)`
    (:func:`duration_returns`, method ``DURATION``). Options, repriced with the
    shocked spot :math:`S(1+R_{k,n})`, volatility :math:`\sigma + \Delta\sigma` and rate
    :math:`r + \Delta r`, time to expiry unchanged (an instantaneous shock):
    :math:`u\,(V(S', \sigma', r') - V(S, \sigma, r))`; beside it
    :math:`u\,(\Delta\,dS + \tfrac12\Gamma\,dS^2 + \mathcal{V}\,100\Delta\sigma +
    \rho\,100\Delta r)` with the Greeks per share of
    :func:`~sigmasight.analytics.options.black_scholes_greeks`.
    """
    K, M = security_returns.shape[0], book.portfolio.size
    private = book.column < 0
    col = np.where(private, 0, book.column)
    R = security_returns[:, col]  # (K, M)
    pnl = book.value[None, :] * R
    method = security_method[:, col].copy()
    delta_gamma = np.full((K, M), np.nan)
    opt = np.flatnonzero(book.is_option & ~private)
    if opt.size:
        S0, r0 = book.spot[opt], book.rate[opt]
        args = (book.strike[opt], book.years[opt])
        base = black_scholes_greeks(
            S0, *args, book.volatility[opt], book.is_call[opt], r0, book.dividend_yield[opt]
        )
        dS = S0[None, :] * R[:, opt]
        dvol = np.asarray(vol_points, dtype=np.float64)[:, None] / 100.0
        dr = np.asarray(rate_change, dtype=np.float64)[:, None]
        shocked = black_scholes_price(
            S0[None, :] + dS,
            *args,
            book.volatility[opt][None, :] + dvol,
            book.is_call[opt],
            r0[None, :] + dr,
            book.dividend_yield[opt],
        )
        u = book.units[opt]
        pnl[:, opt] = u * (shocked - base.price)
        approx = base.delta * dS + 0.5 * base.gamma * dS * dS
        approx = approx + base.vega * dvol * 100.0 + base.rho * dr * 100.0
        delta_gamma[:, opt] = u * approx
        method[:, opt] = np.where(np.isfinite(pnl[:, opt]), Method.REPRICED, Method.MISSING)
    _apply_durations(book, private, hypothetical, rate_change, pnl, method)
    method[:, private] = Method.EXCLUDED
    pnl[:, private] = 0.0
    missing = ~np.isfinite(pnl)
    method[missing & ~private[None, :]] = Method.MISSING
    P = n_portfolios
    flat = (np.arange(K)[:, None] * P + book.portfolio[None, :]).ravel()
    totals = np.bincount(flat, weights=np.where(missing, 0.0, pnl).ravel(), minlength=K * P)
    counts = np.bincount(flat, weights=missing.ravel(), minlength=K * P)
    return StressResult(
        position_pnl=np.where(missing, np.nan, pnl),
        delta_gamma=delta_gamma,
        method=method,
        portfolio_pnl=totals.reshape(K, P).astype(np.float64),
        missing=counts.reshape(K, P).astype(np.int64),
    )


def _apply_durations(
    book: Book,
    private: BoolArray,
    hypothetical: BoolArray | None,
    rate_change: FloatArray,
    pnl: FloatArray,
    method: IntArray,
) -> None:
    """Overwrite, in place, the P&L and method of bond holdings with a duration in the
    hypothetical scenarios by their duration (and convexity) response."""
    if book.duration is None or hypothetical is None:
        return
    bond = np.flatnonzero(np.isfinite(book.duration) & ~book.is_option & ~private)
    rows = np.flatnonzero(np.asarray(hypothetical, dtype=bool))
    if bond.size == 0 or rows.size == 0:
        return
    convexity = (
        book.convexity if book.convexity is not None else np.full_like(book.duration, np.nan)
    )
    R = duration_returns(
        book.duration[bond], convexity[bond], np.asarray(rate_change, dtype=np.float64)[rows]
    )
    pnl[np.ix_(rows, bond)] = book.value[bond][None, :] * R
    method[np.ix_(rows, bond)] = Method.DURATION
