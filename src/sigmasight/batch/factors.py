"""Factor exposures in the batch: security loadings once per symbol and date, portfolio
figures per partition (docs/methodology.md, "Factor exposures").

The security step fits every symbol on the registry's active factors for every run row
(:func:`security_factors`, cached in ``inputs.derived`` so each partition reads the same
fits); the portfolio step aggregates them by delta-adjusted exposure and regresses each
book's ex-ante return series directly, with the same estimator.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from sigmasight.analytics._typing import Reason
from sigmasight.analytics.exposures import exposure_matrix
from sigmasight.analytics.factors import FactorFit, fit_factors_stacked, rolling_factor_fits
from sigmasight.analytics.returns import portfolio_returns, trailing_windows
from sigmasight.batch.columns import Columns, finite, ints
from sigmasight.batch.inputs import BatchInputs, FloatArray
from sigmasight.batch.snapshots import held_positions
from sigmasight.batch.valuation import Valuation
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR
from sigmasight.domain.factors import (
    CONDITION_THRESHOLD,
    FACTOR_MIN_OBS,
    FACTOR_WINDOW,
    FACTORS,
    RIDGE_PENALTY,
    VIF_THRESHOLD,
    FactorMethod,
)
from sigmasight.storage.history_factors import PER_FACTOR

METHODS: dict[str, float | None] = {
    FactorMethod.OLS.value: None,
    FactorMethod.RIDGE.value: RIDGE_PENALTY,
}
_CACHE = "security_factors"
#: Most run rows per block of the portfolio step (bounds its (W, B * S) return windows).
DATE_BLOCK = 32
_FIT_FIELDS = ("loading", "std_error", "t_stat", "vif")
_SCALARS = ("intercept", "r_squared", "adj_r_squared", "residual_vol", "condition_number")


def factor_returns(inputs: BatchInputs) -> FloatArray:
    """Daily returns (T, K) of every registry factor: long leg minus short leg, NaN where
    a leg has no return (row t is the return into session t, as in the security panel)."""
    legs = _leg_returns(inputs)
    zero = np.zeros(inputs.sessions.size)
    return np.column_stack([legs[f.long] - (legs[f.short] if f.short else zero) for f in FACTORS])


def _leg_returns(inputs: BatchInputs) -> dict[str, FloatArray]:
    """Each factor leg's aligned simple returns (all NaN without prices)."""
    T = inputs.sessions.size
    prices = inputs.factor_prices
    if prices is None:
        prices = np.full((T, len(inputs.factor_symbols)), np.nan)
    out = {s: np.full(T, np.nan) for f in FACTORS for s in f.symbols}
    for j, symbol in enumerate(inputs.factor_symbols):
        column = np.full(T, np.nan)
        column[1:] = prices[1:, j] / prices[:-1, j] - 1.0
        out[symbol] = column
    return out


def _absent_reason(legs: dict[str, FloatArray], k: int, lo: int, hi: int) -> str:
    f = FACTORS[k]
    for symbol in f.symbols:
        have = int(np.isfinite(legs[symbol][lo:hi]).sum())
        if have == 0:
            return f"no prices for {symbol} in the {FACTOR_WINDOW} sessions to this date"
        if have < FACTOR_MIN_OBS:
            return (
                f"only {have} returns of {symbol} in the {FACTOR_WINDOW} sessions to this "
                f"date (needs {FACTOR_MIN_OBS})"
            )
    return f"fewer than {FACTOR_MIN_OBS} sessions where every leg has a return"


@dataclass(frozen=True)
class SecurityFactors:
    """Fits of every symbol on every run row, for each method; registry-wide arrays
    (D, S, K) with NaN in the columns of factors absent on a date."""

    rows: slice
    factors: FloatArray  # (T, K) factor returns
    active: npt.NDArray[np.bool_]  # (D, K)
    absent: tuple[dict[str, str], ...]  # per run row: factor key -> reason
    fits: dict[str, FactorFit]  # method -> leading shape (D, S), K registry columns
    p_value: dict[str, FloatArray]  # method -> (D, S, K)

    def window(self, t: int) -> slice:
        return slice(max(t - FACTOR_WINDOW + 1, 0), t + 1)


