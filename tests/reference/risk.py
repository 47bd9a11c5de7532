"""Risk-metric figures (``portfolio_risk_metrics``) recomputed with empyrical-reloaded,
quantstats, scipy, numpy and pandas from the raw stored closes and positions.

Conventions (docs/methodology.md, "VaR, CVaR, ratios, drawdowns"): the **ex-ante** series
is the date's delta-adjusted exposures / NAV applied to the 504 security returns up to the
date (:meth:`BookReference.series`), minimum 100 returns; the **realized** series is the
book's daily time-weighted return (P&L over the previous NAV) on each of the 504 sessions
up to the date, from inception on, minimum 21 returns. VaR/CVaR are positive losses;
historical by numpy's linear quantile (empyrical), parametric by ``scipy.stats.norm``,
Cornish-Fisher CVaR as the tail mean of the expanded quantile (``scipy.integrate.quad``);
1 month = 21 sessions (x sqrt(21), and the overlapping compounded 21-session returns).
A zero denominator gives no figure.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from datetime import date
from typing import Any

import empyrical
import numpy as np
import pandas as pd
import quantstats
from numpy.lib.stride_tricks import sliding_window_view
from scipy import integrate, stats

from tests.reference.books import BookReference
from tests.reference.raw import MARKET

EX_ANTE_WINDOW, EX_ANTE_MIN_OBS = 504, 100
REALIZED_WINDOW, REALIZED_MIN_OBS = 504, 21
MONTH = 21
YEAR = 252
CONFIDENCES = (0.95, 0.99)
#: Upper band edges (annualised volatility, 1-day 99 % historical VaR), lowest first.
LEVELS = ("Very Low", "Low", "Moderate", "High", "Very High")
VOL_EDGES = (0.08, 0.15, 0.25, 0.40)
VAR_EDGES = (0.012, 0.022, 0.037, 0.059)
#: Realized-series columns, all null below the minimum of returns.
REALIZED_FIGURES = (
    "annual_return",
    "realized_volatility",
    "sharpe_daily",
    "sharpe",
    "sortino",
    "downside_deviation",
    "realized_beta",
    "treynor",
    "calmar",
    "omega",
    "max_drawdown",
    "max_drawdown_peak",
    "max_drawdown_trough",
    "max_drawdown_recovery",
    "current_drawdown",
)


def _quiet(fn: Callable[..., Any], *args: object, **kw: object) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(*args, **kw))


# -- VaR and CVaR --------------------------------------------------------------------


def historical(r: np.ndarray, confidence: float) -> tuple[float, float]:
    """empyrical's ``value_at_risk`` / ``conditional_value_at_risk`` as positive losses."""
    cutoff = 1.0 - confidence
    return (
        -_quiet(empyrical.value_at_risk, r, cutoff=cutoff),
        -_quiet(empyrical.conditional_value_at_risk, r, cutoff=cutoff),
    )


def parametric(r: np.ndarray, confidence: float) -> tuple[float, float]:
    """Normal VaR (quantstats' ``value_at_risk``: ``norm.ppf`` of the sample moments) and
    the normal tail expectation."""
    alpha = 1.0 - confidence
    mu, sigma = float(np.mean(r)), float(np.std(r, ddof=1))
    var = -_quiet(quantstats.stats.value_at_risk, pd.Series(r), confidence=confidence)
    z = stats.norm.ppf(alpha)
    return var, -(mu - sigma * stats.norm.pdf(z) / alpha)


def cornish_fisher(r: np.ndarray, confidence: float) -> tuple[float, float]:
    """Modified VaR, and CVaR as the mean of the expanded quantile over the tail
    (integrated numerically over x = z(u), u < 1 - c)."""
    alpha = 1.0 - confidence
    mu, sigma = float(np.mean(r)), float(np.std(r, ddof=1))
    s, k = float(stats.skew(r, bias=True)), float(stats.kurtosis(r, bias=True))

    def expanded(x: float) -> float:
        return float(
            x + (x * x - 1) * s / 6 + (x**3 - 3 * x) * k / 24 - (2 * x**3 - 5 * x) * s * s / 36
        )

    z = float(stats.norm.ppf(alpha))
    tail, _ = integrate.quad(
        lambda x: expanded(x) * stats.norm.pdf(x), -np.inf, z, epsabs=0.0, epsrel=1e-13, limit=200
    )
    return -(mu + expanded(z) * sigma), -(mu + sigma * tail / alpha)


def overlapping(r: np.ndarray) -> np.ndarray:
    """Compounded returns of every run of 21 consecutive sessions."""
    return np.prod(1.0 + sliding_window_view(r, MONTH), axis=1) - 1.0


