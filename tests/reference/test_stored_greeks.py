"""Every stored option-Greeks row of the demo backfill against vollib, with inputs taken
from the raw stored closes and positions (spot, realized 63-session volatility by the
reference's own numpy, calendar days to expiry over 365, the configured rate, zero
dividend yield): issue #22, item 1 and 5."""

from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy import Engine
from vollib.black_scholes_merton import black_scholes_merton as vl_price
from vollib.black_scholes_merton.greeks import analytical as vl

from sigmasight.config import get_settings
from sigmasight.storage.history_greeks import OptionGreeks
from tests.reference.books import CALL_TYPES, SHORT_TYPES, BookReference
from tests.reference.conftest import stored_rows
from tests.reference.test_stored_figures import BOOKS, DATES


def _held_options(books: BookReference, day: date) -> dict[int, object]:
    """Option lots held at the close of ``day`` (raw position rows), by position id."""
    held = {lot.position_id for p in BOOKS for lot in books.held(p, day)}
    options = books.raw.positions[books.raw.positions.investment_class == "OPTIONS"]
    return {int(o.id): o for o in options.itertuples() if int(o.id) in held}


@pytest.mark.parametrize("day", DATES)
def test_every_stored_greek_equals_vollib(
    demo_engine: Engine, books: BookReference, day: date
) -> None:
    stored = stored_rows(demo_engine, OptionGreeks, calc_date=day).set_index("position_id")
    held = _held_options(books, day)
    # The long/short book buys its put on 2022-10-03 and writes its call on 2022-11-01.
    assert len(held) == (day >= date(2022, 10, 3)) + (day >= date(2022, 11, 1))
    assert set(stored.index) == set(held)
    rate = math.log1p(get_settings().risk_free_rate)
    for pid, lot in held.items():
        row = stored.loc[pid]
        spot = float(books.raw.closes.at[day, lot.underlying])  # type: ignore[attr-defined]
        tau = (lot.expiry - day).days / 365.0  # type: ignore[attr-defined]
        sigma = books._vol63(lot.underlying, day)  # type: ignore[attr-defined]
        flag = "c" if lot.position_type in CALL_TYPES else "p"  # type: ignore[attr-defined]
        args = (flag, spot, lot.strike, tau, rate, sigma, 0.0)  # type: ignore[attr-defined]
        assert row.spot == pytest.approx(spot, rel=1e-12)
        assert row.years_to_expiry == pytest.approx(tau, rel=1e-12)
        assert row.volatility == pytest.approx(sigma, rel=1e-10)
        assert (row.rate, row.dividend_yield) == (pytest.approx(rate, abs=1e-15), 0.0)
        assert (row.volatility_source, row.rate_source) == ("realized_63d", "risk_free_rate")
        sign = -1.0 if lot.position_type in SHORT_TYPES else 1.0  # type: ignore[attr-defined]
        assert row.contracts == sign * abs(lot.quantity)  # type: ignore[attr-defined]
        assert row.multiplier == 100
        assert row.price == pytest.approx(vl_price(*args), rel=1e-9)
        for name in ("delta", "gamma", "vega", "theta", "rho"):
            want = getattr(vl, name)(*args)
            assert getattr(row, name) == pytest.approx(want, rel=1e-9, abs=1e-12), (pid, name)


def test_stored_delta_is_the_exposure_delta(demo_engine: Engine, books: BookReference) -> None:
    """The stored delta x units x spot is the option's delta-adjusted exposure."""
    day = DATES[-1]
    stored = stored_rows(demo_engine, OptionGreeks, calc_date=day).set_index("position_id")
    for p in BOOKS:
        for lot in books.held(p, day):
            if lot.kind == "OPTIONS":
                row = stored.loc[lot.position_id]
                exposure = row.delta * row.contracts * row.multiplier * row.spot
                assert exposure == pytest.approx(lot.exposure, rel=1e-9)
