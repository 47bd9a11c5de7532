"""The option-Greeks view: the ``option_greeks`` rows the batch stored for a date.

Each option is served per contract (one contract = ``multiplier`` shares, the stored
per-share figures times the multiplier) and for the whole position (per contract times
the signed number of contracts), with the inputs used and where they came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from sigmasight.analytics.options import GREEK_UNITS
from sigmasight.services.analytics._common import load_context, num
from sigmasight.services.analytics.views import UowFactory
from sigmasight.storage.history_greeks import OptionGreeks
from sigmasight.storage.models import Position

GREEKS = ("delta", "gamma", "vega", "theta", "rho")
INPUT_SOURCES = {
    "spot": "the underlying's close on as_of",
    "volatility": "realized_63d: the underlying's annualised volatility of the 63 sessions "
    "up to as_of (no implied volatilities are stored)",
    "rate": "risk_free_rate: the configured annual risk-free rate r, used as ln(1 + r)",
    "dividend_yield": "0: no dividend forecasts are stored",
    "time_to_expiry_years": "calendar days to expiry / 365",
}


@dataclass(frozen=True)
class PositionGreeks:
    value: float | None
    delta: float | None
    gamma: float | None
    vega: float | None
    theta: float | None
    rho: float | None


@dataclass(frozen=True)
class OptionGreeksRow:
    position_id: int
    symbol: str
    underlying: str
    option_type: str
    spot: float | None
    strike: float
    expiry: date
    time_to_expiry_years: float
    volatility: float | None
    volatility_source: str
    rate: float
    rate_source: str
    dividend_yield: float
    contracts: float
    multiplier: int
    price: float | None
    delta: float | None
    gamma: float | None
    vega: float | None
    theta: float | None
    rho: float | None
    position: PositionGreeks
    units: dict[str, str]


@dataclass(frozen=True)
class GreeksView:
    portfolio_id: int
    as_of: date
    options: tuple[OptionGreeksRow, ...]
    units: dict[str, str]
    inputs: dict[str, str]


def _units() -> dict[str, str]:
    out = {name: f"{GREEK_UNITS[name]}, per contract" for name in GREEKS}
    out["basis"] = (
        "per contract = per share x multiplier; position = per contract x contracts "
        "(signed: a short option has the opposite sign)"
    )
    return out


def _row(g: OptionGreeks, symbol: str, units: dict[str, str]) -> OptionGreeksRow:
    per = {
        name: num(getattr(g, name) * g.multiplier) if getattr(g, name) is not None else None
        for name in ("price", *GREEKS)
    }

    def position(value: float | None) -> float | None:
        return num(value * g.contracts) if value is not None else None

    return OptionGreeksRow(
        g.position_id,
        symbol,
        g.underlying,
        "call" if g.is_call else "put",
        num(g.spot),
        g.strike,
        g.expiry,
        g.years_to_expiry,
        num(g.volatility),
        g.volatility_source,
        g.rate,
        g.rate_source,
        g.dividend_yield,
        g.contracts,
        g.multiplier,
        per["price"],
        per["delta"],
        per["gamma"],
        per["vega"],
        per["theta"],
        per["rho"],
        position=PositionGreeks(*(position(per[name]) for name in ("price", *GREEKS))),
        units=units,
    )


def option_greeks(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> GreeksView:
    """The stored Greeks of every option the portfolio held at the close of ``as_of``
    (default: the latest snapshot), per contract and per position."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        found = uow.session.execute(
            select(OptionGreeks, Position.symbol)
            .join(Position, Position.id == OptionGreeks.position_id)
            .where(OptionGreeks.portfolio_id == portfolio_id, OptionGreeks.calc_date == ctx.as_of)
            .order_by(Position.symbol, OptionGreeks.position_id)
        ).all()
        units = _units()
        rows = tuple(_row(g, symbol, units) for g, symbol in found)
        return GreeksView(portfolio_id, ctx.as_of, rows, units, dict(INPUT_SOURCES))
