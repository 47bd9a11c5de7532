"""Read a run's books, prices and benchmark weights from storage into :class:`BatchInputs`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, select

from sigmasight.analytics.returns import fill_limited
from sigmasight.batch.inputs import (
    OPTION,
    PRIVATE,
    PUBLIC,
    BatchInputs,
    BenchmarkSpec,
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
from sigmasight.storage.history_performance import PortfolioBenchmark
from sigmasight.storage.models import EquityChange, Portfolio, Position, PositionTag, Tag
from sigmasight.storage.rebalancing import PortfolioRiskLimit, PortfolioTarget
from sigmasight.storage.types import among, exact_as_float
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
    #: rows of ``portfolio_benchmarks`` of the portfolios
    benchmarks: list[Any] = field(default_factory=list)

    @functools.cached_property
    def columns(self) -> dict[str, np.ndarray]:
        """The positions as columns (object arrays; enums as their values), made once."""
        names = self.positions[0]._fields if self.positions else sorted(_POSITION_COLUMNS)
        values = zip(*self.positions, strict=True) if self.positions else [()] * len(names)
        out = {name: _object_array(list(v)) for name, v in zip(names, values, strict=True)}
        for name in ("investment_class", "position_type"):
            out[name] = np.array([e.value for e in out[name]], dtype=object)
        return out

    @property
    def symbols(self) -> list[str]:
        """Price series the books need: held instruments, option underlyings, the market."""
        c = self.columns
        option = c["investment_class"] == InvestmentClass.OPTIONS.value
        public = c["investment_class"] == InvestmentClass.PUBLIC.value
        underlying = c["underlying_symbol"][option]
        found = {MARKET_INDEX_SYMBOL, *c["symbol"][public], *underlying[underlying != None]}  # noqa: E711
        found.discard("")
        return sorted(found)

    @property
    def fetch_symbols(self) -> list[str]:
        """What a run makes sure is stored: the books' symbols, the factor legs and the
        portfolios' benchmarks."""
        return sorted({*self.symbols, *FACTOR_SYMBOLS, *self.benchmark_symbols})

    @property
    def benchmark_symbols(self) -> list[str]:
        """Every leg of every benchmark of the portfolios (primary symbols included)."""
        found = {p.primary_benchmark for p in self.portfolios}
        found.update(leg["symbol"] for b in self.benchmarks for leg in b.legs)
        return sorted(found)

    def benchmark_specs(self) -> tuple[BenchmarkSpec, ...]:
        """Each portfolio's benchmarks; one without rows has its primary symbol."""
        row = {p.id: i for i, p in enumerate(self.portfolios)}
        specs = [
            BenchmarkSpec(
                row[b.portfolio_id],
                b.name,
                tuple(leg["symbol"] for leg in b.legs),
                tuple(float(leg["weight"]) for leg in b.legs),
                b.rebalance,
                bool(b.is_primary),
            )
            for b in sorted(self.benchmarks, key=lambda b: (b.portfolio_id, b.name))
        ]
        configured = {s.portfolio for s in specs}
        specs += [
            BenchmarkSpec(i, p.primary_benchmark, (p.primary_benchmark,), (1.0,), "daily", True)
            for i, p in enumerate(self.portfolios)
            if i not in configured
        ]
        return tuple(sorted(specs, key=lambda s: (s.portfolio, s.name)))

    def first_entry(self) -> date | None:
        return min(self.columns["entry_date"], default=None)


def _object_array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


#: The position columns a run reads (money and quantities as doubles, read in SQL).
_POSITION_COLUMNS = frozenset(
    {
        "id",
        "portfolio_id",
        "symbol",
        "position_type",
        "investment_class",
        "quantity",
        "entry_price",
        "entry_date",
        "exit_price",
        "exit_date",
        "underlying_symbol",
        "strike",
        "expiry",
        "modified_duration",
        "convexity",
    }
)


