"""The correlations family in the batch (docs/methodology.md, "Correlations").

- Security level, once per run: the pairs of price columns held together in some
  portfolio on each run date (each pair once, however many books hold it; an option
  counts as its underlying, private holdings have no prices), their pairwise-complete
  correlations over the stored windows, one ``asset_correlations`` row per pair and date.
- Portfolio level, per partition: one ``portfolio_correlation_summaries`` row per live
  book and date from the :data:`SUMMARY_WINDOW` sessions up to the date.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import structlog

from sigmasight.analytics.correlations import min_observations, pair_correlations
from sigmasight.analytics.exposures import exposure_matrix
from sigmasight.batch.columns import Columns, extend, finite, ints
from sigmasight.batch.inputs import PRIVATE, BatchInputs, FloatArray, IntArray
from sigmasight.batch.snapshots import held_positions
from sigmasight.batch.valuation import Valuation, lot_exits, row_of
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR
from sigmasight.storage.history_correlations import PAIR_WINDOWS

log = structlog.get_logger(__name__)

#: Sessions of the portfolio summaries (one year) and the fewest complete sessions.
SUMMARY_WINDOW = TRADING_DAYS_PER_YEAR
SUMMARY_MIN_OBS = min_observations(SUMMARY_WINDOW)
#: How the effective number of bets is computed (stored with each row).
EFFECTIVE_BETS_METHOD = "pca_entropy"
#: Most ``asset_correlations`` rows one run stores. One row per co-held pair and date
#: grows with the square of the positions: 3.7 million rows a day for 10,000 books of
#: 30 over 5,000 symbols, whose writing alone took minutes. Above the budget the run
#: stores no pair rows (logged as ``batch.correlation_pairs_skipped``); the API computes
#: every matrix on demand from the stored prices either way, and the portfolio
#: summaries are stored regardless.
PAIR_ROW_BUDGET = 500_000
#: How many times more multiply-adds a second the one product of the shared columns'
#: covariance does than the books' own small products (one 30 x 30 matrix at a time):
#: the books read the shared one when its U x U entries, so weighted, are fewer than
#: their n x n each. Measured on one core, 252 sessions, 250 books of 30: own 15-16 ms
#: whatever U; shared 5.3 ms at U = 500, 11.3 ms at 1,000, 21.9 ms at 1,500 (break-even
#: near 6); 1,000 books over U = 1,000: 61 against 12 ms.
SHARED_PRODUCT_ADVANTAGE = 4


def held_columns(inputs: BatchInputs, rows: slice) -> sp.csr_array:
    """(R * P, S) 0/1 matrix: row ``k * P + p`` marks the price columns portfolio p holds
    at the close of run row k (entered on or before it, not exited; an open option
    leaves at expiry)."""
    lots = inputs.lots
    P, S = inputs.portfolios.id.size, len(inputs.symbols)
    entry = row_of(inputs, lots.entry_date)
    exit_row, _ = lot_exits(inputs, inputs.mark_prices)
    priced = (lots.kind != PRIVATE) & (lots.column >= 0) & (lots.quantity != 0)
    ts = np.arange(rows.start, rows.stop)
    k, m = np.nonzero((ts[:, None] >= entry) & (ts[:, None] < exit_row) & priced)
    held = sp.csr_array(
        (np.ones(k.size), (k * P + lots.portfolio[m], lots.column[m])), shape=(ts.size * P, S)
    )
    held.sum_duplicates()
    held.data[:] = 1.0
    return held


def co_held_pairs(held: sp.csr_array) -> tuple[IntArray, IntArray]:
    """Pairs (a < b) of columns held together in at least one row of ``held`` (P, S)."""
    together = sp.triu(sp.csr_array(held.T @ held), k=1).tocoo()
    order = np.lexsort((together.col, together.row))
    return together.row[order].astype(np.int64), together.col[order].astype(np.int64)


def asset_correlation_rows(inputs: BatchInputs, returns: FloatArray, rows: slice) -> Columns:
    """Rows of ``asset_correlations`` for every run date, as columns."""
    P = inputs.portfolios.id.size
    held = held_columns(inputs, rows)
    symbols = np.array(inputs.symbols, dtype=object)
    windows = tuple(PAIR_WINDOWS.values())
    out: Columns = {}
    pairs: list[tuple[IntArray, IntArray]] = []
    count = 0
    for k in range(rows.stop - rows.start):
        pairs.append(co_held_pairs(sp.csr_array(held[k * P : (k + 1) * P])))
        count += pairs[-1][0].size
        if count > PAIR_ROW_BUDGET:
            # the dates after this one are not counted: a backfill of a year would
            # otherwise find every date's pairs (3 s for 1,000 books) to store none
            log.warning(
                "batch.correlation_pairs_skipped",
                rows_at_least=count,
                dates_counted=k + 1,
                budget=PAIR_ROW_BUDGET,
            )
            return out
    for k, t in enumerate(range(rows.start, rows.stop)):
        a, b = pairs[k]
        if a.size == 0:
            continue
        # the pair is keyed by its symbols in sorted order, whatever the column order
        sa, sb = symbols[a], symbols[b]
        swap = sa > sb
        first, second = np.where(swap, sb, sa), np.where(swap, sa, sb)
        got = pair_correlations(returns, t, windows, a, b)
        block: Columns = {
            "symbol_a": first.tolist(),
            "symbol_b": second.tolist(),
            "calc_date": [inputs.sessions[t].astype(object)] * a.size,
        }
        for j, suffix in enumerate(PAIR_WINDOWS):
            block[f"corr_{suffix}"] = finite(got.corr[:, j])
            block[f"obs_{suffix}"] = ints(got.n_obs[:, j])
        extend(out, block)
    return out


def _padded(matrix: sp.csr_array) -> tuple[IntArray, FloatArray, npt.NDArray[np.bool_]]:
    """Each row's columns and values padded to the widest row: (P, n) each, with the
    mask of real entries (padding points at column 0 with value 0)."""
    counts = np.diff(matrix.indptr)
    n = max(int(counts.max(initial=0)), 1)
    slot = np.arange(matrix.indices.size) - np.repeat(matrix.indptr[:-1], counts)
    row = np.repeat(np.arange(matrix.shape[0]), counts)
    cols = np.zeros((matrix.shape[0], n), dtype=np.int64)
    vals = np.zeros((matrix.shape[0], n))
    real = np.zeros((matrix.shape[0], n), dtype=bool)
    cols[row, slot], vals[row, slot], real[row, slot] = matrix.indices, matrix.data, True
    return cols, vals, real


def correlation_summary(
    window: FloatArray, market: FloatArray, matrix: sp.csr_array, nav: FloatArray
) -> dict[str, FloatArray]:
    """Summary figures of every book (rows of ``matrix``, exposures (P, S)) over one
    window of returns (W, S) and the market's returns (W,); see the methodology.

    Each book's covariance is taken over the sessions where the market and every
    security it holds have a return. A book whose securities have every such session
    reads its matrix out of one covariance of the held columns (one BLAS product for
    all of them) when that product is the cheaper (:data:`SHARED_PRODUCT_ADVANTAGE`);
    the others, and every book when it is not, get theirs from their own complete
    sessions. Both give the same sums to rounding."""
    cols, exposure, real = _padded(matrix)
    P, n = cols.shape
    scale = np.where(nav > 0, 1.0 / np.where(nav > 0, nav, 1.0), np.nan)
    w = np.nan_to_num(exposure * scale[:, None])  # (P, n) signed weights, 0 in padding
    market_ok = np.isfinite(market)
    complete: npt.NDArray[np.bool_] = np.asarray(np.isfinite(window[market_ok]).all(axis=0))
    clean = (complete[cols] | ~real).all(axis=1)
    used = np.unique(cols[clean][real[clean]])
    shared = clean & (used.size**2 < SHARED_PRODUCT_ADVANTAGE * int(clean.sum()) * n * n)
    cov = np.zeros((P, n, n))
    with_market = np.zeros((P, n))  # covariance of each holding with the market
    market_var = np.zeros(P)
    n_obs = np.zeros(P, dtype=np.int64)
    if shared.any():
        _shared_moments(window, market, cols, real, shared, used, cov, with_market, market_var)
        n_obs[shared] = int(market_ok.sum())
    own = np.flatnonzero(~shared)
    if own.size:
        parts = _own_moments(window, market, cols[own], real[own])
        cov[own], with_market[own], market_var[own], n_obs[own] = parts
    sd = np.sqrt(np.einsum("pii->pi", cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    a = np.abs(w) * (sd > 0)
    outer = a[:, :, None] * a[:, None, :]
    idx = np.arange(n)
    outer[:, idx, idx] = 0.0
    pair_weight = outer.sum(axis=(1, 2))
    book_var = np.einsum("pi,pij,pj->p", w, cov, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = np.where(
            pair_weight > 0, (outer * np.nan_to_num(corr)).sum(axis=(1, 2)) / pair_weight, np.nan
        )
        market_corr = (w * with_market).sum(axis=1) / np.sqrt(book_var * market_var)
    bets = _effective_bets(cov, w)
    enough = (n_obs >= SUMMARY_MIN_OBS) & np.isfinite(scale)
    return {
        "observations": n_obs.astype(np.float64),
        "securities": real.sum(axis=1).astype(np.float64),
        "average_correlation": np.where(enough, average, np.nan),
        "market_correlation": np.where(enough & np.isfinite(market_corr), market_corr, np.nan),
        "effective_bets": np.where(enough, bets, np.nan),
    }


def _shared_moments(
    window: FloatArray,
    market: FloatArray,
    cols: IntArray,
    real: npt.NDArray[np.bool_],
    books: npt.NDArray[np.bool_],
    used: IntArray,
    cov: FloatArray,
    with_market: FloatArray,
    market_var: FloatArray,
) -> None:
    """Fill the moments of ``books`` from one covariance of the ``used`` columns and
    the market over the sessions where the market has a return."""
    rows = window[np.isfinite(market)]
    Z = np.column_stack([rows[:, used], market[np.isfinite(market)]])
    N = Z.shape[0]
    Zc = Z - Z.sum(axis=0) / max(N, 1)
    G = (Zc.T @ Zc) / (max(N, 2) - 1.0)
    at = np.searchsorted(used, cols[books])
    mask = real[books]
    at = np.where(mask, at, 0)
    both = mask[:, :, None] & mask[:, None, :]
    cov[books] = np.where(both, G[at[:, :, None], at[:, None, :]], 0.0)
    with_market[books] = np.where(mask, G[at, -1], 0.0)
    market_var[books] = G[-1, -1]


def _own_moments(
    window: FloatArray, market: FloatArray, cols: IntArray, real: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray]:
    """Each book's covariance (B, n, n), covariances with the market (B, n), the
    market's variance (B,) and observations (B,) over its own complete sessions."""
    X = np.where(real[None], window[:, cols], 0.0)  # (W, B, n)
    ok = np.isfinite(X).all(axis=2) & np.isfinite(market)[:, None]  # (W, B)
    n_obs = ok.sum(axis=0)
    okf = ok.astype(np.float64)
    X = np.where(ok[:, :, None], X, 0.0)
    denom = np.maximum(n_obs, 2) - 1.0
    mean = X.sum(axis=0) / np.maximum(n_obs, 1)[:, None]
    Xc = (X - mean) * okf[:, :, None]
    # one batched BLAS product per book (12x the einsum's speed; same sums to rounding)
    cov = np.matmul(Xc.transpose(1, 2, 0), Xc.transpose(1, 0, 2)) / denom[:, None, None]
    m = np.where(ok, market[:, None], 0.0)
    mc = (m - m.sum(axis=0) / np.maximum(n_obs, 1)) * okf
    with_market = np.einsum("wpi,wp->pi", Xc, mc) / denom[:, None]
    market_var = (mc * mc).sum(axis=0) / denom
    return cov, with_market, market_var, n_obs


