"""Concentration of holdings: HHI, effective number of positions, top-k weights.

Convention (docs/methodology.md): lots of the same symbol in a portfolio are merged
(signed market values summed) first; weights are absolute merged values over their sum
(gross basis), so a short concentrates a book exactly as a long of the same size does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sigmasight.analytics._typing import (
    AnyArray,
    ArrayLike,
    FloatArray,
    IntArray,
    Reason,
    ReasonArray,
)

#: HHI of a single holding (weights in percent, squared and summed).
HHI_MAX = 10_000.0


@dataclass(frozen=True, slots=True)
class Concentration:
    r"""Concentration per portfolio, every field (P,).

    ``hhi`` :math:`= 10^4 \sum_i w_i^2` in ``[10^4 / n, 10^4]``; ``effective_n``
    :math:`= 1 / \sum_i w_i^2`; ``top3`` / ``top10`` the summed weights of the largest
    3 / 10 holdings (fractions); ``n_holdings`` distinct symbols with a non-zero value.
    """

    hhi: FloatArray
    effective_n: FloatArray
    top3: FloatArray
    top10: FloatArray
    n_holdings: IntArray
    reason: ReasonArray


def _nan_unless(ok: np.ndarray, a: np.ndarray) -> FloatArray:
    out: FloatArray = np.where(ok, a, np.nan)
    return out


#: Largest (portfolios x holdings of the biggest book) sorted as one dense matrix; a
#: larger problem ranks by a sort of all holdings instead.
_DENSE_LIMIT = 4_000_000


def _top_weights(owner: IntArray, w: FloatArray, P: int, ks: tuple[int, ...]) -> list[FloatArray]:
    """Sum of each portfolio's k largest weights, for each k; ``owner`` ascending."""
    counts = np.bincount(owner, minlength=P)[:P]
    widest = int(counts.max()) if counts.size else 0
    slot = np.arange(owner.size) - (np.cumsum(counts) - counts)[owner]
    if P * widest <= _DENSE_LIMIT:
        # Books hold tens of positions: a (P, widest) matrix sorted along its rows.
        dense = np.zeros((P, max(widest, 1)))
        dense[owner, slot] = w
        dense.sort(axis=1)
        return [dense[:, ::-1][:, :k].sum(axis=1) for k in ks]
    order = np.lexsort((-w, owner))
    rank = np.empty_like(order)
    rank[order] = slot
    return [
        np.bincount(owner[rank < k], weights=w[rank < k], minlength=P)[:P].astype(np.float64)
        for k in ks
    ]


def concentration(
    portfolio: ArrayLike, symbol: AnyArray, value: ArrayLike, n_portfolios: int
) -> Concentration:
    """Concentration metrics of P portfolios from M position lots.

    Parameters
    ----------
    portfolio : int array of shape (M,)
        Owning portfolio row in ``[0, P)``.
    symbol : array of shape (M,)
        Instrument identifier; equal symbols within a portfolio are merged.
    value : float array of shape (M,)
        Signed market value (a short is negative); NaN lots are ignored.
    n_portfolios : int

    Returns
    -------
    Concentration
        NaN with ``INSUFFICIENT_DATA`` for a portfolio with no non-zero holding.
    """
    pf = np.asarray(portfolio, dtype=np.int64)
    val = np.asarray(value, dtype=np.float64)
    keep = np.isfinite(val)
    pf, val = pf[keep], val[keep]
    sym = np.asarray(symbol)[keep]
    if sym.dtype.kind in "iu" and (sym.size == 0 or sym.min() >= 0):
        sym_code = sym.astype(np.int64)  # already codes (the batch makes them once)
    else:
        sym_code = np.unique(sym, return_inverse=True)[1].reshape(-1)
    width = int(sym_code.max()) + 1 if sym_code.size else 1
    # Sorted by (portfolio, symbol): each portfolio's holdings are contiguous.
    keys, inverse = np.unique(pf * width + sym_code, return_inverse=True)
    merged = np.abs(np.bincount(inverse.reshape(-1), weights=val, minlength=keys.size))
    owner = keys // width
    nz = merged > 0
    owner, merged = owner[nz], merged[nz]
    P = n_portfolios
    gross = np.bincount(owner, weights=merged, minlength=P)[:P]
    ok = gross > 0
    w = merged / np.where(ok, gross, 1.0)[owner]
    sum_sq = np.bincount(owner, weights=w * w, minlength=P)[:P]
    top = _top_weights(owner, w, P, (3, 10))
    with np.errstate(divide="ignore"):
        eff = 1.0 / sum_sq
    return Concentration(
        hhi=_nan_unless(ok, HHI_MAX * sum_sq),
        effective_n=_nan_unless(ok, eff),
        top3=_nan_unless(ok, top[0]),
        top10=_nan_unless(ok, top[1]),
        n_holdings=np.bincount(owner, minlength=P)[:P].astype(np.int64),
        reason=np.where(ok, Reason.OK, Reason.INSUFFICIENT_DATA).astype(np.uint8),
    )
