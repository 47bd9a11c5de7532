"""Read model over the batch's history: snapshots, security betas and volatility, closes.

The read-side services (``sigmasight.services.analytics``) ask these questions; the rows
come back as the ORM objects (or plain tuples) the batch stored. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigmasight.storage.history import (
    BenchmarkSectorWeight,
    PortfolioSnapshot,
    SecurityMarketBeta,
    SecurityVolatility,
)
from sigmasight.storage.models import DailyPrice


class HistoryRepository:
    """Point-in-time reads of stored history; symbol lookups return ``{symbol: row}``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def latest_snapshot_date(self, portfolio_id: int) -> date | None:
        query = select(func.max(PortfolioSnapshot.snapshot_date))
        latest: date | None = self.session.scalar(
            query.where(PortfolioSnapshot.portfolio_id == portfolio_id)
        )
        return latest

    def snapshot(self, portfolio_id: int, day: date) -> PortfolioSnapshot | None:
        return self.session.get(PortfolioSnapshot, (portfolio_id, day))

    def snapshots(
        self, portfolio_id: int, *, start: date | None, end: date, limit: int, latest: bool
    ) -> list[PortfolioSnapshot]:
        """Snapshot rows in ``[start, end]``, ascending: the ``limit`` latest or earliest."""
        s = PortfolioSnapshot
        query = select(s).where(s.portfolio_id == portfolio_id, s.snapshot_date <= end)
        if start is not None:
            query = query.where(s.snapshot_date >= start)
        order = s.snapshot_date.desc() if latest else s.snapshot_date.asc()
        rows = list(self.session.scalars(query.order_by(order).limit(limit)))
        return rows[::-1] if latest else rows

    def market_betas(
        self,
        symbols: Iterable[str],
        day: date,
        *,
        method: str,
        window: int,
        market_index: str,
    ) -> dict[str, SecurityMarketBeta]:
        """The betas of one estimate (method, window, index) stored for ``day``."""
        b = SecurityMarketBeta
        query = select(b).where(
            b.symbol.in_(sorted(symbols)),
            b.calc_date == day,
            b.method == method,
            b.window == window,
            b.market_index == market_index,
        )
        return {row.symbol: row for row in self.session.scalars(query)}

    def volatilities(self, symbols: Iterable[str], day: date) -> dict[str, SecurityVolatility]:
        v = SecurityVolatility
        query = select(v).where(v.symbol.in_(sorted(symbols)), v.calc_date == day)
        return {row.symbol: row for row in self.session.scalars(query)}

    def latest_closes(
        self, symbols: Iterable[str], day: date, *, lookback_days: int
    ) -> dict[str, tuple[date, float]]:
        """``(date, close)`` of the latest close in the ``lookback_days`` to ``day``: the
        close as published on its date, which marks positions (returns use the adjusted
        series). Symbols without a close in that span are absent.
        """
        query = (
            select(DailyPrice.symbol, DailyPrice.date, DailyPrice.close)
            .where(
                DailyPrice.symbol.in_(sorted(symbols)),
                DailyPrice.date.between(day - timedelta(days=lookback_days), day),
            )
            .order_by(DailyPrice.date)
        )
        # Ascending dates: the last row of a symbol wins the dict, i.e. its latest close.
        return {symbol: (when, float(close)) for symbol, when, close in self.session.execute(query)}

    def benchmark_weights(self, benchmark: str, day: date) -> dict[str, float]:
        """The benchmark's sector weights published on ``day`` (sector name as stored)."""
        w = BenchmarkSectorWeight
        query = select(w.sector, w.weight).where(w.benchmark == benchmark, w.as_of == day)
        return {sector: float(weight) for sector, weight in self.session.execute(query)}

    def benchmark_source(self, benchmark: str, day: date) -> str | None:
        """Where the benchmark's sector weights published on ``day`` came from."""
        w = BenchmarkSectorWeight
        query = select(w.source).where(w.benchmark == benchmark, w.as_of == day)
        source: str | None = self.session.scalar(query.limit(1))
        return source
