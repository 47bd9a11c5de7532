"""Return attribution of a period to the market, each registry factor and the specific
remainder (docs/methodology.md, "Performance and benchmarks").

Each session's time-weighted return ``r_t`` (stored by the performance step) is split
with the book's OLS factor exposures per unit of NAV as the factors family stored them
at the **previous close** (the loadings held at the start of the session) and the
registry's factor returns of the session (long leg minus short leg, stored closes):
``r_t = sum_k b_{k,t-1} f_{k,t} + s_t``, ``s_t`` the specific remainder. The sessions
are linked by the portfolio's growth before each one, ``G_{t-1}``, so that the
contributions sum exactly to the period's compounded return:
``sum_t G_{t-1} r_t = G_end - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select

from sigmasight.domain.factors import FACTOR_SYMBOLS, FACTORS
from sigmasight.services.analytics._common import load_context, num
from sigmasight.services.analytics.errors import InvalidRangeError, NoSnapshotError
from sigmasight.services.analytics.views import UowFactory
from sigmasight.storage.history import PortfolioFactorExposure
from sigmasight.storage.history_factors import factor_figures
from sigmasight.storage.history_performance import PortfolioPerformanceHistory
from sigmasight.storage.uow import UnitOfWork

SECTOR_METHOD = (
    "each session's P&L of the book's lots by sector bucket (an option in its "
    "underlying's, ETFs as one bucket, private holdings apart) over the capital at risk "
    "(NAV at the previous close plus the contributions), linked by the growth before "
    "each session"
)
METHOD = (
    "OLS factor exposures per unit of NAV stored at the previous close, times each "
    "session's factor returns (long leg minus short leg); the specific part is the "
    "remainder; sessions linked by the portfolio's growth before each one, so the parts "
    "sum to the period's time-weighted return"
)


@dataclass(frozen=True)
class Contribution:
    key: str
    name: str
    contribution: float | None  # None: the factor was not estimated in the period


@dataclass(frozen=True)
class AttributionView:
    portfolio_id: int
    start: date
    end: date
    sessions: int
    total_return: float | None
    factors: tuple[Contribution, ...]
    specific: float | None
    sum_of_parts: float | None
    sessions_without_loadings: int
    method: str
    #: each sector bucket's P&L over the capital at risk, linked the same way; they sum
    #: to the period's return as well
    sectors: tuple[Contribution, ...]
    sector_method: str


def attribution(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    start: date | None = None,
    end: date | None = None,
) -> AttributionView:
    """Attribution of the TWR from the close before ``start`` (default: the first
    stored session that has one) to ``end`` (default: the latest snapshot)."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, end)
        rows = list(
            uow.session.scalars(
                select(PortfolioPerformanceHistory)
                .where(
                    PortfolioPerformanceHistory.portfolio_id == portfolio_id,
                    PortfolioPerformanceHistory.calc_date <= ctx.as_of,
                )
                .order_by(PortfolioPerformanceHistory.calc_date)
            )
        )
        if not rows or rows[-1].calc_date != ctx.as_of:
            raise NoSnapshotError(portfolio_id, ctx.as_of, None)
        k = next((i for i, r in enumerate(rows) if start is None or r.calc_date >= start), None)
        if k is None or (start is not None and start > ctx.as_of):
            raise InvalidRangeError(f"start {start} is after end {ctx.as_of}")
        k = max(k, 1)  # the first session needs the close before it
        if k >= len(rows):
            raise InvalidRangeError("a period needs two stored sessions (the first is its anchor)")
        days = [r.calc_date for r in rows[k - 1 :]]
        loadings = _loadings(uow, portfolio_id, days[0], days[-2])
        panel = uow.prices.close_panel(list(FACTOR_SYMBOLS), days[0], days[-1])
        closes = panel.reindex(days).to_numpy(dtype=np.float64)
        column = {s: i for i, s in enumerate(FACTOR_SYMBOLS)}
        legs = closes[1:] / closes[:-1] - 1.0
        f = np.column_stack(
            [
                legs[:, column[d.long]] - (legs[:, column[d.short]] if d.short else 0.0)
                for d in FACTORS
            ]
        )
        return _link(portfolio_id, rows[k - 1 :], loadings, f)


def _loadings(
    uow: UnitOfWork, portfolio_id: int, first: date, last: date
) -> dict[date, np.ndarray]:
    """Each stored date's weighted OLS exposures (NaN where a factor is not estimated)."""
    # The OLS column only: whole rows also carry the ridge figures and the rest, and
    # reading them was half of a request's time.
    e = PortfolioFactorExposure
    query = select(e.calc_date, e.ols).where(
        e.portfolio_id == portfolio_id, e.calc_date >= first, e.calc_date <= last
    )
    out: dict[date, np.ndarray] = {}
    for day, ols in uow.session.execute(query):
        figures = factor_figures(ols) if ols else {}
        out[day] = np.array(
            [
                np.nan if (v := figures.get(d.key, {}).get("weighted")) is None else float(v)
                for d in FACTORS
            ]
        )
    return out


def _link(
    portfolio_id: int,
    rows: list[PortfolioPerformanceHistory],
    loadings: dict[date, np.ndarray],
    f: np.ndarray,
) -> AttributionView:
    parts = np.zeros(len(FACTORS))
    estimated = np.zeros(len(FACTORS), dtype=bool)
    specific, growth, missing = 0.0, 1.0, 0
    for t in range(1, len(rows)):
        r = rows[t].twr_daily
        if r is None:  # no capital at risk: nothing to attribute, the index is carried
            continue
        b = loadings.get(rows[t - 1].calc_date)
        if b is None:
            missing += 1
            b = np.full(len(FACTORS), np.nan)
        # a factor not estimated (or without a return that session) explains nothing
        known = np.isfinite(b) & np.isfinite(f[t - 1])
        explained = np.where(known, np.where(known, b, 0.0) * np.where(known, f[t - 1], 0.0), 0.0)
        estimated |= known
        parts += growth * explained
        specific += growth * (r - float(explained.sum()))
        growth *= 1.0 + r
    total = growth - 1.0
    sectors = _sectors(rows)
    return AttributionView(
        portfolio_id,
        rows[1].calc_date,
        rows[-1].calc_date,
        len(rows) - 1,
        num(total),
        tuple(
            Contribution(d.key, d.name, num(float(c)) if seen else None)
            for d, c, seen in zip(FACTORS, parts, estimated, strict=True)
        ),
        num(specific),
        num(float(parts.sum()) + specific),
        missing,
        METHOD,
        sectors,
        SECTOR_METHOD,
    )


def _sectors(rows: list[PortfolioPerformanceHistory]) -> tuple[Contribution, ...]:
    """``sum_t G_{t-1} pnl_{s,t} / (NAV_{t-1} + I_t)`` per sector bucket ``s``."""
    totals: dict[str, float] = {}
    growth = 1.0
    for t in range(1, len(rows)):
        r = rows[t].twr_daily
        if r is None:
            continue
        base = rows[t - 1].nav + rows[t].inflow
        for name, pnl in (rows[t].sector_pnl or {}).items():
            totals[name] = totals.get(name, 0.0) + growth * pnl / base
        growth *= 1.0 + r
    ranked = sorted(totals.items(), key=lambda kv: -abs(kv[1]))
    return tuple(Contribution(name, name, num(value)) for name, value in ranked)