def _widen(fit: FactorFit, cols: npt.NDArray[np.int64], K: int) -> dict[str, FloatArray]:
    out: dict[str, FloatArray] = {}
    for name in FactorFit.__slots__:
        value = getattr(fit, name)
        if name in _FIT_FIELDS:
            wide = np.full((*value.shape[:-1], K), np.nan)
            wide[..., cols] = value
            out[name] = wide
        else:
            out[name] = value
    return out


def security_factors(inputs: BatchInputs, returns: FloatArray, rows: slice) -> SecurityFactors:
    """Every symbol's fits on the run's rows (computed once per run, then cached)."""
    held = inputs.derived.get(_CACHE)
    if isinstance(held, SecurityFactors) and held.rows == rows:
        return held
    F = factor_returns(inputs)
    legs = _leg_returns(inputs)
    ends = np.arange(rows.start, rows.stop)
    lo = np.maximum(ends - FACTOR_WINDOW + 1, 0)
    finite_counts = np.cumsum(np.vstack([np.zeros((1, F.shape[1])), np.isfinite(F)]), axis=0)
    active = (finite_counts[ends + 1] - finite_counts[lo]) >= FACTOR_MIN_OBS
    D, S, K = ends.size, len(inputs.symbols), len(FACTORS)
    parts: dict[str, dict[str, Any]] = {}
    for method, ridge in METHODS.items():
        arrays: dict[str, Any] = {}
        for pattern in np.unique(active, axis=0):
            dates = np.flatnonzero((active == pattern).all(axis=1))
            cols = np.flatnonzero(pattern)
            fit = rolling_factor_fits(
                returns, F[:, cols], ends[dates], FACTOR_WINDOW, ridge=ridge, min_obs=FACTOR_MIN_OBS
            )
            wide = _widen(fit, cols, K)
            wide["p_value"] = _widen_p(fit, cols, K)
            for name, value in wide.items():
                if name not in arrays:
                    arrays[name] = np.empty((D, S, *value.shape[2:]), dtype=value.dtype)
                arrays[name][dates] = value
        parts[method] = arrays
    absent = tuple(
        {
            FACTORS[k].key: _absent_reason(legs, int(k), int(lo[d]), int(ends[d]) + 1)
            for k in np.flatnonzero(~active[d])
        }
        for d in range(D)
    )
    result = SecurityFactors(
        rows=rows,
        factors=F,
        active=active,
        absent=absent,
        fits={m: FactorFit(**{n: a[n] for n in FactorFit.__slots__}) for m, a in parts.items()},
        p_value={m: a["p_value"] for m, a in parts.items()},
    )
    inputs.derived[_CACHE] = result
    return result


def _widen_p(fit: FactorFit, cols: npt.NDArray[np.int64], K: int) -> FloatArray:
    wide = np.full((*fit.loading.shape[:-1], K), np.nan)
    wide[..., cols] = fit.p_value()
    return wide


def _flags(vif: list[float | None], cond: float | None) -> list[str]:
    keys = [f.key for f in FACTORS]
    out = [
        f"vif:{k}" for k, v in zip(keys, vif, strict=True) if v is not None and v > VIF_THRESHOLD
    ]
    if cond is not None and cond > CONDITION_THRESHOLD:
        out.append("condition_number")
    return out