def var_table(r: np.ndarray) -> list[dict[str, object]]:
    """The stored ``var`` list: per confidence, each method over one day and x sqrt(21),
    then the historical figure of the overlapping 21-session returns."""
    out: list[dict[str, object]] = []
    enough = r.size >= EX_ANTE_MIN_OBS
    long_run = overlapping(r)
    for c in CONFIDENCES:
        for method, fn in (
            ("historical", historical),
            ("parametric", parametric),
            ("cornish_fisher", cornish_fisher),
        ):
            var, cvar = fn(r, c) if enough else (None, None)
            out.append(_entry(method, c, 1, "one_day", var, cvar))
            out.append(
                _entry(
                    method,
                    c,
                    MONTH,
                    "sqrt_time",
                    None if var is None else var * math.sqrt(MONTH),
                    None if cvar is None else cvar * math.sqrt(MONTH),
                )
            )
        month = historical(long_run, c) if long_run.size >= EX_ANTE_MIN_OBS - MONTH + 1 else None
        out.append(_entry("historical", c, MONTH, "overlapping", *(month or (None, None))))
    return out


def _entry(
    method: str, c: float, horizon: int, scaling: str, var: float | None, cvar: float | None
) -> dict[str, object]:
    return {
        "method": method,
        "confidence": c,
        "horizon_days": horizon,
        "scaling": scaling,
        "var": var,
        "cvar": cvar,
    }


def level(volatility: float | None, var99: float | None) -> str | None:
    if volatility is None or var99 is None:
        return None
    by_vol = sum(volatility >= edge for edge in VOL_EDGES)
    by_var = sum(var99 >= edge for edge in VAR_EDGES)
    return LEVELS[max(by_vol, by_var)]


# -- the realized series and its figures ----------------------------------------------


def _or_none(num: float, den: float) -> float | None:
    return None if den == 0 or not math.isfinite(den) else num / den


def drawdown_episodes(
    returns: pd.Series, baseline: date | None, worst: int = 5
) -> list[dict[str, object]]:
    """Episodes below the running peak of the return index (baseline 1 on ``baseline``,
    the session before the window's first return), deepest first (earlier first on a
    tie): peak = last session at the peak, trough = first session at the lowest point,
    recovery = first session back at the peak."""
    days: list[date | None] = [baseline, *returns.index]
    wealth = np.concatenate([[1.0], np.cumprod(1.0 + returns.fillna(0.0).to_numpy())])
    dd = wealth / np.maximum.accumulate(wealth) - 1.0
    found = []
    i, last = 0, len(dd) - 1
    while i <= last:
        if dd[i] >= 0:
            i += 1
            continue
        start = i
        while i <= last and dd[i] < 0:
            i += 1
        end = i - 1
        segment = dd[start : end + 1]
        trough = start + int(np.argmin(segment))
        recovered = end < last
        peak = start - 1
        found.append(
            {
                "peak": _iso(days[peak]),
                "trough": _iso(days[trough]),
                "recovery": _iso(days[end + 1]) if recovered else None,
                "depth": float(segment.min()),
                "decline_sessions": trough - peak,
                "recovery_sessions": end + 1 - trough if recovered else None,
                "underwater_sessions": (end + 1 if recovered else last) - peak,
                "recovered": recovered,
            }
        )
    found.sort(key=lambda e: e["depth"])  # type: ignore[arg-type,return-value]
    return found[:worst]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


