"""Read a run's books, prices and benchmark weights from storage into :class:`BatchInputs`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from sigmasight.analytics.returns import fill_limited
from sigmasight.batch.inputs import (
    OPTION,
    PRIVATE,
    PUBLIC,
    BatchInputs,
    Flow,
    Lots,
    Portfolios,
    TargetRows,
)
from sigmasight.batch.security import LOOKBACK_SESSIONS
from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.domain.enums import EquityChangeType, InvestmentClass, PositionType
from sigmasight.domain.factors import FACTOR_SYMBOLS
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.storage.history import BenchmarkSectorWeight
from sigmasight.storage.models import EquityChange, Portfolio, Position, PositionTag, Tag
from sigmasight.storage.rebalancing import PortfolioRiskLimit, PortfolioTarget
from sigmasight.storage.uow import UnitOfWork

#: Sessions a missing close may be carried forward (docs/methodology.md).
MAX_FILL_SESSIONS = 3


@dataclass(frozen=True)
class Books:
    """Rows of the portfolios, positions and equity changes of a run (column attributes
    as on the ORM models)."""

    portfolios: list[Any]
    positions: list[Any]
    changes: list[Any]

    @property
    def symbols(self) -> list[str]:
        """Price series the books need: held instruments, option underlyings, the market."""
        found = {MARKET_INDEX_SYMBOL}
        for p in self.positions:
            if p.investment_class is InvestmentClass.OPTIONS and p.underlying_symbol:
                found.add(p.underlying_symbol)
            elif p.investment_class is InvestmentClass.PUBLIC:
                found.add(p.symbol)
        return sorted(found)

    @property
    def fetch_symbols(self) -> list[str]:
        """What a run makes sure is stored: the books' symbols and the factor legs."""
        return sorted({*self.symbols, *FACTOR_SYMBOLS})

    def first_entry(self) -> date | None:
        return min((p.entry_date for p in self.positions), default=None)


def read_books(uow: UnitOfWork, portfolio_ids: Sequence[int] | None) -> Books:
    """Live portfolios (all owners: the batch is a system job) and their live positions.

    Read as plain rows (Core selects), not ORM objects: a daily run over thousands of
    portfolios reads tens of thousands of positions and needs no identity map.
    """
    portfolio = Portfolio.__table__
    query = select(portfolio).where(portfolio.c.deleted_at.is_(None)).order_by(portfolio.c.id)
    if portfolio_ids is not None:
        query = query.where(portfolio.c.id.in_(list(portfolio_ids)))
    portfolios = list(uow.session.execute(query))
    ids = [p.id for p in portfolios]
    position = Position.__table__
    positions = list(
        uow.session.execute(
            select(position)
            .where(position.c.portfolio_id.in_(ids), position.c.deleted_at.is_(None))
            .order_by(position.c.id)
        )
    )
    change = EquityChange.__table__
    changes = list(uow.session.execute(select(change).where(change.c.portfolio_id.in_(ids))))
    return Books(portfolios, positions, changes)


def load_start(books: Books, calendar: TradingCalendar, start: date) -> date:
    """First session to load: the lookback before ``start`` or the first entry if earlier."""
    back = calendar.window_start(calendar.previous_session(start), LOOKBACK_SESSIONS)
    first = books.first_entry()
    return min(back, first) if first else back


def build_inputs(
    uow: UnitOfWork,
    books: Books,
    calendar: TradingCalendar,
    first: date,
    end: date,
    start: date | None = None,
) -> BatchInputs:
    """The run's inputs; with ``start`` (the first date the run stores) also the panels
    of the asset-metrics step (:func:`sigmasight.batch.asset_panels.asset_panels`)."""
    symbols = books.symbols
    sessions = np.asarray(calendar.sessions(first, end), dtype="datetime64[D]")
    panel, raw = uow.prices.close_panels(symbols, first, end)

    def on_sessions(frame: pd.DataFrame) -> np.ndarray:
        frame.index = pd.to_datetime(frame.index)
        return frame.reindex(pd.DatetimeIndex(sessions)).to_numpy(dtype=np.float64)

    aligned = fill_limited(on_sessions(panel), MAX_FILL_SESSIONS)
    # Marks are the closes as published on each date; returns use the adjusted series.
    marks = None if raw is None else fill_limited(on_sessions(raw), MAX_FILL_SESSIONS).prices
    securities = {s.symbol: s for s in uow.securities.find(symbols)}
    column = {s: i for i, s in enumerate(symbols)}
    row = {p.id: i for i, p in enumerate(books.portfolios)}
    weights = uow.session.execute(
        select(BenchmarkSectorWeight).where(
            BenchmarkSectorWeight.benchmark == MARKET_INDEX_SYMBOL,
            BenchmarkSectorWeight.as_of <= end,
        )
    ).scalars()
    snapshots: dict[date, dict[str, float]] = {}
    for w in weights:
        snapshots.setdefault(w.as_of, {})[w.sector] = w.weight
    assets = None
    if start is not None:
        from sigmasight.batch.asset_panels import asset_panels

        assets = asset_panels(uow, calendar, symbols, sessions, aligned.filled, start)
    return BatchInputs(
        sessions=sessions,
        symbols=tuple(symbols),
        market_column=column[MARKET_INDEX_SYMBOL],
        prices=aligned.prices,
        filled=aligned.filled,
        sectors=tuple(securities[s].sector if s in securities else None for s in symbols),
        is_etf=np.array(
            [bool(securities[s].is_etf) if s in securities else False for s in symbols]
        ),
        portfolios=Portfolios(
            id=np.array([p.id for p in books.portfolios], dtype=np.int64),
            name=np.array([p.name for p in books.portfolios], dtype=object),
            equity=np.array([float(p.equity_balance) for p in books.portfolios]),
            benchmark=np.array([p.primary_benchmark for p in books.portfolios], dtype=object),
        ),
        lots=_lots(books.positions, row, column),
        flows=tuple(
            Flow(
                row[c.portfolio_id],
                c.change_date,
                float(c.amount) * (1 if c.change_type is EquityChangeType.CONTRIBUTION else -1),
            )
            for c in books.changes
        ),
        benchmark_weights=tuple(sorted(snapshots.items())),
        marks=marks,
        factor_symbols=FACTOR_SYMBOLS,
        factor_prices=_closes(uow, FACTOR_SYMBOLS, sessions, first, end),
        assets=assets,
        targets=_targets(uow, books, row),
    )


