"""The option-rate convention, pinned (docs/methodology.md, "Marks" and "Option Greeks"):
an option's mark in NAV, P&L and exposures uses a zero rate whatever the configured
risk-free rate, while the stored Greeks (and the stress repricing built on them) use the
configured rate as ``ln(1 + r)``. The two agree only when the rate is 0, the default.

Run on the demo's books for one date with a 5 % rate and again with 0: every snapshot
figure is the same both times, the stored Greeks inputs and prices are not, and each
option's served market value is vollib's price at rate 0 on the stored inputs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select
from vollib.black_scholes_merton import black_scholes_merton as vl_price

from sigmasight.batch.runner import run_batch
from sigmasight.config import get_settings
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.services.demo import DEMO_EMAIL
from sigmasight.services.holdings import holdings
from sigmasight.storage.history import PortfolioSnapshot
from sigmasight.storage.history_greeks import OptionGreeks
from tests.batch.conftest import UowFactory

DAY = date(2022, 12, 28)
VOLATILE = {"created_at", "updated_at", "run_id"}


@pytest.fixture
def rate(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _run(
    factory: UowFactory,
    chain: ProviderChain,
    calendar: TradingCalendar,
    mp: pytest.MonkeyPatch,
    r: float,
) -> tuple[dict[int, dict[str, object]], dict[int, OptionGreeks]]:
    mp.setenv("SIGMASIGHT_RISK_FREE_RATE", str(r))
    get_settings.cache_clear()
    assert get_settings().risk_free_rate == r
    assert run_batch(factory, chain, calendar, DAY, DAY).ok
    with factory() as uow:
        snaps = {
            s.portfolio_id: {
                c: getattr(s, c)
                for c in PortfolioSnapshot.__table__.columns.keys()  # noqa: SIM118
                if c not in VOLATILE
            }
            for s in uow.session.scalars(
                select(PortfolioSnapshot).where(PortfolioSnapshot.snapshot_date == DAY)
            )
        }
        greeks = {
            g.position_id: g
            for g in uow.session.scalars(select(OptionGreeks).where(OptionGreeks.calc_date == DAY))
        }
        uow.session.expunge_all()
    return snaps, greeks


def test_nav_marks_use_rate_zero_and_greeks_the_configured_rate(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar, rate: pytest.MonkeyPatch
) -> None:
    snaps_5, greeks_5 = _run(demo_db, chain, calendar, rate, 0.05)
    with demo_db() as uow:
        user = uow.users.get_by_email(DEMO_EMAIL)
        assert user is not None
        owner = user.id
    served = {
        h.risk.position_id: h.risk.market_value
        for pid in snaps_5
        for h in holdings(demo_db, owner, pid, DAY).holdings
    }
    snaps_0, greeks_0 = _run(demo_db, chain, calendar, rate, 0.0)
    assert snaps_5
    assert snaps_5 == snaps_0  # NAV, P&L, exposures: no rate in the marks
    assert greeks_5
    assert greeks_5.keys() == greeks_0.keys()
    for position_id, g in greeks_5.items():
        assert g.rate == pytest.approx(math.log1p(0.05), rel=1e-15)
        assert greeks_0[position_id].rate == 0.0
        flag = "c" if g.is_call else "p"
        assert g.spot is not None
        assert g.volatility is not None
        assert g.price is not None
        args = (g.spot, g.strike, g.years_to_expiry)
        at_rate = vl_price(flag, *args, math.log1p(0.05), g.volatility, 0.0)
        at_zero = vl_price(flag, *args, 0.0, g.volatility, 0.0)
        assert g.price == pytest.approx(at_rate, rel=1e-10)
        assert greeks_0[position_id].price == pytest.approx(at_zero, rel=1e-10)
        assert abs(at_rate - at_zero) > 1e-6 * at_zero  # the two conventions differ
        # the mark in NAV (served with the rate at 5 %) is the rate-0 price
        units = g.contracts * g.multiplier
        assert served[position_id] == pytest.approx(units * at_zero, rel=1e-10)