class RiskReference:
    """Every ``portfolio_risk_metrics`` column of a book on a date."""

    def __init__(self, books: BookReference, risk_free_rate: float = 0.0) -> None:
        self.books = books
        self.sessions = books.sessions
        self.annual_rf = risk_free_rate
        self.rf = (1.0 + risk_free_rate) ** (1.0 / YEAR) - 1.0
        self._nav: dict[tuple[int, date], float] = {}
        self._pnl: dict[tuple[int, date], float] = {}

    def _cum_pnl(self, portfolio: int, day: date) -> float:
        key = (portfolio, day)
        if key not in self._pnl:
            self._pnl[key] = self.books.cumulative_pnl(portfolio, day)
        return self._pnl[key]

    def daily_return(self, portfolio: int, day: date) -> float:
        """P&L of the session over the previous session's NAV (E_0 before inception)."""
        if day == self.books.inception(portfolio):
            return self._cum_pnl(portfolio, day) / self.books.raw.equity[portfolio]
        before = self.books.previous(day)
        nav = (
            self.books.raw.equity[portfolio]
            + self._cum_pnl(portfolio, before)
            + self.books.cumulative_flows(portfolio, before)
        )
        return (self._cum_pnl(portfolio, day) - self._cum_pnl(portfolio, before)) / nav

    def realized(self, portfolio: int, day: date) -> pd.Series:
        """The daily returns of the 504 sessions up to ``day``, from inception on."""
        end = self.sessions.index(day)
        window = self.sessions[max(end - REALIZED_WINDOW + 1, 1) : end + 1]
        start = self.books.inception(portfolio)
        return pd.Series(
            {d: self.daily_return(portfolio, d) for d in window if d >= start}, dtype=float
        )

    def ex_ante(self, portfolio: int, day: date) -> np.ndarray:
        lots = self.books.held(portfolio, day)
        series = self.books.series(lots, self.books.nav(portfolio, day), day)
        return series[np.isfinite(series)]

    def row(self, portfolio: int, day: date) -> dict[str, object]:
        return {**self.ex_ante_figures(portfolio, day), **self.realized_figures(portfolio, day)}

    def ex_ante_figures(self, portfolio: int, day: date) -> dict[str, object]:
        r = self.ex_ante(portfolio, day)
        enough = r.size >= EX_ANTE_MIN_OBS
        table = var_table(r)
        vol = float(np.std(r, ddof=1) * math.sqrt(YEAR)) if enough else None
        var95, var99 = (historical(r, c)[0] if enough else None for c in CONFIDENCES)
        return {
            "ex_ante_window": EX_ANTE_WINDOW,
            "ex_ante_observations": int(r.size),
            "ex_ante_mean": float(np.mean(r)),
            "ex_ante_volatility": vol,
            "skewness": float(stats.skew(r, bias=True)),
            "excess_kurtosis": float(stats.kurtosis(r, bias=True)),
            "var_95_1d": var95,
            "var_99_1d": var99,
            "var": table,
            "diversification_ratio": self.diversification(portfolio, day, vol),
            "risk_level": level(vol, var99),
        }

    def diversification(self, portfolio: int, day: date, vol: float | None) -> float | None:
        """sum |w_i| sigma_i / sigma_p, sigma_i each held security's volatility (pandas
        ``std``, ddof 1, x sqrt(252)) over the same 504 sessions."""
        books = self.books
        exposure = books.security_exposures(books.held(portfolio, day)) / books.nav(portfolio, day)
        window = books.returns.loc[:day, list(exposure.index)].iloc[-EX_ANTE_WINDOW:]
        sigma = window.std(ddof=1) * math.sqrt(YEAR)
        sigma[window.count() < EX_ANTE_MIN_OBS] = 0.0
        return _or_none(float((exposure.abs() * sigma).sum()), vol or 0.0)

    def realized_figures(self, portfolio: int, day: date) -> dict[str, object]:
        r = self.realized(portfolio, day)
        x = r.to_numpy()
        n = x.size
        enough = n >= REALIZED_MIN_OBS
        figures: dict[str, object] = {
            "realized_window": REALIZED_WINDOW,
            "realized_observations": n,
            "risk_free_rate": self.annual_rf,
        }
        if not enough:
            return {**figures, **dict.fromkeys(REALIZED_FIGURES), "drawdowns": []}
        excess = x - self.rf
        std = float(np.std(excess, ddof=1))
        downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
        market = self.books.returns.loc[list(r.index), MARKET].to_numpy()
        beta = float(stats.linregress(market, x).slope)
        mdd = _quiet(empyrical.max_drawdown, x)
        losses = np.maximum(-excess, 0).sum()
        end = self.sessions.index(day)
        baseline_row = end - REALIZED_WINDOW
        baseline = self.sessions[baseline_row] if baseline_row >= 0 else None
        # Sessions of the window before inception count as zero returns (the index rests
        # at its baseline), so the underwater curve and its dates span the whole window.
        full = pd.Series(
            [r.get(d, 0.0) for d in self.sessions[end - REALIZED_WINDOW + 1 : end + 1]],
            index=self.sessions[end - REALIZED_WINDOW + 1 : end + 1],
        )
        episodes = drawdown_episodes(full, baseline)
        wealth = np.cumprod(1.0 + x)
        worst = episodes[0] if episodes else {}
        return {
            **figures,
            "annual_return": _quiet(empyrical.annual_return, x, annualization=YEAR),
            "realized_volatility": _quiet(empyrical.annual_volatility, x, annualization=YEAR),
            "sharpe_daily": _or_none(float(np.mean(excess)), std),
            "sharpe": None
            if std == 0
            else _quiet(empyrical.sharpe_ratio, x, risk_free=self.rf, annualization=YEAR),
            "sortino": None
            if downside == 0
            else _quiet(empyrical.sortino_ratio, x, required_return=self.rf, annualization=YEAR),
            "downside_deviation": _quiet(
                empyrical.downside_risk, x, required_return=self.rf, annualization=YEAR
            ),
            "realized_beta": beta,
            "treynor": _or_none(YEAR * float(np.mean(excess)), beta),
            "calmar": None if mdd == 0 else _quiet(empyrical.calmar_ratio, x, annualization=YEAR),
            "omega": None
            if losses == 0
            else _quiet(empyrical.omega_ratio, x, risk_free=self.rf, annualization=YEAR),
            "max_drawdown": mdd,
            "max_drawdown_peak": _day(worst.get("peak")),
            "max_drawdown_trough": _day(worst.get("trough")),
            "max_drawdown_recovery": _day(worst.get("recovery")),
            "current_drawdown": float(wealth[-1] / max(1.0, wealth.max()) - 1.0),
            "drawdowns": episodes,
        }

    def notes(self, row: dict[str, object]) -> list[str]:
        out = []
        if int(row["ex_ante_observations"]) < EX_ANTE_MIN_OBS:  # type: ignore[call-overload]
            out.append("ex-ante: too little return history")
        if int(row["realized_observations"]) < REALIZED_MIN_OBS:  # type: ignore[call-overload]
            out.append("realized: too little NAV history")
        return out


def _day(value: object) -> date | None:
    return None if value is None else date.fromisoformat(str(value))