def security_factor_rows(inputs: BatchInputs, returns: FloatArray, rows: slice) -> Columns:
    """Rows of ``security_factor_exposures``: every symbol, run row and method."""
    fits = security_factors(inputs, returns, rows)
    keys = [f.key for f in FACTORS]
    S = len(inputs.symbols)
    days = [d.astype(object) for d in inputs.sessions[rows]]
    out: Columns = {}
    for method, fit in fits.fits.items():
        stats = {
            n: [finite(getattr(fit, n)[..., k].reshape(-1)) for k in range(len(keys))]
            for n in _FIT_FIELDS
        }
        p = [finite(fits.p_value[method][..., k].reshape(-1)) for k in range(len(keys))]
        active = [[k for k in range(len(keys)) if fits.active[d, k]] for d in range(len(days))]
        factors_json = [
            {
                keys[k]: {
                    "loading": stats["loading"][k][i],
                    "std_error": stats["std_error"][k][i],
                    "t_stat": stats["t_stat"][k][i],
                    "p_value": p[k][i],
                    "vif": stats["vif"][k][i],
                }
                for k in active[i // S]
            }
            for i in range(len(days) * S)
        ]
        cond = finite(fit.condition_number.reshape(-1))
        flags = [
            _flags([stats["vif"][k][i] for k in range(len(keys))], cond[i])
            for i in range(len(days) * S)
        ]
        reasons = {int(r): Reason(int(r)).name for r in np.unique(fit.reason)}
        block: Columns = {
            "symbol": list(inputs.symbols) * len(days),
            "calc_date": [d for d in days for _ in range(S)],
            "method": [method] * (len(days) * S),
            "window": [FACTOR_WINDOW] * (len(days) * S),
            "factors": factors_json,
            **{n: finite(getattr(fit, n).reshape(-1)) for n in _SCALARS},
            "observations": fit.n_obs.reshape(-1).tolist(),
            "reason": [reasons[int(r)] for r in fit.reason.reshape(-1)],
            "flags": flags,
        }
        for name, values in block.items():
            out.setdefault(name, []).extend(values)
    return out


def _factor_covariances(F: FloatArray) -> FloatArray:
    """Sample covariance (ddof 1) of each window's factor returns (B, W, K) on its
    sessions where all are finite, (B, K, K); NaN where fewer than two."""
    ok: npt.NDArray[np.bool_] = np.asarray(np.isfinite(F).all(axis=-1))  # (B, W)
    n = ok.sum(axis=-1).astype(np.float64)
    mean = np.where(ok[..., None], F, 0.0).sum(axis=-2) / np.maximum(n, 1.0)[:, None]
    Fc = np.where(ok[..., None], F - mean[:, None, :], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cov: FloatArray = (np.swapaxes(Fc, -1, -2) @ Fc) / (n - 1.0)[:, None, None]
    cov[n < 2] = np.nan
    return cov


def _portfolio_method(
    E: sp.csr_array,
    nav: FloatArray,
    fit: FactorFit,
    ds: slice,
    active: npt.NDArray[np.int64],
    F_windows: FloatArray,
    series: FloatArray,
    ridge: float | None,
) -> dict[str, FloatArray]:
    """Weighted and direct loadings, currency exposures and the risk split of the B
    dates ``ds`` of the run rows at once, as (B * P, ...) arrays (row ``b * P + p``):
    ``E`` is block-diagonal (B * P, B * S), ``F_windows`` (B, W, Ka) and ``series``
    (B, W, P) each date's trailing window."""
    B, P = F_windows.shape[0], nav.size // F_windows.shape[0]
    Ka = active.size
    loading = fit.loading[ds][..., active].reshape(-1, Ka)  # (B * S, Ka)
    ok = (fit.reason[ds] == Reason.OK).astype(np.float64).reshape(-1)
    covered = sp.csr_array(E @ sp.diags_array(ok))
    scale = np.where(nav > 0, 1.0 / np.where(nav > 0, nav, 1.0), np.nan)
    currency = np.asarray(covered @ np.nan_to_num(loading))  # (B * P, Ka)
    weighted = currency * scale[:, None]
    se2 = np.nan_to_num(fit.std_error[ds][..., active].reshape(-1, Ka) ** 2)
    squared = covered.power(2)
    weighted_se = np.sqrt(np.asarray(squared @ se2)) * np.abs(scale)[:, None]
    s2 = np.nan_to_num(fit.residual_variance[ds].reshape(-1))
    specific = np.asarray(squared @ s2) * scale**2 * TRADING_DAYS_PER_YEAR
    cov = _factor_covariances(F_windows) * TRADING_DAYS_PER_YEAR  # (B, Ka, Ka)
    marginal = (weighted.reshape(B, P, Ka) @ cov).reshape(-1, Ka)
    contribution = weighted * marginal
    factor_var = contribution.sum(axis=1)
    total = factor_var + specific
    direct = fit_factors_stacked(series, F_windows, ridge=ridge, min_obs=FACTOR_MIN_OBS)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = contribution / total[:, None]
        specific_share = specific / total
    return {
        "weighted": weighted,
        "weighted_se": weighted_se if ridge is None else np.full_like(weighted, np.nan),
        "currency": currency,
        "contribution": contribution,
        "share": share,
        "factor_var": factor_var,
        "specific_var": specific,
        "total_var": total,
        "specific_share": specific_share,
        "direct": direct.loading.reshape(-1, Ka),
        "direct_se": direct.std_error.reshape(-1, Ka),
        "direct_t": direct.t_stat.reshape(-1, Ka),
        "direct_p": direct.p_value().reshape(-1, Ka),
        "r_squared": direct.r_squared.reshape(-1),
        "adj_r_squared": direct.adj_r_squared.reshape(-1),
        "residual_vol": direct.residual_vol.reshape(-1),
        "condition_number": direct.condition_number.reshape(-1),
        "observations": direct.n_obs.reshape(-1).astype(np.float64),
        "reason": direct.reason.reshape(-1).astype(np.float64),
        "covered": np.asarray((covered != 0).sum(axis=1), dtype=np.float64),
        "held": np.asarray((E != 0).sum(axis=1), dtype=np.float64),
    }


_PER_FACTOR_SOURCE = {
    "exposure": "currency",
    "risk_contribution": "contribution",
    "risk_share": "share",
}


def portfolio_method_rows(
    fig: dict[str, FloatArray], keys: list[str], live: npt.NDArray[np.int64]
) -> list[dict[str, Any]]:
    """Each live book's figures of one estimator, as stored in the ``ols`` / ``ridge``
    column: per-factor figures as columns under ``factors`` (rows of (P, K) arrays; NaN
    is stored as null), the direct fit's statistics, the risk split and the coverage."""
    per_factor = {
        name: np.ascontiguousarray(fig[_PER_FACTOR_SOURCE.get(name, name)][live])
        for name in PER_FACTOR
        if name != "difference"
    }
    per_factor["difference"] = per_factor["weighted"] - per_factor["direct"]
    total = fig["total_var"][live]
    with np.errstate(invalid="ignore"):
        volatility = np.where(total >= 0, np.sqrt(np.where(total >= 0, total, 0.0)), np.nan)
    direct = {
        name: finite(fig[name][live])
        for name in ("r_squared", "adj_r_squared", "residual_vol", "condition_number")
    }
    risk = {
        "total_variance": finite(total),
        "total_volatility": finite(volatility),
        "factor_variance": finite(fig["factor_var"][live]),
        "specific_variance": finite(fig["specific_var"][live]),
        "specific_share": finite(fig["specific_share"][live]),
    }
    observations = ints(np.nan_to_num(fig["observations"][live]))
    codes = ints(np.nan_to_num(fig["reason"][live]))
    names = {code: Reason(code).name for code in set(codes)}
    reasons = [names[code] for code in codes]
    covered = ints(np.nan_to_num(fig["covered"][live]))
    held = ints(np.nan_to_num(fig["held"][live]))
    out: list[dict[str, Any]] = []
    for i in range(live.size):
        out.append(
            {
                "factors": {"keys": keys, **{n: v[i] for n, v in per_factor.items()}},
                "direct": {
                    **{n: v[i] for n, v in direct.items()},
                    "observations": observations[i],
                    "reason": reasons[i],
                },
                "risk": {n: v[i] for n, v in risk.items()},
                "positions_covered": covered[i],
                "positions_held": held[i],
            }
        )
    return out


def portfolio_factor_rows(
    inputs: BatchInputs, returns: FloatArray, vol63: FloatArray, valuation: Valuation, rows: slice
) -> Columns:
    """Rows of ``portfolio_factor_exposures``: each live book on each run row.

    Dates are computed in blocks (runs of at most :data:`DATE_BLOCK` dates with the same
    active factors): one block-diagonal exposure matrix, one product for the books'
    trailing return windows and one stacked regression per block, so a backfill costs a
    few array operations per block instead of a dozen per date; a date's figures do not
    depend on the block it falls in."""
    fits = security_factors(inputs, returns, rows)
    P, S = inputs.portfolios.id.size, len(inputs.symbols)
    out: Columns = {}
    for lo, hi in _date_blocks(fits.active):
        ts = np.arange(rows.start + lo, rows.start + hi)
        B = ts.size
        active = np.flatnonzero(fits.active[lo])
        keys = [FACTORS[k].key for k in active]
        nav = valuation.nav[ts - valuation.offset].reshape(-1)  # (B * P,)
        held = held_positions(inputs, valuation, vol63, ts)
        E = exposure_matrix(held.positions, B * P, B * S).matrix
        scale = np.where(nav > 0, 1.0 / np.where(nav > 0, nav, 1.0), 0.0)
        weights = sp.csr_array(sp.diags_array(scale) @ E)
        W = FACTOR_WINDOW
        windows = trailing_windows(returns, ts, W)  # (W, B * S)
        series = portfolio_returns(weights, windows)  # (W, B * P)
        series = np.ascontiguousarray(series.reshape(W, B, P).transpose(1, 0, 2))
        F_windows = trailing_windows(fits.factors[:, active], ts, W)
        F_windows = np.ascontiguousarray(F_windows.reshape(W, B, active.size).transpose(1, 0, 2))
        figures = {
            method: _portfolio_method(
                E, nav, fits.fits[method], slice(lo, hi), active, F_windows, series, ridge
            )
            for method, ridge in METHODS.items()
        }
        for b, t in enumerate(ts.tolist()):
            live = np.flatnonzero(t >= valuation.inception)
            if live.size == 0:
                continue
            part = slice(b * P, (b + 1) * P)
            methods = {
                method: portfolio_method_rows(
                    {name: value[part] for name, value in fig.items()}, keys, live
                )
                for method, fig in figures.items()
            }
            day = inputs.sessions[t].astype(object)
            n = live.size
            out.setdefault("portfolio_id", []).extend(inputs.portfolios.id[live].tolist())
            out.setdefault("calc_date", []).extend([day] * n)
            out.setdefault("window", []).extend([FACTOR_WINDOW] * n)
            out.setdefault("nav", []).extend(finite(nav[part][live]))
            out.setdefault("absent", []).extend([fits.absent[lo + b]] * n)
            for method in METHODS:
                out.setdefault(method, []).extend(methods[method])
    return out


def _date_blocks(active: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``[lo, hi)`` runs of run rows with the same active factors, at most
    :data:`DATE_BLOCK` long."""
    change = np.flatnonzero((active[1:] != active[:-1]).any(axis=1)) + 1
    bounds = [0, *change.tolist(), active.shape[0]]
    out: list[tuple[int, int]] = []
    for lo, hi in itertools.pairwise(bounds):
        out.extend((a, min(a + DATE_BLOCK, hi)) for a in range(lo, hi, DATE_BLOCK))
    return out
