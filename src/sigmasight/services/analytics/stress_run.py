"""An ad-hoc hypothetical scenario on one portfolio and date, computed on request from
stored rows only, by the rule the batch applies to the library's scenarios
(docs/methodology.md, "Stress tests and option Greeks"): the registry's factor returns
from the stored closes of the :data:`~sigmasight.domain.stress.COVARIANCE_WINDOW`
sessions up to the date, the shocks propagated through their covariance, each held
security moved by its stored OLS factor loadings of the date (its stored market beta
when it has no factor fit), options repriced from their stored Greeks inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select

from sigmasight.analytics import stress as st
from sigmasight.analytics.returns import fill_limited
from sigmasight.domain.factors import FACTOR_SYMBOLS, FACTORS
from sigmasight.domain.stress import (
    COVARIANCE_MIN_OBS,
    COVARIANCE_WINDOW,
    Scenario,
    ScenarioKind,
)
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.services.analytics._common import load_context, num, reference_symbol
from sigmasight.services.analytics.betas import stored_betas
from sigmasight.services.analytics.errors import InvalidParameterError
from sigmasight.services.analytics.stress import (
    ExcludedPosition,
    ScenarioResult,
    position_stress,
    rate_insensitive,
)
from sigmasight.services.analytics.valuation import load_book
from sigmasight.services.analytics.views import UowFactory
from sigmasight.storage.history_factors import SecurityFactorExposure
from sigmasight.storage.history_greeks import OptionGreeks
from sigmasight.storage.history_stress import StressScenarioMoves
from sigmasight.storage.models import Security
from sigmasight.storage.uow import UnitOfWork

#: The batch's forward-fill rule (``batch.load.MAX_FILL_SESSIONS``).
_MAX_FILL = 3


def factor_returns_to(uow: UnitOfWork, day: date, sessions: int) -> pd.DataFrame:
    """Registry factor returns (long leg minus short leg) of the ``sessions`` sessions up
    to ``day``, from the stored closes filled as the batch fills them."""
    calendar = TradingCalendar()
    first = calendar.window_start(day, sessions + _MAX_FILL + 1)
    grid = pd.DatetimeIndex(calendar.sessions(first, day))
    panel = uow.prices.close_panel(list(FACTOR_SYMBOLS), first - timedelta(days=0), day)
    panel.index = pd.to_datetime(panel.index)
    values = panel.reindex(index=grid, columns=list(FACTOR_SYMBOLS)).to_numpy(dtype=np.float64)
    prices = fill_limited(values, _MAX_FILL).prices
    legs = np.full_like(prices, np.nan)
    legs[1:] = prices[1:] / prices[:-1] - 1.0
    col = {s: i for i, s in enumerate(FACTOR_SYMBOLS)}
    out = {
        f.key: legs[:, col[f.long]] - (legs[:, col[f.short]] if f.short else 0.0) for f in FACTORS
    }
    return pd.DataFrame(out, index=grid).iloc[-sessions:]


def _loadings(uow: UnitOfWork, refs: set[str], day: date, keys: list[str]) -> dict[str, np.ndarray]:
    rows = uow.session.scalars(
        select(SecurityFactorExposure).where(
            SecurityFactorExposure.symbol.in_(sorted(refs)),
            SecurityFactorExposure.calc_date == day,
            SecurityFactorExposure.method == "ols",
        )
    )
    out = {}
    for r in rows:
        values = [(r.factors.get(k) or {}).get("loading") for k in keys]
        out[r.symbol] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return out


@dataclass(frozen=True)
class ScenarioRun:
    portfolio_id: int
    as_of: date
    scenario: ScenarioResult
    #: public positions without a modified duration: no duration P&L under a rate shock
    not_rate_sensitive: tuple[ExcludedPosition, ...] = ()


def run_scenario(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    scenario: Scenario,
    as_of: date | None = None,
) -> ScenarioRun:
    """The P&L of the book and its positions under the hypothetical ``scenario``."""
    if scenario.kind is not ScenarioKind.HYPOTHETICAL:
        raise InvalidParameterError("only hypothetical scenarios run on request")
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        day = ctx.as_of
        book = load_book(uow, ctx.history, portfolio_id, day)
        sample = uow.session.scalar(
            select(SecurityFactorExposure).where(
                SecurityFactorExposure.calc_date == day, SecurityFactorExposure.method == "ols"
            )
        )
        keys = [f.key for f in FACTORS if sample is not None and f.key in sample.factors]
        if not keys or keys[0] != "market":
            raise InvalidParameterError(f"no factor fits stored for {day}: run the batch")
        unknown = sorted(set(scenario.shocks) - set(keys))
        if unknown:
            raise InvalidParameterError(f"factors without data on {day}: {', '.join(unknown)}")
        F = factor_returns_to(uow, day, COVARIANCE_WINDOW)[keys].to_numpy()
        cov, n = st.factor_covariance(F, F.shape[0] - 1, COVARIANCE_WINDOW, COVARIANCE_MIN_OBS)
        if not np.isfinite(cov).all():
            raise InvalidParameterError(f"too few factor returns up to {day} ({n} sessions)")
        shocks = st.hypothetical_shocks((scenario,), tuple(keys))
        moves = st.propagate_shocks(cov, shocks.factor)
        dy = st.implied_rate_change(moves, shocks.rate_change, tuple(keys))
        refs = sorted(book.refs)
        loaded = _loadings(uow, book.refs, day, keys)
        betas = stored_betas(ctx.history, book.refs, day)
        L = np.zeros((len(refs), len(keys)))
        for i, ref in enumerate(refs):
            row = loaded.get(ref)
            if row is not None and np.isfinite(row).all():
                L[i] = row
            else:  # no factor fit: market beta alone, NaN without one
                beta = betas.get(ref)
                L[i, 0] = beta.beta if beta is not None and beta.beta is not None else np.nan
        R = st.security_moves(L, moves, np.full(len(refs), np.nan), dy)[0]
        returns = {ref: (num(float(R[i])), "proxy") for i, ref in enumerate(refs)}
        greeks = {
            g.position_id: g
            for g in uow.session.scalars(
                select(OptionGreeks).where(
                    OptionGreeks.portfolio_id == portfolio_id, OptionGreeks.calc_date == day
                )
            )
        }
        sectors = dict(
            uow.session.execute(
                select(Security.symbol, Security.sector).where(Security.symbol.in_(refs))
            ).all()
        )
        applied = StressScenarioMoves(
            calc_date=day,
            scenario_key=scenario.key,
            name=scenario.name,
            kind=scenario.kind.value,
            start=None,
            end=None,
            factor_moves={k: float(v) for k, v in zip(keys, moves[0], strict=True)},
            rate_change=float(dy[0]),
            vol_points=float(scenario.vol_points),
            covariance_observations=n,
        )
        positions = tuple(
            position_stress(p, m, sectors.get(sym), returns.get(sym), greeks.get(p.id), applied)
            for p, m in zip(book.held, book.marks, strict=True)
            if (sym := reference_symbol(p)) is not None
        )
        pnl = float(sum(p.pnl for p in positions if p.pnl is not None))
        nav = ctx.snapshot.nav
        options = [p for p in positions if p.method == "repriced"]
        result = ScenarioResult(
            scenario.key,
            scenario.name,
            scenario.kind.value,
            None,
            None,
            pnl,
            num(pnl / nav) if nav > 0 else None,
            float(sum(p.pnl or 0.0 for p in options)),
            float(sum(p.delta_gamma or 0.0 for p in options)),
            dict(applied.factor_moves),
            applied.rate_change * 10_000.0,
            applied.vol_points,
            n,
            sum(p.pnl is None for p in positions),
            positions,
        )
        held = list(zip(book.held, book.marks, strict=True))
        return ScenarioRun(portfolio_id, day, result, rate_insensitive(held))


def scenario_from(
    name: str, shocks: Mapping[str, float], rate_bp: float, vol_points: float, key: str = "adhoc"
) -> Scenario:
    return Scenario(
        key,
        name,
        ScenarioKind.HYPOTHETICAL,
        shocks=dict(shocks),
        rate_bp=rate_bp,
        vol_points=vol_points,
    )
