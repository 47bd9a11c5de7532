"""Sector exposure by GICS sector against benchmark weights: long, short and net views.

Convention (docs/methodology.md), per portfolio with long exposure L, short exposure
S (negative) and gross G = L - S:

* long view: long exposure per bucket / L, sums to 1 (0 with no longs);
* short view: short exposure per bucket / \\|S\\|, *negative*, sums to -1 (0 with no shorts);
* net view: (long + short) per bucket / G, sums to (L + S) / G, i.e. 1 for a long-only book;
* active weight: net view minus the benchmark weight of the bucket (0 for ETF and
  unclassified buckets, which the benchmark does not hold).

ETFs go to an ``ETF`` bucket (no look-through); a missing or unknown sector goes to
``Unclassified``. Options should be passed with delta-adjusted exposure on the
underlying's sector.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sigmasight.analytics._typing import AnyArray, ArrayLike, FloatArray, Reason, ReasonArray
from sigmasight.domain.sectors import GICS_SECTORS

ETF_BUCKET = "ETF"
UNCLASSIFIED_BUCKET = "Unclassified"
#: Column order of every (P, S) result.
BUCKETS: tuple[str, ...] = (*GICS_SECTORS, ETF_BUCKET, UNCLASSIFIED_BUCKET)

#: Provider spellings (Yahoo / FMP / Morningstar style) mapped to GICS names.
SECTOR_ALIASES: Mapping[str, str] = {
    "technology": "Information Technology",
    "information technology": "Information Technology",
    "healthcare": "Health Care",
    "health care": "Health Care",
    "financial services": "Financials",
    "financial": "Financials",
    "consumer cyclical": "Consumer Discretionary",
    "consumer defensive": "Consumer Staples",
    "basic materials": "Materials",
    "communication": "Communication Services",
    "telecommunication services": "Communication Services",
    **{s.lower(): s for s in GICS_SECTORS},
}


def normalise_sector(name: str | None) -> str:
    """GICS sector name for a provider's label, or ``Unclassified``."""
    if not name:
        return UNCLASSIFIED_BUCKET
    return SECTOR_ALIASES.get(name.strip().lower(), UNCLASSIFIED_BUCKET)


@dataclass(frozen=True, slots=True)
class SectorExposure:
    """Sector weights per portfolio; (P, S) arrays in the column order of :data:`BUCKETS`."""

    long: FloatArray
    short: FloatArray
    net: FloatArray
    benchmark: FloatArray  # (S,)
    active: FloatArray
    gross: FloatArray
    reason: ReasonArray


def bucket_codes(sector: AnyArray, is_etf: ArrayLike) -> np.ndarray:
    """Index into :data:`BUCKETS` of each position: its sector's, or ETF / Unclassified."""
    labels, inverse = np.unique(np.asarray(sector, dtype=object).astype(str), return_inverse=True)
    # One lookup per distinct label, then a gather: no loop over positions.
    lut = np.array([BUCKETS.index(normalise_sector(lab)) for lab in labels], dtype=np.int64)
    codes = lut[inverse.reshape(-1)] if labels.size else np.zeros(0, dtype=np.int64)
    return np.where(np.asarray(is_etf, dtype=bool), BUCKETS.index(ETF_BUCKET), codes)


def benchmark_vector(weights: Mapping[str, float]) -> FloatArray:
    """Published sector weights as an (S,) array in :data:`BUCKETS` order."""
    out = np.zeros(len(BUCKETS))
    for name, wgt in weights.items():
        out[BUCKETS.index(normalise_sector(name))] += wgt
    return out


def _safe_col(d: FloatArray) -> FloatArray:
    """Denominator as a column, 1 where it is not positive (the numerator is 0 there)."""
    out: FloatArray = np.where(d > 0, d, 1.0)[:, None]
    return out


def sector_exposure(
    portfolio: ArrayLike,
    sector: AnyArray,
    is_etf: ArrayLike,
    exposure: ArrayLike,
    n_portfolios: int,
    benchmark_weights: Mapping[str, float],
) -> SectorExposure:
    """Long, short and net sector weights of P portfolios and their active weights.

    Parameters
    ----------
    portfolio : int array of shape (M,)
    sector : array of shape (M,)
        Provider sector label per position (None / "" / unknown -> Unclassified).
    is_etf : bool array of shape (M,)
    exposure : float array of shape (M,)
        Signed exposure (short negative); NaN positions are ignored.
    benchmark_weights : mapping sector -> weight
        Benchmark (e.g. S&P 500) sector weights as published, used as given.
    """
    long, short = bucket_sums(portfolio, bucket_codes(sector, is_etf), exposure, n_portfolios)
    return sector_views(long, short, benchmark_weights)


def bucket_sums(
    portfolio: ArrayLike, bucket: ArrayLike, exposure: ArrayLike, n_portfolios: int
) -> tuple[FloatArray, FloatArray]:
    """Long (>= 0) and short (<= 0) exposure per portfolio and bucket, in currency:
    two (P, S) arrays in :data:`BUCKETS` order. Every view derives from these."""
    pf = np.asarray(portfolio, dtype=np.int64)
    code = np.asarray(bucket, dtype=np.int64)
    e = np.asarray(exposure, dtype=np.float64)
    e = np.where(np.isfinite(e), e, 0.0)
    P, S = n_portfolios, len(BUCKETS)

    def per_bucket(v: FloatArray) -> FloatArray:
        out = np.bincount(pf * S + code, weights=v, minlength=P * S)[: P * S]
        return np.asarray(out, dtype=np.float64).reshape(P, S)

    return per_bucket(np.maximum(e, 0.0)), per_bucket(np.minimum(e, 0.0))


def sector_views(
    long_sums: ArrayLike, short_sums: ArrayLike, benchmark_weights: Mapping[str, float]
) -> SectorExposure:
    """The long, short, net and active views from :func:`bucket_sums` (P, S).

    The batch stores the sums; readers call this on what was stored and get the figures
    the batch would have computed.
    """
    L = np.asarray(long_sums, dtype=np.float64)
    Sh = np.asarray(short_sums, dtype=np.float64)
    tl, ts = L.sum(axis=1), -Sh.sum(axis=1)
    gross = tl + ts
    bench = benchmark_vector(benchmark_weights)
    net = (L + Sh) / _safe_col(gross)
    ok = gross > 0
    return SectorExposure(
        long=L / _safe_col(tl),
        short=Sh / _safe_col(ts),
        net=np.where(ok[:, None], net, np.nan),
        benchmark=bench,
        active=np.where(ok[:, None], net - bench, np.nan),
        gross=gross,
        reason=np.where(ok, Reason.OK, Reason.INSUFFICIENT_DATA).astype(np.uint8),
    )
