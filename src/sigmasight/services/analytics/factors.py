"""Factor exposures of a portfolio and of each held position, from the batch's history.

Every factor named here comes from the registry (:mod:`sigmasight.domain.factors`). A
position's exposure is its security's stored loading (an option: its underlying's) times
the position's signed delta-adjusted exposure, marked as the batch marks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from sigmasight.analytics.options import CALENDAR_DAYS_PER_YEAR, black_scholes_delta
from sigmasight.domain.conventions import OPTION_CONTRACT_MULTIPLIER
from sigmasight.domain.enums import InvestmentClass, PositionType
from sigmasight.domain.factors import FACTOR_MIN_OBS, FACTOR_WINDOW, FACTORS, FactorMethod
from sigmasight.services.analytics._common import load_context, num, reference_symbol
from sigmasight.services.analytics.errors import NoSnapshotError
from sigmasight.services.analytics.valuation import Mark, load_book
from sigmasight.services.analytics.views import PRICE_LOOKBACK_DAYS, UowFactory
from sigmasight.storage.history import (
    PortfolioFactorExposure,
    SecurityFactorExposure,
    SecurityVolatility,
)
from sigmasight.storage.history_factors import PER_FACTOR, factor_figures
from sigmasight.storage.models import Position

_STATS = ("loading", "std_error", "t_stat", "p_value")


@dataclass(frozen=True)
class FactorInfo:
    key: str
    name: str
    kind: str
    proxy: str
    long: str
    short: str | None
    description: str


def factor_registry() -> list[FactorInfo]:
    """The registry as served by ``GET /api/v1/factors``."""
    return [
        FactorInfo(f.key, f.name, f.kind.value, f.proxy, f.long, f.short, f.description)
        for f in FACTORS
    ]


@dataclass(frozen=True)
class PortfolioFactor:
    """One factor of a portfolio: loadings both ways (per unit of NAV), their
    difference, the currency exposure (weighted loading x NAV) and its risk share."""

    key: str
    name: str
    kind: str
    proxy: str
    long: str
    short: str | None
    description: str
    active: bool
    reason: str | None
    weighted: float | None
    weighted_se: float | None
    direct: float | None
    direct_se: float | None
    direct_t: float | None
    direct_p: float | None
    difference: float | None
    exposure: float | None
    risk_contribution: float | None
    risk_share: float | None


@dataclass(frozen=True)
class FactorDiagnostics:
    """The direct regression's fit of the portfolio's ex-ante return series."""

    r_squared: float | None
    adj_r_squared: float | None
    residual_vol: float | None
    condition_number: float | None
    observations: int
    reason: str


@dataclass(frozen=True)
class FactorRisk:
    """Annualised variance split: factors (Euler) plus specific, summing to the total."""

    total_variance: float | None
    total_volatility: float | None
    factor_variance: float | None
    specific_variance: float | None
    specific_share: float | None


@dataclass(frozen=True)
class PortfolioFactorView:
    portfolio_id: int
    as_of: date
    method: str
    window: int
    observations: int
    nav: float | None
    positions_covered: int
    positions_held: int
    factors: tuple[PortfolioFactor, ...]
    diagnostics: FactorDiagnostics
    risk: FactorRisk


def _stored_row(ctx_history: Any, portfolio_id: int, day: date) -> PortfolioFactorExposure:
    row = ctx_history.session.get(PortfolioFactorExposure, (portfolio_id, day))
    if row is None:
        raise NoSnapshotError(portfolio_id, day, None)
    return row  # type: ignore[no-any-return]


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {k: num(v) if isinstance(v, float) else v for k, v in values.items()}


def portfolio_factor_exposures(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    method: str = FactorMethod.OLS.value,
) -> PortfolioFactorView:
    """The portfolio's loadings (weighted and direct), currency exposures and risk split."""
    method = FactorMethod(method).value
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        row = _stored_row(ctx.history, portfolio_id, ctx.as_of)
        figures: dict[str, Any] = getattr(row, method)
        stored = factor_figures(figures)
        factors = []
        for f in FACTORS:
            values = _clean(stored.get(f.key, {}))
            factors.append(
                PortfolioFactor(
                    key=f.key,
                    name=f.name,
                    kind=f.kind.value,
                    proxy=f.proxy,
                    long=f.long,
                    short=f.short,
                    description=f.description,
                    active=f.key in stored,
                    reason=row.absent.get(f.key),
                    **{name: values.get(name) for name in PER_FACTOR},
                )
            )
        direct = _clean(figures["direct"])
        return PortfolioFactorView(
            portfolio_id=portfolio_id,
            as_of=ctx.as_of,
            method=method,
            window=row.window,
            observations=int(direct["observations"]),
            nav=num(row.nav),
            positions_covered=int(figures["positions_covered"]),
            positions_held=int(figures["positions_held"]),
            factors=tuple(factors),
            diagnostics=FactorDiagnostics(**direct),
            risk=FactorRisk(**_clean(figures["risk"])),
        )


@dataclass(frozen=True)
class PositionFactor:
    """A position's figures for one factor: its security's loading and statistics and
    the position's currency exposure (loading x delta-adjusted exposure)."""

    loading: float | None
    std_error: float | None
    t_stat: float | None
    p_value: float | None
    exposure: float | None
    reason: str | None


@dataclass(frozen=True)
class PositionFactors:
    position_id: int
    symbol: str
    exposure_symbol: str | None
    delta_adjusted_exposure: float | None
    exposures: dict[str, PositionFactor]
    r_squared: float | None
    vif: dict[str, float | None]
    observations: int | None
    flags: list[str]
    reason: str | None


