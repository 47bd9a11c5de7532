"""Every stored stress figure of the demo backfill recomputed from the raw stored closes
and positions (#22): episode returns by pandas, factor loadings and the propagation by
statsmodels regressions, options repriced by vollib; never the package's analytics.

The demo's prices start in 2019: the 2000-02 and 2008 replays have no market closes and
are not stored ("where data exist"); the 2022 rate shock ends on 2022-10-12 and is stored
only from that date on (no look-ahead). The demo has no TLT prices: no rates factor, so a
rate shock moves only the options (rho), stated in the methodology.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sqlalchemy import Engine
from vollib.black_scholes_merton import black_scholes_merton as vl_price

from sigmasight.domain.stress import SCENARIOS, ScenarioKind
from sigmasight.storage.history_stress import (
    PortfolioStressResult,
    SecurityStressReturn,
    StressScenarioMoves,
)
from tests.reference.books import CALL_TYPES, BookReference
from tests.reference.conftest import stored_rows
from tests.reference.factors import FactorReference
from tests.reference.test_stored_figures import BOOKS

DAYS = (date(2022, 6, 15), date(2022, 10, 12), date(2022, 12, 28))
COVARIANCE_WINDOW = 504


def _propagated(factors: FactorReference, day: date, shocks: dict[str, float]) -> dict[str, float]:
    """Each active factor not shocked: statsmodels OLS (with a constant) on the shocked
    ones over the 504 sessions to ``day`` where every active factor has a return."""
    keys = factors.active(day)
    end = factors.books.sessions.index(day)
    window = factors.books.sessions[max(end - COVARIANCE_WINDOW + 1, 0) : end + 1]
    frame = factors.factor_returns.loc[window, keys].dropna()
    shocked = list(shocks)
    x = np.array([shocks[k] for k in shocked])
    moves = dict(shocks)
    X = sm.add_constant(frame[shocked])
    for other in keys:
        if other not in shocks:
            moves[other] = float(np.asarray(sm.OLS(frame[other], X).fit().params)[1:] @ x)
    return moves


def _security_return(
    factors: FactorReference, symbol: str, day: date, moves: dict[str, float]
) -> float:
    fit = factors.fit(factors.returns[symbol], day, "ols")
    assert fit is not None, symbol
    return sum(fit.factors[k]["loading"] * moves[k] for k in moves)  # type: ignore[operator]


def _option_pnl(
    books: BookReference, lot_id: int, day: date, move: float, vol_points: float, dy: float
) -> float:
    p = books.raw.positions.set_index("id").loc[lot_id]
    spot = float(books.raw.closes.at[day, p.underlying])
    tau = (p.expiry - day).days / 365.0
    sigma = books._vol63(p.underlying, day)
    flag = "c" if p.position_type in CALL_TYPES else "p"
    units = books._units(p)
    new = vl_price(flag, spot * (1 + move), p.strike, tau, dy, sigma + vol_points / 100, 0.0)
    return units * (new - vl_price(flag, spot, p.strike, tau, 0.0, sigma, 0.0))


def _expected(
    books: BookReference, factors: FactorReference, portfolio: int, day: date, key: str
) -> float:
    sc = next(s for s in SCENARIOS if s.key == key)
    closes = books.raw.closes
    dy, vol = sc.rate_bp / 10_000, sc.vol_points
    if sc.kind is ScenarioKind.HISTORICAL:
        moves = None
    else:
        moves = _propagated(factors, day, dict(sc.shocks) or {"market": 0.0})
    total = 0.0
    for lot in books.held(portfolio, day):
        if lot.kind == "PRIVATE":
            continue
        symbol = str(lot.column)
        if moves is None:
            r = closes.at[sc.end, symbol] / closes.at[sc.start, symbol] - 1
        else:
            r = _security_return(factors, symbol, day, moves)
        if lot.kind == "OPTIONS":
            total += _option_pnl(books, lot.position_id, day, r, vol, dy)
        else:
            total += lot.market_value * r
    return float(total)


@pytest.mark.parametrize("day", DAYS)
def test_stored_scenarios_are_those_with_data_up_to_the_date(
    demo_engine: Engine, day: date
) -> None:
    stored = set(stored_rows(demo_engine, StressScenarioMoves, calc_date=day).scenario_key)
    hypothetical = {s.key for s in SCENARIOS if s.kind is ScenarioKind.HYPOTHETICAL}
    historical = {"covid_2020"} | ({"rates_2022"} if day >= date(2022, 10, 12) else set())
    assert stored == hypothetical | historical


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("portfolio", sorted(BOOKS))
def test_every_stored_portfolio_pnl_equals_the_raw_recomputation(
    demo_engine: Engine,
    books: BookReference,
    factors: FactorReference,
    portfolio: int,
    day: date,
) -> None:
    found = stored_rows(demo_engine, PortfolioStressResult, portfolio_id=portfolio, calc_date=day)
    assert len(found) == 1
    row = found.iloc[0]
    stored_keys = set(stored_rows(demo_engine, StressScenarioMoves, calc_date=day).scenario_key)
    assert set(row.scenario_keys) == stored_keys
    nav = books.nav(portfolio, day)
    assert row.nav == pytest.approx(nav, rel=1e-10)
    held = books.held(portfolio, day)
    assert row.positions == len(held)
    assert row.excluded == sum(lot.kind == "PRIVATE" for lot in held)
    expected = {}
    for k, key in enumerate(row.scenario_keys):
        want = expected[key] = _expected(books, factors, portfolio, day, key)
        assert row.pnl[k] == pytest.approx(want, rel=1e-8, abs=1e-6), key
        assert row.pnl_percent[k] == pytest.approx(want / nav, rel=1e-8, abs=1e-12)
        assert row.missing[k] == 0
    worst = min(expected, key=lambda key: expected[key])
    assert row.worst_scenario == worst
    assert row.worst_pnl == pytest.approx(expected[worst], rel=1e-8)


def test_the_market_moves_in_every_correlated_scenario(demo_engine: Engine) -> None:
    """Regression test of the original's dropped market term, on the stored rows."""
    rows = stored_rows(demo_engine, StressScenarioMoves)
    assert len(rows)
    for row in rows.itertuples():
        assert "market" in row.factor_moves, (row.calc_date, row.scenario_key)
        correlated = row.kind == "hypothetical" and any(
            v != 0.0 for k, v in row.factor_moves.items() if k != "market"
        )
        if correlated:
            assert row.factor_moves["market"] != 0.0


def test_security_returns_of_the_2020_replay_are_each_symbols_own(
    demo_engine: Engine, books: BookReference
) -> None:
    day = DAYS[-1]
    rows = stored_rows(demo_engine, SecurityStressReturn, calc_date=day)
    closes = books.raw.closes
    assert len(rows)
    start, end = closes.loc[date(2020, 2, 19)], closes.loc[date(2020, 3, 23)]
    for row in rows.itertuples():
        k = list(row.scenario_keys).index("covid_2020")
        want = end[row.symbol] / start[row.symbol] - 1
        if pd.isna(want):
            assert row.methods[k] == "proxy"
        else:
            assert row.methods[k] == "replay"
            assert row.returns[k] == pytest.approx(want, rel=1e-12)
