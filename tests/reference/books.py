"""Portfolio snapshot figures (``portfolio_snapshots``) recomputed lot by lot with
pandas, scipy and statsmodels from the raw stored positions and closes.

Conventions (docs/methodology.md, "Batch: valuation, P&L and snapshots"): a lot is held
at the close of D when entered on or before D and not exited on or before D; public lots
are marked at the close, options by Black-Scholes (rate and dividend 0, calendar days /
365, the underlying's realized 63-day volatility), private lots at cost; cumulative P&L
``units x (mark - entry)`` while held, ``units x (exit - entry)`` once exited;
NAV = equity + cumulative P&L + flows; daily return = P&L / previous NAV. The return
series is today's delta-adjusted exposures / NAV applied to the 504 returns up to D.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from tests.reference import security as ref
from tests.reference.raw import MARKET, Raw

SHORT_TYPES = {"SHORT", "SC", "SP"}
CALL_TYPES = {"LC", "SC"}
MULTIPLIER = 100.0


def black_scholes(
    spot: float, strike: float, tau: float, sigma: float, call: bool
) -> tuple[float, float]:
    """Price per share and delta, zero rate and dividend (scipy's normal CDF)."""
    d1 = (math.log(spot / strike) + 0.5 * sigma * sigma * tau) / (sigma * math.sqrt(tau))
    d2 = d1 - sigma * math.sqrt(tau)
    if call:
        return spot * norm.cdf(d1) - strike * norm.cdf(d2), float(norm.cdf(d1))
    return strike * norm.cdf(-d2) - spot * norm.cdf(-d1), float(norm.cdf(d1) - 1.0)


#: Snapshot columns whose convention issue #13 changed (checked on their own too).
REDEFINED_BY_13 = (
    "long_exposure",
    "short_exposure",
    "gross_exposure",
    "net_exposure",
    "leverage",
    "n_long",
    "n_short",
    "sector_exposure",
    "volatility_expected_21d",
)


@dataclass(frozen=True)
class Lot:
    position_id: int
    symbol: str
    kind: str  # PUBLIC / OPTIONS / PRIVATE
    column: str | None  # price series (the underlying's for an option)
    units: float  # signed quantity x multiplier
    market_value: float
    exposure: float  # delta-adjusted (options), market value otherwise


class BookReference:
    """Figures of every portfolio on any session, from :class:`Raw` alone."""

    def __init__(self, raw: Raw) -> None:
        self.raw = raw
        self.returns = raw.returns
        self.sessions = raw.sessions()
        self._rows: dict[int, list[Any]] = {}
        self._inception: dict[int, date] = {}
        self._flows: dict[int, list[tuple[date, float]]] = {}

    # -- valuation -----------------------------------------------------------------
    def _first_session_on_or_after(self, day: date) -> int:
        return int(np.searchsorted(np.array(self.sessions, dtype=object), day, side="left"))

    def _vol63(self, symbol: str, day: date) -> float:
        vol = ref.realized(ref.returns_until(self.returns, day, symbol), 63)
        assert vol is not None
        return vol

    def _mark(self, lot: pd.Series, day: date) -> tuple[float, float]:
        """Per-share mark and delta (NaN for non-options) of a lot on ``day``."""
        if lot.investment_class == "PRIVATE":
            return lot.entry_price, math.nan
        if lot.investment_class == "OPTIONS":
            spot = float(self.raw.closes.at[day, lot.underlying])
            tau = (lot.expiry - day).days / 365.0
            return black_scholes(
                spot,
                lot.strike,
                tau,
                self._vol63(lot.underlying, day),
                lot.position_type in CALL_TYPES,
            )
        return float(self.raw.closes.at[day, lot.symbol]), math.nan

    def _units(self, lot: pd.Series) -> float:
        sign = -1.0 if lot.position_type in SHORT_TYPES else 1.0
        mult = MULTIPLIER if lot.investment_class == "OPTIONS" else 1.0
        return sign * abs(lot.quantity) * mult

    def _exit(self, lot: pd.Series) -> tuple[date | None, float]:
        """Exit date and price; an option still open at expiry leaves at intrinsic value."""
        if (
            lot.investment_class == "OPTIONS"
            and lot.expiry is not None
            and (lot.exit_date is None or pd.isna(lot.exit_date) or lot.expiry < lot.exit_date)
        ):
            row = self._first_session_on_or_after(lot.expiry)
            if row < len(self.sessions):
                spot = float(self.raw.closes.iloc[row][lot.underlying])
                call = lot.position_type in CALL_TYPES
                value = max(spot - lot.strike, 0.0) if call else max(lot.strike - spot, 0.0)
                return lot.expiry, value
        if lot.exit_date is None or pd.isna(lot.exit_date):
            return None, math.nan
        return lot.exit_date, lot.exit_price

    def lots(self, portfolio: int) -> pd.DataFrame:
        found = self.raw.positions
        return found[found.portfolio_id == portfolio]

    def lot_rows(self, portfolio: int) -> list[Any]:
        """The book's lots as named tuples (read once: the references walk them often)."""
        if portfolio not in self._rows:
            self._rows[portfolio] = list(self.lots(portfolio).itertuples())
        return self._rows[portfolio]

    def held(self, portfolio: int, day: date) -> list[Lot]:
        out = []
        for lot in self.lot_rows(portfolio):
            exit_day, _ = self._exit(lot)  # type: ignore[arg-type]
            if lot.entry_date > day or (exit_day is not None and exit_day <= day):
                continue
            mark, delta = self._mark(lot, day)  # type: ignore[arg-type]
            units = self._units(lot)  # type: ignore[arg-type]
            value = units * mark
            if lot.investment_class == "OPTIONS":
                spot = float(self.raw.closes.at[day, lot.underlying])
                exposure, column = units * delta * spot, lot.underlying
            elif lot.investment_class == "PRIVATE":  # not an exposure (issue #13 item 3)
                exposure, column = 0.0, None
            else:
                exposure, column = value, lot.symbol
            out.append(
                Lot(lot.id, lot.symbol, lot.investment_class, column, units, value, exposure)
            )
        return out

    def cumulative_pnl(self, portfolio: int, day: date) -> float:
        total = 0.0
        for lot in self.lot_rows(portfolio):
            if lot.entry_date > day:
                continue
            units = self._units(lot)  # type: ignore[arg-type]
            exit_day, exit_price = self._exit(lot)  # type: ignore[arg-type]
            if exit_day is not None and exit_day <= day:
                total += units * (exit_price - lot.entry_price)
            else:
                total += units * (self._mark(lot, day)[0] - lot.entry_price)  # type: ignore[arg-type]
        return total

    def inception(self, portfolio: int) -> date:
        if portfolio not in self._inception:
            first = min(self.lots(portfolio).entry_date)
            self._inception[portfolio] = self.sessions[self._first_session_on_or_after(first)]
        return self._inception[portfolio]

    def flows(self, portfolio: int) -> list[tuple[date, float]]:
        """(session the flow is booked on, amount) of each of the book's flows."""
        if portfolio not in self._flows:
            flows = self.raw.flows
            mine = flows[flows.portfolio_id == portfolio]
            last = len(self.sessions) - 1
            self._flows[portfolio] = [
                (self.sessions[min(self._first_session_on_or_after(d), last)], float(a))
                for d, a in zip(mine.day, mine.amount, strict=True)
            ]
        return self._flows[portfolio]

    def cumulative_flows(self, portfolio: int, day: date) -> float:
        return float(sum(a for booked, a in self.flows(portfolio) if booked <= day))

    def nav(self, portfolio: int, day: date) -> float:
        return (
            self.raw.equity[portfolio]
            + self.cumulative_pnl(portfolio, day)
            + self.cumulative_flows(portfolio, day)
        )

    def previous(self, day: date) -> date:
        return self.sessions[self.sessions.index(day) - 1]

    # -- the snapshot row ----------------------------------------------------------
    def snapshot(self, portfolio: int, day: date) -> dict[str, object]:
        """Every stored snapshot column (issue #13's conventions: long, short, gross, net,
        leverage and the long/short counts by delta-adjusted exposure; private holdings
        outside exposures and sector sums, on their own line as ``private_value``)."""
        lots = self.held(portfolio, day)
        nav = self.nav(portfolio, day)
        first_day = day == self.inception(portfolio)
        pnl = self.cumulative_pnl(portfolio, day) - (
            0.0 if first_day else self.cumulative_pnl(portfolio, self.previous(day))
        )
        flows = self.cumulative_flows(portfolio, day) - (
            0.0 if first_day else self.cumulative_flows(portfolio, self.previous(day))
        )
        before = (
            self.raw.equity[portfolio] if first_day else self.nav(portfolio, self.previous(day))
        )
        values = np.array([lot.market_value for lot in lots])
        exposure = np.array([lot.exposure for lot in lots])
        long, short = exposure[exposure > 0].sum(), exposure[exposure < 0].sum()
        row: dict[str, object] = {
            "nav": nav,
            "cash": nav - values.sum(),
            "daily_pnl": pnl,
            "daily_return": pnl / before if before > 0 else None,
            "cumulative_pnl": self.cumulative_pnl(portfolio, day),
            "flows": flows,
            "long_exposure": long,
            "short_exposure": short,
            "gross_exposure": long - short,
            "net_exposure": long + short,
            "leverage": (long - short) / nav if nav > 0 else None,
            "n_positions": len(lots),
            "n_long": int((exposure > 0).sum()),
            "n_short": int((exposure < 0).sum()),
            "n_options": sum(lot.kind == "OPTIONS" for lot in lots),
            "n_private": sum(lot.kind == "PRIVATE" for lot in lots),
            "private_value": float(sum(lot.market_value for lot in lots if lot.kind == "PRIVATE")),
            **self.weighted_beta(lots, nav, day),
            **self.series_figures(lots, nav, day),
            "sector_exposure": self.sectors(lots, day, include_private=False),
            **self.concentration(lots),
        }
        row["volatility_trend"] = ref.trend(row["volatility_21d"], row["volatility_63d"])[0]  # type: ignore[arg-type]
        return row

    def snapshot_new_convention(self, portfolio: int, day: date) -> dict[str, object]:
        """The columns issue #13 redefined: long, short, gross, net, leverage and the
        long/short counts by delta-adjusted exposure (a long put is short); private
        holdings outside the sector sums; the HAR fallback to realized volatility."""
        row = self.snapshot(portfolio, day)
        return {name: row[name] for name in REDEFINED_BY_13}

    # -- beta and the return series ------------------------------------------------
    def security_exposures(self, lots: list[Lot]) -> pd.Series:
        """Delta-adjusted exposure per price series (lots merged, options on their
        underlying), private lots left out."""
        priced = [(lot.column, lot.exposure) for lot in lots if lot.column is not None]
        return pd.DataFrame(priced, columns=["column", "e"]).groupby("column")["e"].sum()

    def weighted_beta(self, lots: list[Lot], nav: float, day: date) -> dict[str, object]:
        exposure = self.security_exposures(lots)
        market = self.returns.loc[:day, MARKET].to_numpy()[-ref.BETA_WINDOW :]
        beta, r2 = {}, {}
        for symbol in exposure.index:
            y = ref.returns_until(self.returns, day, symbol)[-ref.BETA_WINDOW :]
            fit = ref.ols_beta(y, market)
            if fit["beta"] is not None:
                beta[symbol], r2[symbol] = fit["beta"], fit["r_squared"]
        covered = exposure[[s for s in exposure.index if s in beta and exposure[s] != 0]]
        if covered.empty:
            return {"beta_weighted": None, "beta_weighted_positions": 0}
        b = covered.index.map(beta).to_numpy(dtype=float)
        r = covered.index.map(r2).to_numpy(dtype=float)
        return {
            "beta_weighted": float((covered.to_numpy() * b).sum() / nav),
            "beta_weighted_r_squared": float(
                (covered.abs().to_numpy() * r).sum() / covered.abs().sum()
            ),
            "beta_weighted_positions": len(covered),
        }

    def series(self, lots: list[Lot], nav: float, day: date) -> np.ndarray:
        """Today's exposures / NAV applied to the 504 returns up to ``day``."""
        weights = self.security_exposures(lots) / nav
        window = self.returns.loc[:day, list(weights.index)].iloc[-ref.HAR_WINDOW :]
        return (window.to_numpy() @ weights.to_numpy()).astype(float)

    def series_figures(self, lots: list[Lot], nav: float, day: date) -> dict[str, object]:
        series = self.series(lots, nav, day)
        market = self.returns.loc[:day, MARKET].to_numpy()[-ref.BETA_WINDOW :]
        direct = ref.ols_beta(series[-ref.BETA_WINDOW :], market)
        vol = ref.volatility_row(series)
        return {
            "beta_direct": direct["beta"],
            "beta_direct_r_squared": direct.get("r_squared"),
            "beta_direct_observations": direct["observations"],
            "volatility_21d": vol["realized_21d"],
            "volatility_63d": vol["realized_63d"],
            "volatility_expected_21d": vol["expected_21d"],
            "volatility_har_fallback": vol["har_fallback"],
            "volatility_percentile": vol["percentile"],
        }

    # -- sectors and concentration ---------------------------------------------------
    def bucket(self, lot: Lot) -> str:
        if lot.column is None:
            return "Unclassified"
        if lot.column in self.raw.etfs:
            return "ETF"
        return self.raw.sectors.get(lot.column) or "Unclassified"

    def sectors(self, lots: list[Lot], day: date, include_private: bool) -> dict[str, object]:
        long: dict[str, float] = {}
        short: dict[str, float] = {}
        for lot in lots:
            if lot.kind == "PRIVATE" and not include_private:
                continue
            side = long if lot.exposure > 0 else short
            if lot.exposure != 0:
                side[self.bucket(lot)] = side.get(self.bucket(lot), 0.0) + lot.exposure
        published = [d for d in self.raw.benchmark_dates if d <= day]
        return {
            "benchmark_as_of": published[-1].isoformat() if published else None,
            "long": long,
            "short": short,
        }

    def concentration(self, lots: list[Lot]) -> dict[str, object]:
        merged = pd.Series([lot.market_value for lot in lots], index=[lot.symbol for lot in lots])
        weights = merged.groupby(level=0).sum().abs()
        weights = weights[weights > 0] / weights[weights > 0].sum()
        ranked = np.sort(weights.to_numpy())[::-1]
        return {
            "hhi": float(1e4 * (ranked**2).sum()),
            "effective_positions": float(1.0 / (ranked**2).sum()),
            "top3_weight": float(ranked[:3].sum()),
            "top10_weight": float(ranked[:10].sum()),
        }