@dataclass(frozen=True)
class PositionFactorView:
    portfolio_id: int
    as_of: date
    method: str
    window: int
    observations: int
    positions: tuple[PositionFactors, ...]


def delta_exposure(
    p: Position, mark: Mark, close: float | None, vol: SecurityVolatility | None, day: date
) -> float | None:
    """Signed delta-adjusted exposure: market value for stocks, units x delta x
    underlying close for options (Black-Scholes delta with the underlying's 63-session
    volatility, as the batch), None for private holdings or without a price."""
    if p.investment_class is InvestmentClass.PRIVATE:
        return None
    if p.investment_class is not InvestmentClass.OPTIONS:
        return mark.value
    if close is None or vol is None or vol.realized_63d is None or p.expiry is None:
        return None
    years = (p.expiry - day).days / CALENDAR_DAYS_PER_YEAR
    call = p.position_type in (PositionType.LC, PositionType.SC)
    delta = float(
        black_scholes_delta(close, float(p.strike or 0.0), years, vol.realized_63d, call).delta
    )
    units = float(p.quantity) * OPTION_CONTRACT_MULTIPLIER
    return num(units * delta * close)


def _position_reason(
    p: Position, ref: str | None, row: SecurityFactorExposure | None, exposure: float | None
) -> str | None:
    if ref is None:
        return "private holding: no market prices, no factor loadings"
    if row is None:
        return f"no factor loadings stored for {ref} on this date"
    if row.reason != "OK":
        if row.reason == "INSUFFICIENT_DATA":
            return (
                f"too little history: {row.observations} returns of {ref} (needs {FACTOR_MIN_OBS})"
            )
        return f"no fit for {ref}: {row.reason}"
    if exposure is None:
        return f"no price for {ref}: exposure unknown"
    return None


def _position_factors(
    p: Position,
    mark: Mark,
    rows: dict[str, SecurityFactorExposure],
    closes: dict[str, float],
    vols: dict[str, SecurityVolatility],
    absent: dict[str, str],
    day: date,
) -> PositionFactors:
    ref = reference_symbol(p)
    row = rows.get(ref) if ref else None
    exposure = delta_exposure(p, mark, closes.get(ref or ""), vols.get(ref or ""), day)
    reason = _position_reason(p, ref, row, exposure)
    fitted = row is not None and row.reason == "OK"
    stored: dict[str, Any] = row.factors if fitted and row is not None else {}
    exposures = {}
    for f in FACTORS:
        values = _clean(stored.get(f.key, {}))
        loading = values.get("loading")
        why = absent.get(f.key) or (reason if f.key not in stored else None)
        exposures[f.key] = PositionFactor(
            **{s: values.get(s) for s in _STATS},
            exposure=num(loading * exposure)
            if loading is not None and exposure is not None
            else None,
            reason=why,
        )
    return PositionFactors(
        position_id=p.id,
        symbol=p.symbol,
        exposure_symbol=ref,
        delta_adjusted_exposure=num(exposure) if exposure is not None else None,
        exposures=exposures,
        r_squared=num(row.r_squared) if fitted and row else None,
        vif={f.key: num(stored.get(f.key, {}).get("vif")) for f in FACTORS},
        observations=row.observations if row is not None else None,
        flags=list(row.flags) if fitted and row else [],
        reason=reason,
    )


def position_factor_exposures(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    method: str = FactorMethod.OLS.value,
) -> PositionFactorView:
    """One row per held position with every registry factor, or the reason it is empty."""
    method = FactorMethod(method).value
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        portfolio_row = _stored_row(ctx.history, portfolio_id, ctx.as_of)
        book = load_book(uow, ctx.history, portfolio_id, ctx.as_of)
        s = SecurityFactorExposure
        query = select(s).where(
            s.symbol.in_(sorted(book.refs)),
            s.calc_date == ctx.as_of,
            s.method == method,
            s.window == FACTOR_WINDOW,
        )
        rows = {r.symbol: r for r in uow.session.scalars(query)}
        closes = {
            sym: close
            for sym, (_, close) in ctx.history.latest_closes(
                book.refs, ctx.as_of, lookback_days=PRICE_LOOKBACK_DAYS
            ).items()
        }
        positions = tuple(
            _position_factors(p, m, rows, closes, book.vols, portfolio_row.absent, ctx.as_of)
            for p, m in zip(book.held, book.marks, strict=True)
        )
        observed = [r.observations for r in rows.values() if r.reason == "OK"]
        return PositionFactorView(
            portfolio_id=portfolio_id,
            as_of=ctx.as_of,
            method=method,
            window=FACTOR_WINDOW,
            observations=max(observed, default=0),
            positions=positions,
        )


@dataclass(frozen=True)
class FactorHistoryPoint:
    date: date
    #: factor key -> weighted loading (per unit of NAV); absent factors are missing
    weighted: dict[str, float | None]


def portfolio_factor_history(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    method: str = FactorMethod.OLS.value,
    limit: int = FACTOR_WINDOW,
) -> list[FactorHistoryPoint]:
    """The weighted loadings of the ``limit`` stored dates up to ``as_of``, ascending."""
    method = FactorMethod(method).value
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        p = PortfolioFactorExposure
        query = (
            select(p.calc_date, getattr(p, method))
            .where(p.portfolio_id == portfolio_id, p.calc_date <= ctx.as_of)
            .order_by(p.calc_date.desc())
            .limit(limit)
        )
        rows = uow.session.execute(query).all()
    return [
        FactorHistoryPoint(
            day, {k: num(v.get("weighted")) for k, v in factor_figures(figures).items()}
        )
        for day, figures in reversed(rows)
    ]
