"""The stress-test view: each scenario's P&L on a date, the book's and each position's.

The book's P&L is the ``portfolio_stress_results`` row the batch stored; a position's is
derived on reading from stored rows by the same rule the batch applies: its market value
(marked as the batch marks it) times its security's stored scenario return, or, for an
option, the Black-Scholes-Merton value at the shocked spot, volatility and rate minus the
value at the stored inputs (``option_greeks``), times contracts x multiplier. A bond
holding with a modified duration ``D`` (and convexity ``C``) in a hypothetical scenario
loses ``value x (D dy - C dy^2 / 2)`` for the scenario's rate change ``dy`` (method
``duration``); a public non-option position without a duration is listed as not
rate-sensitive by duration. Private holdings are excluded from stress P&L and listed as
such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from sigmasight.analytics.options import black_scholes_greeks, black_scholes_price
from sigmasight.domain.enums import InvestmentClass
from sigmasight.services.analytics._common import load_context, num, reference_symbol
from sigmasight.services.analytics.valuation import Mark, load_book
from sigmasight.services.analytics.views import UowFactory
from sigmasight.storage.history_greeks import OptionGreeks
from sigmasight.storage.history_stress import (
    PortfolioStressResult,
    SecurityStressReturn,
    StressScenarioMoves,
)
from sigmasight.storage.models import Position, Security

NOTES = (
    "pnl in the portfolio's currency, negative = loss; pnl_percent = pnl / NAV",
    "method: replay = the security's own return over the episode; proxy = market beta x "
    "the market's episode return (historical) or factor loadings x propagated factor moves "
    "(hypothetical); repriced = option revalued by Black-Scholes-Merton",
    "hypothetical shocks: factors not shocked move by their expectation given the shocked "
    "ones under the factor covariance of the 504 sessions up to as_of; the market always moves",
    "options: instantaneous shock (time to expiry unchanged); delta_gamma = delta dS + "
    "gamma dS^2 / 2 + vega dvol + rho dr, beside the full repricing",
    "duration = a bond holding's modified duration D (years) and convexity C (years^2) "
    "applied to the scenario's rate change dy (a fraction; +100 bp = 0.01) in hypothetical "
    "scenarios: pnl = value x (-D dy + C dy^2 / 2); a rate rise is a loss for a long bond "
    "and a gain for a short one",
)
NOT_RATE_SENSITIVE = (
    "no modified duration set: not rate-sensitive by duration (a rate shock moves it only "
    "through its security's rates-factor loading, none when that factor has no data)"
)


@dataclass(frozen=True)
class StressPosition:
    position_id: int
    symbol: str
    sector: str | None
    pnl: float | None
    method: str
    delta_gamma: float | None


@dataclass(frozen=True)
class ExcludedPosition:
    position_id: int
    symbol: str
    reason: str


@dataclass(frozen=True)
class ScenarioResult:
    key: str
    name: str
    kind: str
    start: date | None
    end: date | None
    pnl: float
    pnl_percent: float | None
    option_pnl: float
    option_delta_gamma: float
    factor_moves: dict[str, float]
    rate_change_bp: float
    vol_points: float
    covariance_observations: int
    missing: int
    positions: tuple[StressPosition, ...]


@dataclass(frozen=True)
class StressView:
    portfolio_id: int
    as_of: date
    nav: float
    scenarios: tuple[ScenarioResult, ...]
    excluded: tuple[ExcludedPosition, ...]
    notes: tuple[str, ...]
    not_rate_sensitive: tuple[ExcludedPosition, ...] = ()


def _option_pnl(
    g: OptionGreeks, move: float, vol_points: float, rate_change: float
) -> tuple[float | None, float | None]:
    """Repriced P&L and its delta-gamma approximation of one option position."""
    if g.spot is None or g.volatility is None:
        return None, None
    units = g.contracts * g.multiplier
    args = (g.strike, g.years_to_expiry)
    base = black_scholes_greeks(g.spot, *args, g.volatility, g.is_call, g.rate, g.dividend_yield)
    dS = g.spot * move
    new = black_scholes_price(
        g.spot + dS,
        *args,
        g.volatility + vol_points / 100.0,
        g.is_call,
        g.rate + rate_change,
        g.dividend_yield,
    )
    approx = (
        float(base.delta) * dS
        + 0.5 * float(base.gamma) * dS * dS
        + float(base.vega) * vol_points
        + float(base.rho) * rate_change * 100.0
    )
    return num(units * (float(new) - float(base.price))), num(units * approx)


def position_stress(
    p: Position,
    m: Mark,
    sector: str | None,
    move: tuple[float | None, str] | None,
    g: OptionGreeks | None,
    scenario: StressScenarioMoves,
) -> StressPosition:
    r, method = move if move is not None else (None, "missing")
    if r is None:
        return StressPosition(p.id, p.symbol, sector, None, "missing", None)
    if p.investment_class is InvestmentClass.OPTIONS:
        if g is None:
            return StressPosition(p.id, p.symbol, sector, None, "missing", None)
        pnl, dg = _option_pnl(g, r, scenario.vol_points, scenario.rate_change)
        return StressPosition(p.id, p.symbol, sector, pnl, "repriced", dg)
    if p.modified_duration is not None and scenario.kind == "hypothetical":
        return _bond_stress(p, m, sector, scenario.rate_change)
    pnl = num(m.value * r) if m.value is not None else None
    return StressPosition(p.id, p.symbol, sector, pnl, method, None)


def _bond_stress(p: Position, m: Mark, sector: str | None, dy: float) -> StressPosition:
    """A bond holding under a rate change ``dy``: value x (-D dy + C dy^2 / 2)."""
    duration = float(p.modified_duration or 0.0)
    convexity = float(p.convexity or 0.0)
    r = -duration * dy + 0.5 * convexity * dy * dy
    pnl = num(m.value * r) if m.value is not None else None
    return StressPosition(p.id, p.symbol, sector, pnl, "duration", None)


def rate_insensitive(held: list[tuple[Position, Mark]]) -> tuple[ExcludedPosition, ...]:
    """Public, non-option positions without a modified duration, with the reason."""
    return tuple(
        ExcludedPosition(p.id, p.symbol, NOT_RATE_SENSITIVE)
        for p, _ in held
        if p.investment_class is InvestmentClass.PUBLIC and p.modified_duration is None
    )


def _scenario(
    entry: dict[str, Any],
    sc: StressScenarioMoves,
    positions: tuple[StressPosition, ...],
) -> ScenarioResult:
    return ScenarioResult(
        sc.scenario_key,
        sc.name,
        sc.kind,
        sc.start,
        sc.end,
        entry["pnl"],
        num(entry["pnl_percent"]),
        entry["option_pnl"],
        entry["option_delta_gamma"],
        dict(sc.factor_moves),
        sc.rate_change * 10_000.0,
        sc.vol_points,
        sc.covariance_observations,
        entry["missing"],
        positions,
    )


def stress_tests(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> StressView:
    """The stored scenarios of ``as_of`` (default: the latest snapshot), largest loss
    first, each with its positions' P&L."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        day, s = ctx.as_of, uow.session
        book = load_book(uow, ctx.history, portfolio_id, day)
        stored = s.get(PortfolioStressResult, (portfolio_id, day))
        results = stored.entries() if stored is not None else []
        scenarios = {
            m.scenario_key: m
            for m in s.scalars(
                select(StressScenarioMoves).where(StressScenarioMoves.calc_date == day)
            )
        }
        moves: dict[tuple[str, str], tuple[float | None, str]] = {
            (r.symbol, key): move
            for r in s.scalars(
                select(SecurityStressReturn).where(
                    SecurityStressReturn.calc_date == day,
                    SecurityStressReturn.symbol.in_(book.refs),
                )
            )
            for key, move in r.by_scenario().items()
        }
        greeks = {
            g.position_id: g
            for g in s.scalars(
                select(OptionGreeks).where(
                    OptionGreeks.portfolio_id == portfolio_id, OptionGreeks.calc_date == day
                )
            )
        }
        sectors: dict[str, str | None] = dict(
            s.execute(
                select(Security.symbol, Security.sector).where(Security.symbol.in_(book.refs))
            ).all()
        )
        held = [(p, m) for p, m in zip(book.held, book.marks, strict=True)]
        public = [(p, m) for p, m in held if reference_symbol(p) is not None]
        excluded = tuple(
            ExcludedPosition(p.id, p.symbol, "private holding: excluded from stress P&L")
            for p, _ in held
            if reference_symbol(p) is None
        )
        out = []
        for entry in sorted(results, key=lambda e: (e["pnl"], e["key"])):
            sc = scenarios[entry["key"]]
            positions = tuple(
                position_stress(
                    p,
                    m,
                    sectors.get(ref := reference_symbol(p) or ""),
                    moves.get((ref, entry["key"])),
                    greeks.get(p.id),
                    sc,
                )
                for p, m in public
            )
            out.append(_scenario(entry, sc, positions))
        return StressView(
            portfolio_id,
            day,
            ctx.snapshot.nav,
            tuple(out),
            excluded,
            NOTES,
            rate_insensitive(public),
        )


@dataclass(frozen=True)
class StressHeadline:
    """The overview's stress card: the worst stored scenario of a date."""

    as_of: date
    key: str
    name: str
    pnl: float
    pnl_percent: float | None
    scenarios: int


def stress_headline(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> StressHeadline | None:
    """The worst scenario (largest loss) of the ``portfolio_stress_results`` row of
    ``as_of`` (default: the latest snapshot), or None when the batch stored none."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        stored = uow.session.get(PortfolioStressResult, (portfolio_id, ctx.as_of))
        if stored is None or stored.worst_scenario is None or stored.worst_pnl is None:
            return None
        k = stored.scenario_keys.index(stored.worst_scenario)
        name = uow.session.scalar(
            select(StressScenarioMoves.name).where(
                StressScenarioMoves.calc_date == ctx.as_of,
                StressScenarioMoves.scenario_key == stored.worst_scenario,
            )
        )
        return StressHeadline(
            ctx.as_of,
            stored.worst_scenario,
            name or stored.worst_scenario,
            stored.worst_pnl,
            num(stored.pnl_percent[k]),
            len(stored.scenario_keys),
        )
