"""The option-Greeks family: one ``option_greeks`` row per option position and date.

Inputs, as the valuation and the delta-adjusted exposures use them (docs/methodology.md,
"Stress tests and option Greeks"): the underlying's close of the date (the marks
panel), its realized 63-session volatility up to the date, time to expiry in calendar
days over 365, the configured risk-free rate as a continuous rate (``ln(1 + r)``) and a
zero dividend yield (no dividend forecasts are stored). Only lots held at the close of
a date get a row; an option leaves the book on its expiry date (at intrinsic value), so
a stored row is always a live option.
"""

from __future__ import annotations

import math

import numpy as np

from sigmasight.analytics.options import black_scholes_greeks
from sigmasight.batch.columns import Columns, finite, ints
from sigmasight.batch.inputs import OPTION, BatchInputs, FloatArray
from sigmasight.batch.valuation import DAYS_PER_YEAR_CALENDAR, Valuation
from sigmasight.domain.conventions import OPTION_CONTRACT_MULTIPLIER

VOLATILITY_SOURCE = "realized_63d"
RATE_SOURCE = "risk_free_rate"
GREEK_NAMES = ("price", "delta", "gamma", "vega", "theta", "rho")


def continuous_rate(annual: float) -> float:
    """The continuously compounded rate equal to the annual (effective) rate ``annual``."""
    return math.log1p(annual)


def option_greek_rows(
    inputs: BatchInputs,
    vol63: FloatArray,
    valuation: Valuation,
    rows: slice,
    annual_rate: float,
) -> Columns:
    """Greeks per share of every option lot held at the close of each of ``rows``."""
    lots = inputs.lots
    option = np.flatnonzero((lots.kind == OPTION) & (lots.column >= 0))
    ts = np.arange(rows.start, rows.stop)
    k, j = np.nonzero(valuation.held[np.ix_(ts - valuation.offset, option)])
    idx, t = option[j], ts[k]
    col = lots.column[idx]
    spot = inputs.mark_prices[t, col]
    years = (lots.expiry[idx] - inputs.sessions[t]).astype(np.float64) / DAYS_PER_YEAR_CALENDAR
    vol = vol63[t, col]
    rate = continuous_rate(annual_rate)
    g = black_scholes_greeks(spot, lots.strike[idx], years, vol, lots.is_call[idx], rate, 0.0)
    n = idx.size
    out: Columns = {
        "position_id": ints(lots.position_id[idx]),
        "calc_date": inputs.sessions[t].astype(object).tolist(),
        "portfolio_id": ints(inputs.portfolios.id[lots.portfolio[idx]]),
        "underlying": [inputs.symbols[c] for c in col.tolist()],
        "spot": finite(spot),
        "strike": lots.strike[idx].tolist(),
        "expiry": lots.expiry[idx].astype("datetime64[D]").astype(object).tolist(),
        "years_to_expiry": years.tolist(),
        "volatility": finite(vol),
        "volatility_source": [VOLATILITY_SOURCE] * n,
        "rate": [rate] * n,
        "rate_source": [RATE_SOURCE] * n,
        "dividend_yield": [0.0] * n,
        "contracts": lots.quantity[idx].tolist(),
        "multiplier": [OPTION_CONTRACT_MULTIPLIER] * n,
        "is_call": lots.is_call[idx].tolist(),
    }
    for name in GREEK_NAMES:
        out[name] = finite(getattr(g, name))
    return out
