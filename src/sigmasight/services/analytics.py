"""Read-side analytics use cases: the batch's persisted history for one owner's portfolio.

Every figure for a date comes from what the batch stored for that date (the portfolio
snapshot row, the security-level beta and volatility rows, the closes); nothing here
re-estimates a model. Where a table needs a position's value, the position is marked as
the batch marks it (docs/methodology.md, "Valuation and P&L") from the same stored
inputs, so the values of a day's positions add up to that day's NAV minus cash.

The API, the dashboard and the CLI call these functions, so a number is the same
wherever it is shown. Failures are domain exceptions that entry points translate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigmasight.analytics.beta import BETA_CAP, BETA_WINDOW
from sigmasight.analytics.options import CALENDAR_DAYS_PER_YEAR, black_scholes_price
from sigmasight.domain.conventions import (
    MARKET_INDEX_SYMBOL,
    OPTION_CONTRACT_MULTIPLIER,
    TRADING_DAYS_PER_YEAR,
)
from sigmasight.domain.enums import InvestmentClass, PositionType
from sigmasight.storage.history import (
    BenchmarkSectorWeight,
    PortfolioSnapshot,
    SecurityMarketBeta,
    SecurityVolatility,
)
from sigmasight.storage.models import DailyPrice, Portfolio, Position
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

#: Upper bound on the rows of any time series answer (ten years of sessions).
MAX_SERIES_ROWS = 10 * TRADING_DAYS_PER_YEAR
#: Default length of the volatility history: the sessions of one year up to ``as_of``.
DEFAULT_HISTORY_ROWS = TRADING_DAYS_PER_YEAR
#: Beta estimate the batch stores and the snapshot's weighted beta uses.
BETA_METHOD = "ols"
#: Calendar days a close may lag ``as_of`` (the batch carries a close forward at most
#: three sessions; a long weekend plus a holiday spans six calendar days).
PRICE_LOOKBACK_DAYS = 6

SECTOR_CONVENTION = (
    "long: share of long exposure, sums to 1 (0 without longs); short: share of short "
    "exposure, negative, sums to -1 (0 without shorts); net: (long + short) / gross, sums "
    "to net / gross exposure; benchmark: index weights published on or before as_of, sum "
    "to 1, 0 for the ETF and Unclassified buckets; active: net - benchmark. Options count "
    "at delta-adjusted exposure in their underlying's sector, ETFs in the ETF bucket (no "
    "look-through), private holdings and unknown sectors in Unclassified."
)
CONCENTRATION_BASIS = (
    "absolute market value of each symbol (lots merged, signed values summed) over the sum "
    "of those values (gross basis); private holdings at cost, options at model value"
)


class PortfolioNotFoundError(LookupError):
    """The owner has no live portfolio with this id (another user's counts as none)."""

    def __init__(self, portfolio_id: int) -> None:
        super().__init__(f"portfolio {portfolio_id} not found")
        self.portfolio_id = portfolio_id


class NoSnapshotError(LookupError):
    """The batch has not written a snapshot of the portfolio for the date asked."""

    def __init__(self, portfolio_id: int, as_of: date | None, latest: date | None) -> None:
        what = as_of.isoformat() if as_of else f"portfolio {portfolio_id}"
        super().__init__(f"no snapshot for {what}; run the batch")
        self.portfolio_id, self.as_of, self.latest_available = portfolio_id, as_of, latest


class InvalidRangeError(ValueError):
    """A date range whose start is after its end."""


def _num(value: float | None) -> float | None:
    """A finite float or ``None``: NaN and infinities never leave this layer."""
    return float(value) if value is not None and math.isfinite(value) else None


def _total(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return math.fsum(present) if present else None


def _pick(row: object | None, names: Iterable[str]) -> dict[str, Any]:
    """Attributes of a stored row by name (floats made finite-or-None); all None without one."""
    values = {name: getattr(row, name) if row is not None else None for name in names}
    return {k: _num(v) if isinstance(v, float) else v for k, v in values.items()}


def _names(cls: type, *skip: str) -> list[str]:
    return [f.name for f in fields(cls) if f.name not in skip]


# ---------------------------------------------------------------------------- reads
# These queries belong in a storage repository (a history read model); they live here
# until storage/repositories.py grows one.


def _portfolio(session: Session, owner_id: int, portfolio_id: int) -> Portfolio:
    found = session.scalar(
        select(Portfolio).where(
            Portfolio.id == portfolio_id,
            Portfolio.owner_id == owner_id,
            Portfolio.deleted_at.is_(None),
        )
    )
    if found is None:
        raise PortfolioNotFoundError(portfolio_id)
    return found


def _latest_date(session: Session, portfolio_id: int) -> date | None:
    query = select(func.max(PortfolioSnapshot.snapshot_date))
    latest: date | None = session.scalar(
        query.where(PortfolioSnapshot.portfolio_id == portfolio_id)
    )
    return latest


def _snapshot(session: Session, portfolio_id: int, as_of: date | None) -> PortfolioSnapshot:
    """The snapshot of ``as_of`` (default: the latest one), or :class:`NoSnapshotError`."""
    latest = _latest_date(session, portfolio_id)
    day = as_of or latest
    row = session.get(PortfolioSnapshot, (portfolio_id, day)) if day else None
    if row is None:
        raise NoSnapshotError(portfolio_id, as_of, latest)
    return row


@dataclass(frozen=True)
class _Context:
    portfolio: Portfolio
    snapshot: PortfolioSnapshot

    @property
    def as_of(self) -> date:
        return self.snapshot.snapshot_date


def _context(uow: UnitOfWork, owner_id: int, portfolio_id: int, as_of: date | None) -> _Context:
    portfolio = _portfolio(uow.session, owner_id, portfolio_id)
    return _Context(portfolio, _snapshot(uow.session, portfolio_id, as_of))


def _held(uow: UnitOfWork, portfolio_id: int, day: date) -> list[Position]:
    """Positions held at the close of ``day``; an option leaves on its expiry date."""
    held = uow.positions.for_portfolio(portfolio_id, held_on=day)
    return [p for p in held if not _expired(p, day)]


def _expired(position: Position, day: date) -> bool:
    option = position.investment_class is InvestmentClass.OPTIONS
    return option and position.expiry is not None and position.expiry <= day


def _reference(position: Position) -> str | None:
    """The symbol whose market data describes the position (an option's underlying)."""
    if position.investment_class is InvestmentClass.PRIVATE:
        return None
    if position.investment_class is InvestmentClass.OPTIONS:
        return position.underlying_symbol
    return position.symbol


def _betas(session: Session, symbols: set[str], day: date) -> dict[str, SecurityMarketBeta]:
    query = select(SecurityMarketBeta).where(
        SecurityMarketBeta.symbol.in_(sorted(symbols)),
        SecurityMarketBeta.calc_date == day,
        SecurityMarketBeta.method == BETA_METHOD,
        SecurityMarketBeta.window == BETA_WINDOW,
        SecurityMarketBeta.market_index == MARKET_INDEX_SYMBOL,
    )
    return {row.symbol: row for row in session.scalars(query)}


def _vols(session: Session, symbols: set[str], day: date) -> dict[str, SecurityVolatility]:
    query = select(SecurityVolatility).where(
        SecurityVolatility.symbol.in_(sorted(symbols)), SecurityVolatility.calc_date == day
    )
    return {row.symbol: row for row in session.scalars(query)}


def _closes(session: Session, symbols: set[str], day: date) -> dict[str, tuple[date, float]]:
    """The latest (adjusted) close on or before ``day`` per symbol, as the batch uses it."""
    price = func.coalesce(DailyPrice.adj_close, DailyPrice.close)
    query = (
        select(DailyPrice.symbol, DailyPrice.date, price)
        .where(
            DailyPrice.symbol.in_(sorted(symbols)),
            DailyPrice.date.between(day - timedelta(days=PRICE_LOOKBACK_DAYS), day),
        )
        .order_by(DailyPrice.date)
    )
    return {symbol: (when, float(close)) for symbol, when, close in session.execute(query)}


def _series(
    session: Session, portfolio_id: int, start: date | None, end: date, limit: int, latest: bool
) -> list[Any]:
    """Snapshot rows in ``[start, end]``, ascending; ``limit`` of the latest or earliest."""
    s = PortfolioSnapshot
    query = select(s).where(s.portfolio_id == portfolio_id, s.snapshot_date <= end)
    if start is not None:
        query = query.where(s.snapshot_date >= start)
    order = s.snapshot_date.desc() if latest else s.snapshot_date.asc()
    rows = list(session.scalars(query.order_by(order).limit(limit)))
    return rows[::-1] if latest else rows


# ---------------------------------------------------------------------------- overview


@dataclass(frozen=True)
class Exposures:
    """Signed exposures in the base currency (a short is negative); leverage = gross / NAV."""

    long: float
    short: float
    gross: float
    net: float
    leverage: float | None


@dataclass(frozen=True)
class Counts:
    positions: int
    long: int
    short: int
    options: int
    private: int


@dataclass(frozen=True)
class WeightedBeta:
    """Sum of signed (delta-adjusted) exposure times security beta, over NAV."""

    beta: float | None
    r_squared: float | None
    positions_covered: int


@dataclass(frozen=True)
class DirectBeta:
    """OLS beta of the portfolio's own daily returns on the market's."""

    beta: float | None
    r_squared: float | None
    observations: int


@dataclass(frozen=True)
class VolatilitySummary:
    """Annualised volatilities (fractions): realized 21/63 sessions, HAR forecast."""

    realized_21d: float | None
    realized_63d: float | None
    expected_21d: float | None
    trend: str | None
    percentile: float | None


@dataclass(frozen=True)
class Overview:
    portfolio_id: int
    name: str
    as_of: date
    nav: float
    cash: float
    daily_pnl: float
    daily_return: float | None
    cumulative_pnl: float
    flows: float
    exposures: Exposures
    counts: Counts
    beta_weighted: WeightedBeta
    beta_direct: DirectBeta
    volatility: VolatilitySummary
    is_complete: bool
    notes: tuple[str, ...]


def _weighted(s: PortfolioSnapshot) -> WeightedBeta:
    return WeightedBeta(
        _num(s.beta_weighted), _num(s.beta_weighted_r_squared), s.beta_weighted_positions
    )


def _direct(s: PortfolioSnapshot) -> DirectBeta:
    return DirectBeta(
        _num(s.beta_direct), _num(s.beta_direct_r_squared), s.beta_direct_observations
    )


def _volatility(s: PortfolioSnapshot) -> VolatilitySummary:
    return VolatilitySummary(
        _num(s.volatility_21d),
        _num(s.volatility_63d),
        _num(s.volatility_expected_21d),
        s.volatility_trend,
        _num(s.volatility_percentile),
    )


def portfolio_overview(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> Overview:
    """The headline figures of ``as_of`` (default: the latest snapshot) from its snapshot."""
    with uow_factory() as uow:
        ctx = _context(uow, owner_id, portfolio_id, as_of)
        s = ctx.snapshot
        return Overview(
            portfolio_id=portfolio_id,
            name=ctx.portfolio.name,
            as_of=ctx.as_of,
            nav=s.nav,
            cash=s.cash,
            daily_pnl=s.daily_pnl,
            daily_return=_num(s.daily_return),
            cumulative_pnl=s.cumulative_pnl,
            flows=s.flows,
            exposures=Exposures(
                s.long_exposure,
                s.short_exposure,
                s.gross_exposure,
                s.net_exposure,
                _num(s.leverage),
            ),
            counts=Counts(s.n_positions, s.n_long, s.n_short, s.n_options, s.n_private),
            beta_weighted=_weighted(s),
            beta_direct=_direct(s),
            volatility=_volatility(s),
            is_complete=s.is_complete,
            notes=tuple(s.notes),
        )


# ---------------------------------------------------------------------------- market beta


@dataclass(frozen=True)
class PositionBeta:
    """A held position's market beta: its security's (an option: its underlying's)."""

    position_id: int
    symbol: str
    position_type: str
    investment_class: str
    quantity: float
    beta_symbol: str | None
    beta: float | None
    beta_uncapped: float | None
    alpha: float | None
    r_squared: float | None
    std_error: float | None
    t_stat: float | None
    p_value: float | None
    observations: int | None
    capped: bool | None
    reason: str
    included: bool
    note: str | None


@dataclass(frozen=True)
class MarketBetaView:
    portfolio_id: int
    as_of: date
    method: str
    window: int
    market_index: str
    weighted: WeightedBeta
    direct: DirectBeta
    positions: tuple[PositionBeta, ...]


def _beta_note(p: Position, ref: str | None, row: SecurityMarketBeta | None) -> tuple[str, str]:
    """(reason, note) for a position's beta row."""
    if ref is None:
        return "EXCLUDED_PRIVATE", "private holding: no market prices; not in the beta"
    if row is None:
        return "NO_DATA", f"no beta stored for {ref} on this date"
    if p.investment_class is InvestmentClass.OPTIONS:
        return row.reason, f"option: beta of the underlying {ref}, weighted by delta exposure"
    return row.reason, f"beta capped at ±{BETA_CAP:g}" if row.capped else ""


_BETA_COLUMNS = (
    "beta",
    "beta_uncapped",
    "alpha",
    "r_squared",
    "std_error",
    "t_stat",
    "p_value",
    "observations",
    "capped",
)


def _position_fields(p: Position) -> dict[str, Any]:
    return {
        "position_id": p.id,
        "symbol": p.symbol,
        "position_type": p.position_type.value,
        "investment_class": p.investment_class.value,
        "quantity": float(p.quantity),
    }


def _position_beta(p: Position, betas: dict[str, SecurityMarketBeta]) -> PositionBeta:
    ref = _reference(p)
    row = betas.get(ref) if ref else None
    reason, note = _beta_note(p, ref, row)
    stored = _pick(row, _BETA_COLUMNS)
    return PositionBeta(
        **_position_fields(p),
        **stored,
        beta_symbol=ref,
        reason=reason,
        included=stored["beta"] is not None and stored["r_squared"] is not None,
        note=note or None,
    )


def market_beta(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> MarketBetaView:
    """Per-position betas of the positions held on ``as_of`` and the portfolio's betas."""
    with uow_factory() as uow:
        ctx = _context(uow, owner_id, portfolio_id, as_of)
        held = _held(uow, portfolio_id, ctx.as_of)
        refs = {ref for p in held if (ref := _reference(p))}
        betas = _betas(uow.session, refs, ctx.as_of)
        return MarketBetaView(
            portfolio_id=portfolio_id,
            as_of=ctx.as_of,
            method=BETA_METHOD,
            window=BETA_WINDOW,
            market_index=MARKET_INDEX_SYMBOL,
            weighted=_weighted(ctx.snapshot),
            direct=_direct(ctx.snapshot),
            positions=tuple(_position_beta(p, betas) for p in held),
        )


# ---------------------------------------------------------------------------- volatility


@dataclass(frozen=True)
class VolatilityPoint:
    date: date
    realized_21d: float | None
    realized_63d: float | None
    expected_21d: float | None


@dataclass(frozen=True)
class VolatilityView:
    """Volatility of ``as_of`` and its history, ascending, ending at ``as_of``.

    ``truncated`` says older snapshots in the range were left out (the history keeps the
    latest :data:`DEFAULT_HISTORY_ROWS` without a start, at most :data:`MAX_SERIES_ROWS`).
    """

    portfolio_id: int
    as_of: date
    current: VolatilitySummary
    truncated: bool
    history: tuple[VolatilityPoint, ...]


def volatility(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    start: date | None = None,
) -> VolatilityView:
    """Portfolio volatility on ``as_of`` plus its daily history from ``start``."""
    with uow_factory() as uow:
        ctx = _context(uow, owner_id, portfolio_id, as_of)
        if start is not None and start > ctx.as_of:
            raise InvalidRangeError(f"start {start} is after as_of {ctx.as_of}")
        limit = DEFAULT_HISTORY_ROWS if start is None else MAX_SERIES_ROWS
        rows = _series(uow.session, portfolio_id, start, ctx.as_of, limit + 1, latest=True)
        kept = rows[-limit:]
        history = tuple(
            VolatilityPoint(
                r.snapshot_date,
                _num(r.volatility_21d),
                _num(r.volatility_63d),
                _num(r.volatility_expected_21d),
            )
            for r in kept
        )
        return VolatilityView(
            portfolio_id, ctx.as_of, _volatility(ctx.snapshot), len(rows) > limit, history
        )


# ---------------------------------------------------------------------------- sectors


@dataclass(frozen=True)
class SectorBucket:
    sector: str
    long: float | None
    short: float | None
    net: float | None
    benchmark: float | None
    active: float | None


@dataclass(frozen=True)
class SectorSums:
    """What each column of the buckets adds up to (see :data:`SECTOR_CONVENTION`)."""

    long: float | None
    short: float | None
    net: float | None
    benchmark: float | None
    active: float | None


@dataclass(frozen=True)
class SectorView:
    portfolio_id: int
    as_of: date
    benchmark: str
    benchmark_as_of: date | None
    benchmark_source: str | None
    long_total: float | None
    short_total: float | None
    gross: float | None
    buckets: tuple[SectorBucket, ...]
    sums: SectorSums
    convention: str
    notes: tuple[str, ...]


def _benchmark_source(session: Session, day: date | None) -> str | None:
    if day is None:
        return None
    query = select(BenchmarkSectorWeight.source).where(
        BenchmarkSectorWeight.benchmark == MARKET_INDEX_SYMBOL, BenchmarkSectorWeight.as_of == day
    )
    source: str | None = session.scalar(query.limit(1))
    return source


def _buckets(stored: dict[str, Any], has_benchmark: bool) -> tuple[SectorBucket, ...]:
    def col(view: str, i: int) -> float | None:
        return _num(stored[view][i]) if view in stored else None

    return tuple(
        SectorBucket(
            sector=name,
            long=col("long", i),
            short=col("short", i),
            net=col("net", i),
            benchmark=col("benchmark", i) if has_benchmark else None,
            active=col("active", i) if has_benchmark else None,
        )
        for i, name in enumerate(stored.get("buckets", []))
    )


def sector_exposure(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> SectorView:
    """Long, short and net sector weights of ``as_of`` against the S&P 500's.

    Without benchmark weights published on or before ``as_of`` the benchmark and active
    columns are ``None`` (not 0, which would read as an index without that sector).
    """
    with uow_factory() as uow:
        ctx = _context(uow, owner_id, portfolio_id, as_of)
        stored = dict(ctx.snapshot.sector_exposure or {})
        published = stored.get("benchmark_as_of")
        bench_day = date.fromisoformat(published) if published else None
        buckets = _buckets(stored, bench_day is not None)
        notes = () if bench_day else (f"no benchmark sector weights on or before {ctx.as_of}",)
        return SectorView(
            portfolio_id=portfolio_id,
            as_of=ctx.as_of,
            benchmark=MARKET_INDEX_SYMBOL,
            benchmark_as_of=bench_day,
            benchmark_source=_benchmark_source(uow.session, bench_day),
            long_total=_num(stored.get("long_total")),
            short_total=_num(stored.get("short_total")),
            gross=_num(stored.get("gross")),
            buckets=buckets,
            sums=SectorSums(
                *(
                    _total(getattr(b, view) for b in buckets)
                    for view in ("long", "short", "net", "benchmark", "active")
                )
            ),
            convention=SECTOR_CONVENTION,
            notes=notes,
        )


# ---------------------------------------------------------------------------- valuation


@dataclass(frozen=True)
class _Mark:
    price: float | None
    price_date: date | None
    value: float | None


def _option_price(
    p: Position, close: float | None, vol: SecurityVolatility | None, day: date
) -> float | None:
    """Black-Scholes value per share with the underlying's realized 63-session volatility."""
    if close is None or vol is None or p.expiry is None or p.strike is None:
        return None
    years = (p.expiry - day).days / CALENDAR_DAYS_PER_YEAR
    call = p.position_type in (PositionType.LC, PositionType.SC)
    sigma = vol.realized_63d if vol.realized_63d is not None else math.nan
    return _num(float(black_scholes_price(close, float(p.strike), years, sigma, call)))


def _mark(
    p: Position,
    closes: dict[str, tuple[date, float]],
    vols: dict[str, SecurityVolatility],
    day: date,
) -> _Mark:
    """A position's per-share (per-unit) mark and signed market value on ``day``."""
    quantity = float(p.quantity)
    ref = _reference(p)
    if ref is None:
        cost = float(p.entry_price)
        return _Mark(cost, None, quantity * cost)
    when, close = closes.get(ref, (None, None))
    if p.investment_class is InvestmentClass.OPTIONS:
        price = _option_price(p, close, vols.get(ref), day)
        units = quantity * OPTION_CONTRACT_MULTIPLIER
    else:
        price, units = close, quantity
    return _Mark(price, when, units * price if price is not None else None)


@dataclass(frozen=True)
class _Book:
    """Positions held on a day, their marks and their reference securities' volatility."""

    held: list[Position]
    marks: list[_Mark]
    vols: dict[str, SecurityVolatility]
    refs: set[str]


def _book(uow: UnitOfWork, portfolio_id: int, day: date) -> _Book:
    held = _held(uow, portfolio_id, day)
    refs = {ref for p in held if (ref := _reference(p))}
    closes = _closes(uow.session, refs, day)
    vols = _vols(uow.session, refs, day)
    return _Book(held, [_mark(p, closes, vols, day) for p in held], vols, refs)


# ---------------------------------------------------------------------------- concentration


@dataclass(frozen=True)
class HoldingWeight:
    symbol: str
    market_value: float | None
    weight: float | None


@dataclass(frozen=True)
class ConcentrationView:
    """HHI (weights in percent, squared, summed), effective N = 1 / sum w², top-k weights.

    ``holdings`` are the weights behind them, largest first (see
    :data:`CONCENTRATION_BASIS`); a holding without a mark has ``None`` and no weight.
    """

    portfolio_id: int
    as_of: date
    hhi: float | None
    effective_positions: float | None
    top3_weight: float | None
    top10_weight: float | None
    basis: str
    holdings: tuple[HoldingWeight, ...]


def _holding_weights(book: _Book) -> tuple[HoldingWeight, ...]:
    merged: dict[str, float | None] = {}
    for p, mark in zip(book.held, book.marks, strict=True):
        before = merged.get(p.symbol, 0.0)
        merged[p.symbol] = None if before is None or mark.value is None else before + mark.value
    gross = math.fsum(abs(v) for v in merged.values() if v is not None)
    rows = [
        HoldingWeight(s, v, abs(v) / gross if v is not None and gross > 0 else None)
        for s, v in merged.items()
    ]
    return tuple(sorted(rows, key=lambda h: (-(h.weight or -1.0), h.symbol)))


def concentration(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> ConcentrationView:
    """Stored concentration figures of ``as_of`` and the holding weights they come from."""
    with uow_factory() as uow:
        ctx = _context(uow, owner_id, portfolio_id, as_of)
        s = ctx.snapshot
        return ConcentrationView(
            portfolio_id=portfolio_id,
            as_of=ctx.as_of,
            hhi=_num(s.hhi),
            effective_positions=_num(s.effective_positions),
            top3_weight=_num(s.top3_weight),
            top10_weight=_num(s.top10_weight),
            basis=CONCENTRATION_BASIS,
            holdings=_holding_weights(_book(uow, portfolio_id, ctx.as_of)),
        )


# ---------------------------------------------------------------------------- position risk


@dataclass(frozen=True)
class PositionRisk:
    """A held position's mark, weight of NAV and its security's (underlying's) risk."""

    position_id: int
    symbol: str
    position_type: str
    investment_class: str
    quantity: float
    price: float | None
    price_date: date | None
    market_value: float | None
    weight: float | None
    beta: float | None
    r_squared: float | None
    realized_21d: float | None
    realized_63d: float | None
    expected_21d: float | None
    note: str | None


@dataclass(frozen=True)
class PositionRiskView:
    portfolio_id: int
    as_of: date
    nav: float
    positions: tuple[PositionRisk, ...]


def _risk_note(p: Position, mark: _Mark, day: date) -> str | None:
    if p.investment_class is InvestmentClass.PRIVATE:
        return "private holding: carried at cost; no market risk figures"
    if p.investment_class is InvestmentClass.OPTIONS:
        return (
            f"option: Black-Scholes value (realized 63-session volatility, rate 0); "
            f"beta and volatility of the underlying {p.underlying_symbol}"
        )
    if mark.price_date is not None and mark.price_date != day:
        return f"close carried forward from {mark.price_date}"
    return None if mark.price is not None else "no close on or shortly before as_of"


def _position_risk(
    p: Position,
    mark: _Mark,
    betas: dict[str, SecurityMarketBeta],
    vols: dict[str, SecurityVolatility],
    nav: float,
    day: date,
) -> PositionRisk:
    ref = _reference(p) or ""
    beta, vol = betas.get(ref), vols.get(ref)
    value = _num(mark.value)
    return PositionRisk(
        **_position_fields(p),
        **_pick(beta, ("beta", "r_squared")),
        **_pick(vol, ("realized_21d", "realized_63d", "expected_21d")),
        price=_num(mark.price),
        price_date=mark.price_date,
        market_value=value,
        weight=_num(value / nav) if value is not None and nav > 0 else None,
        note=_risk_note(p, mark, day),
    )


def position_risk(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> PositionRiskView:
    """Every position held on ``as_of`` with its value, weight of NAV, beta and volatility."""
    with uow_factory() as uow:
        ctx = _context(uow, owner_id, portfolio_id, as_of)
        book = _book(uow, portfolio_id, ctx.as_of)
        betas = _betas(uow.session, book.refs, ctx.as_of)
        rows = tuple(
            _position_risk(p, mark, betas, book.vols, ctx.snapshot.nav, ctx.as_of)
            for p, mark in zip(book.held, book.marks, strict=True)
        )
        return PositionRiskView(portfolio_id, ctx.as_of, ctx.snapshot.nav, rows)


# ---------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class SnapshotPoint:
    date: date
    nav: float
    cash: float
    daily_pnl: float
    daily_return: float | None
    cumulative_pnl: float
    long_exposure: float
    short_exposure: float
    gross_exposure: float
    net_exposure: float
    leverage: float | None
    beta_weighted: float | None
    beta_direct: float | None
    volatility_21d: float | None
    volatility_63d: float | None
    volatility_expected_21d: float | None
    hhi: float | None
    is_complete: bool


@dataclass(frozen=True)
class SnapshotSeries:
    """Snapshot rows, ascending by date.

    Without ``start`` the rows are the latest ``limit`` up to ``end``; with it, the first
    ``limit`` from ``start``, and ``next_start`` is where the next page begins.
    """

    portfolio_id: int
    start: date | None
    end: date
    truncated: bool
    next_start: date | None
    rows: tuple[SnapshotPoint, ...]


def _point(s: PortfolioSnapshot) -> SnapshotPoint:
    return SnapshotPoint(date=s.snapshot_date, **_pick(s, _names(SnapshotPoint, "date")))


def snapshot_series(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    start: date | None = None,
    end: date | None = None,
    limit: int = MAX_SERIES_ROWS,
) -> SnapshotSeries:
    """The portfolio's daily snapshots in ``[start, end]`` (``end`` default: the latest)."""
    limit = max(1, min(limit, MAX_SERIES_ROWS))
    with uow_factory() as uow:
        _portfolio(uow.session, owner_id, portfolio_id)
        latest = _latest_date(uow.session, portfolio_id)
        if latest is None:
            raise NoSnapshotError(portfolio_id, end, None)
        end = end or latest
        if start is not None and start > end:
            raise InvalidRangeError(f"start {start} is after end {end}")
        found = _series(uow.session, portfolio_id, start, end, limit + 1, latest=start is None)
        more = len(found) > limit
        kept = found[-limit:] if start is None else found[:limit]
        following = found[limit].snapshot_date if more and start is not None else None
        return SnapshotSeries(
            portfolio_id, start, end, more, following, tuple(_point(s) for s in kept)
        )
