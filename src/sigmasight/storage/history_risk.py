"""History of the risk-metrics family: one row per portfolio per date.

VaR figures of the ex-ante series are kept as the served list (method, confidence,
horizon, scaling, var, cvar as fractions of NAV); the 1-day historical 95 % and 99 %
figures are also columns, for the overview and for queries.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.storage.models import Base


class PortfolioRiskMetrics(Base):
    __tablename__ = "portfolio_risk_metrics"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    # ex-ante series: today's holdings on trailing returns
    ex_ante_window: Mapped[int] = mapped_column(Integer)
    ex_ante_observations: Mapped[int] = mapped_column(Integer)
    ex_ante_mean: Mapped[float | None] = mapped_column(Float)
    ex_ante_volatility: Mapped[float | None] = mapped_column(Float)
    skewness: Mapped[float | None] = mapped_column(Float)
    excess_kurtosis: Mapped[float | None] = mapped_column(Float)
    var_95_1d: Mapped[float | None] = mapped_column(Float)
    var_99_1d: Mapped[float | None] = mapped_column(Float)
    #: the VaR table: ``{"layout": 1, "var": [...], "cvar": [...]}``, entry i labelled by
    #: ``VAR_LAYOUTS[layout][i]``; read it with :attr:`var_entries`
    var: Mapped[dict[str, Any] | list[dict[str, Any]]] = mapped_column(JSON)
    diversification_ratio: Mapped[float | None] = mapped_column(Float)
    risk_level: Mapped[str | None] = mapped_column(String(12))
    # realized series: time-weighted NAV returns net of flows
    realized_window: Mapped[int] = mapped_column(Integer)
    realized_observations: Mapped[int] = mapped_column(Integer)
    risk_free_rate: Mapped[float] = mapped_column(Float)
    annual_return: Mapped[float | None] = mapped_column(Float)
    realized_volatility: Mapped[float | None] = mapped_column(Float)
    sharpe_daily: Mapped[float | None] = mapped_column(Float)
    sharpe: Mapped[float | None] = mapped_column(Float)
    sortino: Mapped[float | None] = mapped_column(Float)
    downside_deviation: Mapped[float | None] = mapped_column(Float)
    realized_beta: Mapped[float | None] = mapped_column(Float)
    treynor: Mapped[float | None] = mapped_column(Float)
    calmar: Mapped[float | None] = mapped_column(Float)
    omega: Mapped[float | None] = mapped_column(Float)
    max_drawdown: Mapped[float | None] = mapped_column(Float)
    max_drawdown_peak: Mapped[date | None] = mapped_column(Date)
    max_drawdown_trough: Mapped[date | None] = mapped_column(Date)
    max_drawdown_recovery: Mapped[date | None] = mapped_column(Date)
    current_drawdown: Mapped[float | None] = mapped_column(Float)
    #: the five worst episodes as columns (peak, trough, recovery as ISO dates, depth,
    #: decline_sessions, recovery_sessions, underwater_sessions, recovered), worst
    #: first; read them with :attr:`drawdown_entries`
    drawdowns: Mapped[dict[str, list[Any]] | list[dict[str, Any]]] = mapped_column(JSON)
    notes: Mapped[list[str]] = mapped_column(JSON)

    @property
    def var_entries(self) -> list[dict[str, Any]]:
        """The VaR table as one mapping per entry (method, confidence, horizon_days,
        scaling, var, cvar)."""
        return var_entries(self.var)

    @property
    def drawdown_entries(self) -> list[dict[str, Any]]:
        """The worst drawdown episodes as one mapping per episode, worst first."""
        return _entries(self.drawdowns)


#: The labels (method, confidence, horizon in sessions, scaling) of each entry of a
#: stored VaR table, by layout number. A backfill stores a table for every portfolio and
#: date: the labels are stored once here, not 250,000 times (a test checks that the
#: batch's table has these labels in this order).
VAR_LAYOUTS: dict[int, tuple[tuple[str, float, int, str], ...]] = {
    1: tuple(
        (method, confidence, horizon, scaling)
        for confidence in (0.95, 0.99)
        for method, horizon, scaling in (
            ("historical", 1, "one_day"),
            ("historical", 21, "sqrt_time"),
            ("parametric", 1, "one_day"),
            ("parametric", 21, "sqrt_time"),
            ("cornish_fisher", 1, "one_day"),
            ("cornish_fisher", 21, "sqrt_time"),
            ("historical", 21, "overlapping"),
        )
    )
}
VAR_LAYOUT = 1


def var_entries(stored: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A stored VaR table as entries: ``{method, confidence, horizon_days, scaling, var,
    cvar}`` each (rows written before the layouts are such entries already)."""
    if isinstance(stored, list):
        return stored
    labels = VAR_LAYOUTS[int(stored["layout"])]
    return [
        {
            "method": method,
            "confidence": confidence,
            "horizon_days": horizon,
            "scaling": scaling,
            "var": var,
            "cvar": cvar,
        }
        for (method, confidence, horizon, scaling), var, cvar in zip(
            labels, stored["var"], stored["cvar"], strict=True
        )
    ]


def _entries(stored: dict[str, list[Any]] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Columns (one list per field) as one mapping per entry; entries pass through."""
    if isinstance(stored, list):
        return stored
    names = list(stored)
    return [dict(zip(names, values, strict=True)) for values in zip(*stored.values(), strict=True)]