def _targets(uow: UnitOfWork, books: Books, row: dict[int, int]) -> TargetRows:
    """The books' target allocations and the tags of their positions."""
    target, limit = PortfolioTarget.__table__, PortfolioRiskLimit.__table__
    found = list(
        uow.session.execute(
            select(target).where(target.c.portfolio_id.in_(list(row))).order_by(target.c.id)
        )
    )
    limits = list(
        uow.session.execute(
            select(limit).where(limit.c.portfolio_id.in_(list(row))).order_by(limit.c.id)
        )
    )
    pairs = list(
        uow.session.execute(
            select(PositionTag.position_id, Tag.name)
            .join(Tag, Tag.id == PositionTag.tag_id)
            .join(Position, Position.id == PositionTag.position_id)
            .where(Position.portfolio_id.in_(sorted({int(t.portfolio_id) for t in found})))
        )
        if found
        else []
    )
    return TargetRows(
        portfolio=np.array([row[t.portfolio_id] for t in found], dtype=np.int64),
        level=np.array([t.level.value for t in found], dtype=str),
        key=np.array([t.key for t in found], dtype=object),
        weight=np.array([t.target_weight for t in found], dtype=np.float64),
        lower=np.array([t.min_weight for t in found], dtype=np.float64),
        upper=np.array([t.max_weight for t in found], dtype=np.float64),
        threshold_kind=np.array(
            [t.threshold_kind.value if t.threshold_kind else "" for t in found], dtype=str
        ),
        threshold=np.array(
            [t.threshold if t.threshold is not None else np.nan for t in found], dtype=np.float64
        ),
        frequency=np.array([t.frequency.value for t in found], dtype=str),
        tag_position=np.array([p for p, _ in pairs], dtype=np.int64),
        tag_name=np.array([n for _, n in pairs], dtype=object),
        limit_portfolio=np.array([row[x.portfolio_id] for x in limits], dtype=np.int64),
        limit_metric=np.array([x.metric for x in limits], dtype=str),
        limit_key=np.array([x.key for x in limits], dtype=object),
        limit_lower=np.array([np.nan if x.lower is None else x.lower for x in limits]),
        limit_upper=np.array([np.nan if x.upper is None else x.upper for x in limits]),
    )


def _closes(
    uow: UnitOfWork, symbols: Sequence[str], sessions: np.ndarray, first: date, end: date
) -> np.ndarray:
    """Closes of ``symbols`` on the session grid, filled as the books' prices are."""
    panel = uow.prices.close_panel(symbols, first, end)
    panel.index = pd.to_datetime(panel.index)
    grid = panel.reindex(pd.DatetimeIndex(sessions)).to_numpy(dtype=np.float64)
    return fill_limited(grid, MAX_FILL_SESSIONS).prices


def _lots(positions: list[Any], row: dict[int, int], column: dict[str, int]) -> Lots:
    def kind(p: Any) -> int:
        if p.investment_class is InvestmentClass.OPTIONS:
            return OPTION
        return PRIVATE if p.investment_class is InvestmentClass.PRIVATE else PUBLIC

    def col(p: Any) -> int:
        if p.investment_class is InvestmentClass.OPTIONS:
            return column.get(p.underlying_symbol or "", -1)
        return -1 if p.investment_class is InvestmentClass.PRIVATE else column[p.symbol]

    def days(values: list[date | None]) -> np.ndarray:
        return np.array([v if v else "NaT" for v in values], dtype="datetime64[D]")

    def num(values: list[object]) -> np.ndarray:
        return np.array([float(v) if v is not None else np.nan for v in values])  # type: ignore[arg-type]

    return Lots(
        position_id=np.array([p.id for p in positions], dtype=np.int64),
        portfolio=np.array([row[p.portfolio_id] for p in positions], dtype=np.int64),
        symbol=np.array([p.symbol for p in positions], dtype=object),
        column=np.array([col(p) for p in positions], dtype=np.int64),
        kind=np.array([kind(p) for p in positions], dtype=np.int64),
        # Fixed-width strings, not objects: comparing them (np.isin) runs in C.
        position_type=np.array([p.position_type.value for p in positions], dtype=str),
        investment_class=np.array([p.investment_class.value for p in positions], dtype=str),
        quantity=num([p.quantity for p in positions]),
        entry_price=num([p.entry_price for p in positions]),
        entry_date=days([p.entry_date for p in positions]),
        exit_price=num([p.exit_price for p in positions]),
        exit_date=days([p.exit_date for p in positions]),
        strike=num([p.strike for p in positions]),
        expiry=days([p.expiry for p in positions]),
        is_call=np.array(
            [p.position_type in (PositionType.LC, PositionType.SC) for p in positions], dtype=bool
        ),
    )