def _effective_bets(cov: FloatArray, w: FloatArray) -> FloatArray:
    r"""Meucci's effective number of bets on principal components: with
    :math:`\Sigma = E \Lambda E^\top` and :math:`y = E^\top w`, the shares
    :math:`p_k = y_k^2 \lambda_k / \sum_j y_j^2 \lambda_j` of the variance, and
    :math:`\exp(-\sum_k p_k \ln p_k)`.

    Note: a stack of small eigen-decompositions on a multi-threaded OpenBLAS wakes its
    threads for every matrix; on a loaded machine that measured 4 s against 0.04 s
    single-threaded for 250 matrices of 30 x 30. Limiting the threads here
    (threadpoolctl) hung Dask workers, so the limit is left to the process
    (``OPENBLAS_NUM_THREADS``)."""
    lam, vec = np.linalg.eigh(cov)
    y = np.einsum("pik,pi->pk", vec, w)
    share = y * y * np.maximum(lam, 0.0)
    total = share.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, share / total, 0.0)
        entropy = -np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=1)
    out: FloatArray = np.where(total[:, 0] > 0, np.exp(entropy), np.nan)
    return out


def portfolio_correlation_rows(
    inputs: BatchInputs, returns: FloatArray, vol63: FloatArray, valuation: Valuation, rows: slice
) -> Columns:
    """Rows of ``portfolio_correlation_summaries``: each live book on each run row."""
    P, S = inputs.portfolios.id.size, len(inputs.symbols)
    out: Columns = {}
    for t in range(rows.start, rows.stop):
        live = np.flatnonzero(t >= valuation.inception)
        if live.size == 0:
            continue
        lo = max(t - SUMMARY_WINDOW + 1, 1)
        held = held_positions(inputs, valuation, vol63, np.array([t]))
        matrix = exposure_matrix(held.positions, P, S).matrix
        nav = valuation.nav[valuation.row(t)]
        fig = correlation_summary(
            returns[lo : t + 1], returns[lo : t + 1, inputs.market_column], matrix, nav
        )
        extend(
            out,
            {
                "portfolio_id": inputs.portfolios.id[live].tolist(),
                "calc_date": [inputs.sessions[t].astype(object)] * live.size,
                "window": [SUMMARY_WINDOW] * live.size,
                "observations": ints(fig["observations"][live]),
                "securities": ints(fig["securities"][live]),
                "average_correlation": finite(fig["average_correlation"][live]),
                "market_correlation": finite(fig["market_correlation"][live]),
                "effective_bets": finite(fig["effective_bets"][live]),
                "effective_bets_method": [EFFECTIVE_BETS_METHOD] * live.size,
            },
        )
    return out