def read_books(uow: UnitOfWork, portfolio_ids: Sequence[int] | None) -> Books:
    """Live portfolios (all owners: the batch is a system job) and their live positions.

    Read as plain rows (Core selects), not ORM objects: a daily run over thousands of
    portfolios reads tens of thousands of positions and needs no identity map.
    """
    portfolio = Portfolio.__table__
    live: ColumnElement[bool] = portfolio.c.deleted_at.is_(None)
    if portfolio_ids is not None:
        live = live & portfolio.c.id.in_(list(portfolio_ids))
    # .all() fetches in one call; iterating a result fetches row by row (3x slower).
    portfolios = uow.session.execute(select(portfolio).where(live).order_by(portfolio.c.id)).all()
    books = select(portfolio.c.id).where(live).scalar_subquery()
    position = Position.__table__
    dialect = uow.session.get_bind().dialect
    numbers = ("quantity", "entry_price", "exit_price", "strike")
    columns = [
        exact_as_float(c, dialect).label(c.name) if c.name in numbers else c
        for c in position.c
        if c.name in _POSITION_COLUMNS
    ]
    positions = uow.session.execute(
        select(*columns)
        .where(position.c.portfolio_id.in_(books), position.c.deleted_at.is_(None))
        .order_by(position.c.id)
    ).all()
    change = EquityChange.__table__
    changes = uow.session.execute(select(change).where(change.c.portfolio_id.in_(books))).all()
    bench = PortfolioBenchmark.__table__
    benchmarks = uow.session.execute(select(bench).where(bench.c.portfolio_id.in_(books))).all()
    return Books(list(portfolios), list(positions), list(changes), list(benchmarks))


def load_start(books: Books, calendar: TradingCalendar, start: date) -> date:
    """First session to load: the lookback before ``start`` or the books' first entry,
    whichever is earlier, taken back to the last week of the month before.

    A monthly-rebalanced benchmark blend drifts from the close before each month's first
    session, so it is known from the panel's first month boundary on: with the panel
    reaching past the month boundary before both the lookback and the first entry, every
    session a book's history covers (from its entry on) has the same blend return
    whichever run computes it (a daily run or a backfill, whose lookbacks differ)."""
    back = calendar.window_start(calendar.previous_session(start), LOOKBACK_SESSIONS)
    first = books.first_entry()
    earliest = min(back, first) if first else back
    return earliest.replace(day=1) - timedelta(days=7)


#: The books' adjusted and raw close panels (:meth:`PriceRepository.close_panels`).
Panels = tuple[pd.DataFrame, pd.DataFrame | None]


def build_inputs(
    uow: UnitOfWork,
    books: Books,
    calendar: TradingCalendar,
    first: date,
    end: date,
    start: date | None = None,
    panels: Callable[[], Panels] | None = None,
) -> BatchInputs:
    """The run's inputs; with ``start`` (the first date the run stores) also the panels
    of the asset-metrics step (:func:`sigmasight.batch.asset_panels.read_asset_panels`).

    ``panels`` gives the books' closes when they are read elsewhere (the runner reads
    them on a second connection, the largest read of a run, while this one reads
    everything else first); without it they are read here."""
    symbols = books.symbols
    sessions = np.asarray(calendar.sessions(first, end), dtype="datetime64[D]")
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
    lots = _lots(books, row, column)
    targets = _targets(uow, books, row)
    factor_prices = _closes(uow, FACTOR_SYMBOLS, sessions, first, end)
    benchmark_prices = _closes(uow, books.benchmark_symbols, sessions, first, end)
    episodes = assets = None
    if start is not None:
        from sigmasight.batch.asset_panels import read_asset_panels
        from sigmasight.batch.stress_panels import episode_closes

        episodes = episode_closes(uow, symbols, end)
        assets = read_asset_panels(uow, calendar, symbols, sessions, start)
    panel, raw = panels() if panels is not None else uow.prices.close_panels(symbols, first, end)

    def on_sessions(frame: pd.DataFrame) -> np.ndarray:
        frame.index = pd.to_datetime(frame.index)
        return frame.reindex(pd.DatetimeIndex(sessions)).to_numpy(dtype=np.float64)

    aligned = fill_limited(on_sessions(panel), MAX_FILL_SESSIONS)
    # Marks are the closes as published on each date; returns use the adjusted series.
    marks = None if raw is None else fill_limited(on_sessions(raw), MAX_FILL_SESSIONS).prices
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
        lots=lots,
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
        factor_prices=factor_prices,
        assets=None if assets is None else assets(aligned.filled),
        episode_closes=episodes,
        benchmarks=books.benchmark_specs(),
        benchmark_symbols=tuple(books.benchmark_symbols),
        benchmark_prices=benchmark_prices,
        targets=targets,
    )


