"""Position exposures aggregated to many portfolios at once.

Conventions (docs/methodology.md, :mod:`sigmasight.domain.exposure`): a position's
direction comes from its :class:`~sigmasight.domain.enums.PositionType` (quantities are
taken in absolute value); listed options count ``OPTION_CONTRACT_MULTIPLIER`` (100) shares
per contract. Two families: *market value* (an option at premium x contracts x 100, a
private holding at its carried value) and *delta-adjusted exposure* (an option at
sign x contracts x 100 x delta x underlying price, so a long put is short; private
holdings excluded). Long, short, gross, net and leverage are delta-adjusted exposure;
leverage is gross exposure over equity. Aggregation is a ``bincount`` over the portfolio index of
each position, so P portfolios cost one pass over all M positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sigmasight.analytics._typing import (
    AnyArray,
    ArrayLike,
    FloatArray,
    IntArray,
    Reason,
    ReasonArray,
)
from sigmasight.domain.conventions import OPTION_CONTRACT_MULTIPLIER
from sigmasight.domain.enums import InvestmentClass, PositionType

#: Column order of :attr:`ExposureSummary.by_position_type`.
POSITION_TYPES: tuple[PositionType, ...] = tuple(PositionType)
#: Column order of :attr:`ExposureSummary.by_investment_class`.
INVESTMENT_CLASSES: tuple[InvestmentClass, ...] = tuple(InvestmentClass)
_OPTION_TYPES = [t.value for t in PositionType if t.is_option]
_SHORT_TYPES = [t.value for t in PositionType if t.is_short]


@dataclass(frozen=True, slots=True)
class Positions:
    """Positions of many portfolios, one entry per lot, all arrays of shape (M,).

    Attributes
    ----------
    portfolio : int array
        Row of the owning portfolio, in ``[0, P)``.
    security : int array
        Column of the security in the return panel; for an option, its underlying's
        column; -1 when the security has no price history (e.g. private).
    symbol : array of str
        Instrument identifier (lots with the same symbol are merged where it matters).
    quantity : float array
        Shares or contracts; the sign is ignored (direction comes from ``position_type``).
    price : float array
        Last price of the instrument (option premium per share for options).
    position_type : array of PositionType values (str)
    investment_class : array of InvestmentClass values (str)
    underlying_price : float array
        Underlying price for options, NaN otherwise.
    delta : float array
        Per-share option delta (see :mod:`sigmasight.analytics.options`), NaN otherwise.
    """

    portfolio: IntArray
    security: IntArray
    symbol: AnyArray
    quantity: FloatArray
    price: FloatArray
    position_type: AnyArray
    investment_class: AnyArray
    underlying_price: FloatArray
    delta: FloatArray

    @property
    def is_option(self) -> np.ndarray:
        return np.isin(self.position_type, _OPTION_TYPES)

    @property
    def is_private(self) -> np.ndarray:
        return np.asarray(self.investment_class == InvestmentClass.PRIVATE.value)

    @property
    def direction(self) -> FloatArray:
        """+1 for long positions (LONG, LC, LP), -1 for short ones (SHORT, SC, SP)."""
        return np.where(np.isin(self.position_type, _SHORT_TYPES), -1.0, 1.0)

    @property
    def multiplier(self) -> FloatArray:
        return np.where(self.is_option, float(OPTION_CONTRACT_MULTIPLIER), 1.0)


def market_value(pos: Positions) -> FloatArray:
    r"""Signed market value per position: :math:`s\,|q|\,p\,m` (m = 100 for options), (M,)."""
    out: FloatArray = pos.direction * np.abs(pos.quantity) * pos.price * pos.multiplier
    return out


def delta_adjusted_exposure(pos: Positions) -> FloatArray:
    r"""Exposure to the underlying, (M,).

    Stocks: the signed market value. Options: :math:`s\,|q|\,100\,\Delta\,S`, so a long
    put or a short call is negative. NaN for an option without a delta.
    """
    opt = pos.is_option
    d_exp = pos.direction * np.abs(pos.quantity) * OPTION_CONTRACT_MULTIPLIER * pos.delta
    out: FloatArray = np.where(opt, d_exp * pos.underlying_price, market_value(pos))
    return out


@dataclass(frozen=True, slots=True)
class ExposureSummary:
    """Delta-adjusted exposures per portfolio; every (P,) array is in currency unless noted.

    ``short`` is negative (or 0); ``gross = long - short``; ``net = long + short``;
    ``leverage = gross / equity`` (NaN with ``INVALID_DENOMINATOR`` when equity <= 0).
    Private holdings are not exposures: ``private_value`` is their carried (market)
    value, and ``market_value`` the signed market value of every position. Options
    without a delta count in no exposure. ``n_long`` / ``n_short`` count positions by the
    sign of their exposure (a long put is short). ``by_position_type`` (P, 6) and
    ``by_investment_class`` (P, 3) hold net exposure in the column order of
    :data:`POSITION_TYPES` and :data:`INVESTMENT_CLASSES`.
    """

    long: FloatArray
    short: FloatArray
    gross: FloatArray
    net: FloatArray
    leverage: FloatArray
    net_leverage: FloatArray
    n_positions: IntArray
    n_long: IntArray
    n_short: IntArray
    n_options: IntArray
    n_private: IntArray
    by_position_type: FloatArray
    by_investment_class: FloatArray
    reason: ReasonArray
    private_value: FloatArray
    market_value: FloatArray


def _group_sum(idx: IntArray, w: ArrayLike, n: int) -> FloatArray:
    out = np.bincount(idx, weights=np.asarray(w, dtype=np.float64), minlength=n)
    return np.asarray(out[:n], dtype=np.float64)


def _group_count(idx: IntArray, mask: np.ndarray, n: int) -> IntArray:
    return np.bincount(idx[mask], minlength=n)[:n].astype(np.int64)


def _by_label(
    pos: Positions, labels: AnyArray, order: tuple[str, ...], value: FloatArray, n: int
) -> FloatArray:
    code = np.full(labels.shape, len(order), dtype=np.int64)
    for k, lab in enumerate(order):  # loop over the handful of categories, not positions
        code[labels == lab] = k
    width = len(order) + 1
    flat = _group_sum(pos.portfolio * width + code, value, n * width)
    return flat.reshape(n, width)[:, : len(order)]


def position_exposure(pos: Positions) -> FloatArray:
    """Delta-adjusted exposure of each position as the portfolio figures count it, (M,):
    :func:`delta_adjusted_exposure`, NaN for private holdings (not an exposure) and for
    options without a delta."""
    out: FloatArray = np.where(pos.is_private, np.nan, delta_adjusted_exposure(pos))
    return out


def portfolio_exposures(pos: Positions, equity: ArrayLike, n_portfolios: int) -> ExposureSummary:
    """Long, short, gross, net delta-adjusted exposure, leverage and counts of P portfolios.

    Parameters
    ----------
    pos : Positions
        M positions; options need ``delta`` and ``underlying_price``.
    equity : array of shape (P,)
        Equity (net asset value) of each portfolio, the leverage denominator.
    n_portfolios : int
        P.
    """
    exposure = position_exposure(pos)
    P, pf = n_portfolios, pos.portfolio
    e0 = np.where(np.isfinite(exposure), exposure, 0.0)
    mv = market_value(pos)
    mv0 = np.where(np.isfinite(mv), mv, 0.0)
    long = _group_sum(pf, np.maximum(e0, 0.0), P)
    short = _group_sum(pf, np.minimum(e0, 0.0), P)
    eq = np.asarray(equity, dtype=np.float64)
    ok = np.isfinite(eq) & (eq > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        leverage = np.where(ok, (long - short) / eq, np.nan)
        net_leverage = np.where(ok, (long + short) / eq, np.nan)
    return ExposureSummary(
        long=long,
        short=short,
        gross=long - short,
        net=long + short,
        leverage=leverage,
        net_leverage=net_leverage,
        n_positions=_group_count(pf, np.ones(pf.shape, dtype=bool), P),
        n_long=_group_count(pf, e0 > 0, P),
        n_short=_group_count(pf, e0 < 0, P),
        n_options=_group_count(pf, pos.is_option, P),
        n_private=_group_count(pf, pos.is_private, P),
        by_position_type=_by_label(pos, pos.position_type, tuple(POSITION_TYPES), e0, P),
        by_investment_class=_by_label(pos, pos.investment_class, tuple(INVESTMENT_CLASSES), e0, P),
        reason=np.where(ok, Reason.OK, Reason.INVALID_DENOMINATOR).astype(np.uint8),
        private_value=_group_sum(pf, np.where(pos.is_private, mv0, 0.0), P),
        market_value=_group_sum(pf, mv0, P),
    )


@dataclass(frozen=True, slots=True)
class ExposureMatrix:
    """Signed delta-adjusted exposures as a sparse (P, N) matrix over the return panel.

    ``n_options_excluded`` counts options left out (no delta, or options not included);
    ``n_private_excluded`` private or unpriced positions; ``n_unpriced`` public
    positions with a missing price; ``n_covered`` the positions in the matrix. The four
    counts add up to each portfolio's positions; all are (P,).
    """

    matrix: sp.csr_array
    n_covered: IntArray
    n_options_excluded: IntArray
    n_private_excluded: IntArray
    n_unpriced: IntArray


def exposure_matrix(
    pos: Positions, n_portfolios: int, n_securities: int, include_options: bool = True
) -> ExposureMatrix:
    """Build the (P, N) exposure matrix used for portfolio beta and portfolio returns.

    Options enter as delta-adjusted exposure to their underlying's column; lots of the
    same security are summed. Private assets and positions without a price history
    (``security < 0``) are excluded and counted.
    """
    exp = delta_adjusted_exposure(pos)
    opt, priv = pos.is_option, pos.is_private | (pos.security < 0)
    opt_out = opt & ~priv & (~np.isfinite(exp) if include_options else True)
    keep = ~priv & ~opt_out & np.isfinite(exp)
    P = n_portfolios
    unpriced = ~keep & ~opt_out & ~priv
    mat = sp.csr_array(
        (exp[keep], (pos.portfolio[keep], pos.security[keep])), shape=(P, n_securities)
    )
    mat.sum_duplicates()
    return ExposureMatrix(
        mat, *(_group_count(pos.portfolio, m, P) for m in (keep, opt_out, priv, unpriced))
    )