def _targets(uow: UnitOfWork, books: Books, row: dict[int, int]) -> TargetRows:
    """The books' target versions (every one that applies to some date) and the tags of
    their positions."""
    target, limit = PortfolioTarget.__table__, PortfolioRiskLimit.__table__
    dialect = uow.session.get_bind().dialect
    some_date = target.c.effective_to.is_(None) | (target.c.effective_to > target.c.effective_from)
    found = list(
        uow.session.execute(
            select(target)
            .where(among(target.c.portfolio_id, list(row), dialect), some_date)
            .order_by(target.c.id)
        )
    )
    limits = list(
        uow.session.execute(
            select(limit)
            .where(among(limit.c.portfolio_id, list(row), dialect))
            .order_by(limit.c.id)
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
        valid_from=np.array([t.effective_from for t in found], dtype="datetime64[D]"),
        valid_to=np.array(
            [t.effective_to if t.effective_to else np.datetime64("NaT") for t in found],
            dtype="datetime64[D]",
        ),
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


def _lots(books: Books, row: dict[int, int], column: dict[str, int]) -> Lots:
    c = books.columns
    klass = c["investment_class"]
    option = klass == InvestmentClass.OPTIONS.value
    private = klass == InvestmentClass.PRIVATE.value
    priced = np.where(option, c["underlying_symbol"], c["symbol"])
    priced = np.where(priced == None, "", priced)  # noqa: E711
    at = pd.Index(list(column), dtype=object).get_indexer(pd.Index(priced, dtype=object))
    public = ~option & ~private
    if (at[public] < 0).any():
        raise KeyError(f"no price column for {sorted(set(priced[public & (at < 0)]))}")
    rows = pd.Index(list(row), dtype=np.int64).get_indexer(
        pd.Index(c["portfolio_id"], dtype=np.int64)
    )

    def days(values: np.ndarray) -> np.ndarray:
        # each distinct date converted once (a few hundred among 300,000 lots: 14 ms
        # against 0.2 s one by one)
        distinct = list(set(values.tolist()))
        converted = np.array([v if v else "NaT" for v in distinct], dtype="datetime64[D]")
        at = pd.Index(distinct, dtype=object).get_indexer(pd.Index(values, dtype=object))
        out: np.ndarray = converted[at]
        return out

    def num(values: np.ndarray) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    position_type = c["position_type"].astype(str)
    return Lots(
        position_id=c["id"].astype(np.int64),
        portfolio=np.asarray(rows, dtype=np.int64),
        symbol=c["symbol"],
        column=np.where(private, -1, at).astype(np.int64),
        kind=np.where(option, OPTION, np.where(private, PRIVATE, PUBLIC)).astype(np.int64),
        # Fixed-width strings, not objects: comparing them (np.isin) runs in C.
        position_type=position_type,
        investment_class=klass.astype(str),
        quantity=num(c["quantity"]),
        entry_price=num(c["entry_price"]),
        entry_date=days(c["entry_date"]),
        exit_price=num(c["exit_price"]),
        exit_date=days(c["exit_date"]),
        strike=num(c["strike"]),
        expiry=days(c["expiry"]),
        is_call=np.isin(position_type, [PositionType.LC.value, PositionType.SC.value]),
        modified_duration=num(c["modified_duration"]),
        convexity=num(c["convexity"]),
    )
