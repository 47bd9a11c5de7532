"""A synthetic universe for scale work: factor-model prices, users and realistic books.

Everything is a function of ``seed``: the same seed gives the same securities, prices
and positions (only the Argon2 salt of the shared password hash differs). Three
independent random streams are spawned from it (prices, security profiles, books), so
changing the number of portfolios never changes the prices.

Use a dedicated database: the market index ``^GSPC`` is stored with the synthetic
market path and would replace real index prices.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from rich.progress import Progress
from sqlalchemy import Table, insert, select

from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.domain.enums import (
    AccountType,
    AssetType,
    InvestmentClass,
    InvestmentSubtype,
    PositionType,
)
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.models import GICS_SECTORS
from sigmasight.services.passwords import hash_password
from sigmasight.storage.models import Base, Portfolio, Position, User
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_END: Final = date(2022, 12, 28)
SOURCE: Final = "synthetic"
#: A published credential for local benchmark databases only (``.invalid`` addresses).
BENCH_PASSWORD: Final = "sigmasight-bench"
EMAIL_PATTERN: Final = "bench-user-%@sigmasight.invalid"
PORTFOLIO_PREFIX: Final = "Synthetic "
PORTFOLIOS_PER_USER: Final = 100
#: Fixed so reruns and different machines write identical rows.
CREATED_AT: Final = datetime(2022, 1, 1, tzinfo=UTC)

# Daily factor-model parameters.
MARKET_DRIFT: Final = 0.0003
MARKET_VOL: Final = 0.011
SECTOR_VOL: Final = 0.006
IDIO_VOL_RANGE: Final = (0.008, 0.022)
ETF_IDIO_VOL: Final = 0.002
BETA_MEAN, BETA_SD, BETA_RANGE = 1.0, 0.3, (0.3, 1.8)
#: Every 25th synthetic symbol is a sector ETF.
ETF_EVERY: Final = 25
#: Lowest storable close: the price table requires close > 0 at 4 decimals.
PRICE_FLOOR: Final = 0.0001

SHORT_FRACTION: Final = 0.2
#: Every third portfolio is a long/short book, the rest are long-only.
LONG_SHORT_EVERY: Final = 3
CASH_BUFFER: Final = Decimal("1.05")
CENT: Final = Decimal("0.01")

INDUSTRIES: Final[dict[str, tuple[str, ...]]] = {
    "Communication Services": ("Interactive Media & Services", "Entertainment", "Media"),
    "Consumer Discretionary": ("Specialty Retail", "Hotels, Restaurants & Leisure"),
    "Consumer Staples": ("Beverages", "Household Products", "Food Products"),
    "Energy": ("Oil, Gas & Consumable Fuels", "Energy Equipment & Services"),
    "Financials": ("Banks", "Capital Markets", "Insurance"),
    "Health Care": ("Pharmaceuticals", "Biotechnology", "Health Care Equipment & Supplies"),
    "Industrials": ("Aerospace & Defense", "Machinery", "Ground Transportation"),
    "Information Technology": ("Software", "Semiconductors & Semiconductor Equipment"),
    "Materials": ("Chemicals", "Metals & Mining"),
    "Real Estate": ("Specialized REITs", "Residential REITs"),
    "Utilities": ("Electric Utilities", "Multi-Utilities"),
}


class SimulatedPanel(NamedTuple):
    """Output of :func:`simulate_prices`.

    Attributes
    ----------
    symbols : tuple of str, length N + 1
        ``S0001`` .. ``SNNNN`` followed by the market index (last column).
    sectors : tuple of str, length N
        GICS sector of each synthetic security.
    betas : ndarray, shape (N,)
        True market beta of each synthetic security.
    prices : ndarray, shape (T, N + 1)
        Closes rounded to 4 decimals; the last column is the market index.
    """

    symbols: tuple[str, ...]
    sectors: tuple[str, ...]
    betas: FloatArray
    prices: FloatArray


@dataclass(frozen=True)
class SyntheticReport:
    """What :func:`generate_universe` wrote (rows upserted or created)."""

    securities: int
    price_rows: int
    users_created: int
    users_existing: int
    portfolios_created: int
    portfolios_existing: int
    positions_created: int
    first_session: date
    last_session: date

    @property
    def rows_written(self) -> int:
        return (
            self.securities
            + self.price_rows
            + self.users_created
            + self.portfolios_created
            + self.positions_created
        )


def _streams(seed: int) -> tuple[np.random.Generator, ...]:
    """Independent generators for prices, profiles and books."""
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))


def synthetic_symbols(n_symbols: int) -> tuple[str, ...]:
    """``S0001`` .. ``SNNNN``, zero-padded to at least four digits."""
    width = max(4, len(str(n_symbols)))
    return tuple(f"S{i:0{width}d}" for i in range(1, n_symbols + 1))


def etf_mask(n_symbols: int) -> npt.NDArray[np.bool_]:
    """Which synthetic securities are ETFs (every :data:`ETF_EVERY`-th), shape (N,)."""
    mask: npt.NDArray[np.bool_] = np.arange(1, n_symbols + 1) % ETF_EVERY == 0
    return mask


def simulate_prices(n_symbols: int, sessions: int, seed: int = 0) -> SimulatedPanel:
    """Simulate closes from a market + sector + idiosyncratic factor model.

    .. math::

        r_{t,i} = \\beta_i m_t + s_{t,g(i)} + \\varepsilon_{t,i}, \\quad
        m_t \\sim N(\\mu, \\sigma_m^2),\\ s_{t,g} \\sim N(0, \\sigma_s^2),\\
        \\varepsilon_{t,i} \\sim N(0, \\sigma_i^2)

        P_{t,i} = 100 \\prod_{u \\le t} (1 + r_{u,i})

    with :math:`\\mu = 0.03\\%`, :math:`\\sigma_m = 1.1\\%`, :math:`\\sigma_s = 0.6\\%`,
    :math:`\\sigma_i \\sim U(0.8\\%, 2.2\\%)` (0.2 % for ETFs) and
    :math:`\\beta_i \\sim N(1, 0.3^2)` clipped to [0.3, 1.8]. The index column is
    :math:`100 \\prod (1 + m_u)`.

    Parameters
    ----------
    n_symbols : int
        N, the number of synthetic securities (the index comes on top).
    sessions : int
        T, the number of daily closes.
    seed : int
        Seed of the random streams.

    Returns
    -------
    SimulatedPanel
        Symbols, sectors, betas and prices of shape (T, N + 1), index last.
    """
    if n_symbols < 1 or sessions < 1:
        raise ValueError("need at least one symbol and one session")
    rng = _streams(seed)[0]
    sector_of = rng.integers(0, len(GICS_SECTORS), size=n_symbols)
    betas = np.clip(rng.normal(BETA_MEAN, BETA_SD, size=n_symbols), *BETA_RANGE)
    idio_vol = np.where(etf_mask(n_symbols), ETF_IDIO_VOL, rng.uniform(*IDIO_VOL_RANGE, n_symbols))
    market = rng.normal(MARKET_DRIFT, MARKET_VOL, size=sessions)
    sector_returns = rng.normal(0.0, SECTOR_VOL, size=(sessions, len(GICS_SECTORS)))
    returns = np.empty((sessions, n_symbols + 1))
    body = returns[:, :n_symbols]
    body[...] = rng.standard_normal((sessions, n_symbols))
    body *= idio_vol
    body += np.outer(market, betas)
    body += sector_returns[:, sector_of]
    returns[:, n_symbols] = market
    prices = _compound(returns)
    sectors = tuple(GICS_SECTORS[g] for g in sector_of)
    symbols = (*synthetic_symbols(n_symbols), MARKET_INDEX_SYMBOL)
    return SimulatedPanel(symbols, sectors, betas, prices)


def _compound(returns: FloatArray) -> FloatArray:
    """Turn returns (T, M) into price paths starting from 100, in place, 4 decimals."""
    returns += 1.0
    # A row loop over a (T, M) array is several times faster than cumprod(axis=0).
    for t in range(1, returns.shape[0]):
        np.multiply(returns[t], returns[t - 1], out=returns[t])
    returns *= 100.0
    np.round(returns, 4, out=returns)
    np.maximum(returns, PRICE_FLOOR, out=returns)
    return returns


def trading_sessions(days: int, end: date) -> list[date]:
    """The last ``days`` NYSE sessions on or before ``end``."""
    if days < 1:
        raise ValueError("days must be at least 1")
    # ~252 sessions in 365 calendar days; 1.5x plus a margin always covers the range.
    start = end - timedelta(days=math.ceil(days * 1.5) + 30)
    sessions = TradingCalendar(start=start, end=end + timedelta(days=1)).sessions(start, end)
    return sessions[-days:]


def security_rows(panel: SimulatedPanel, seed: int) -> list[dict[str, Any]]:
    """Rows for the securities table: the synthetic names plus the market index."""
    rng = _streams(seed)[1]
    n = len(panel.sectors)
    caps = np.clip(rng.lognormal(math.log(1e10), 1.5, size=n), 2e8, 3e12).round(-3)
    picks = rng.integers(0, 1_000, size=n)
    etfs = etf_mask(n)
    rows = []
    for i, (symbol, sector) in enumerate(zip(panel.symbols[:n], panel.sectors, strict=True)):
        industries = INDUSTRIES[sector]
        rows.append(
            {
                "symbol": symbol,
                "name": f"Synthetic {sector} ETF" if etfs[i] else f"Synthetic Company {symbol}",
                "asset_type": AssetType.ETF if etfs[i] else AssetType.STOCK,
                "sector": sector,
                "industry": None if etfs[i] else industries[picks[i] % len(industries)],
                "market_cap": float(caps[i]),
                "currency": "USD",
                "is_etf": bool(etfs[i]),
            }
        )
    index_row = {
        "symbol": MARKET_INDEX_SYMBOL,
        "name": "S&P 500 (synthetic market factor)",
        "asset_type": AssetType.INDEX,
        "sector": None,
        "industry": None,
        "market_cap": None,
        "currency": "USD",
        "is_etf": False,
    }
    return [*rows, index_row]


@dataclass(frozen=True)
class SyntheticBooks:
    """Positions of P portfolios with K positions each, as (P, K) arrays.

    ``symbol_index`` and ``entry_index`` index the columns and rows of the price panel;
    ``quantity`` is signed (negative for shorts); ``equity`` is in dollars, shape (P,).
    """

    symbol_index: IntArray
    entry_index: IntArray
    quantity: IntArray
    entry_price: FloatArray
    long_short: npt.NDArray[np.bool_]
    equity: tuple[Decimal, ...]


def _sample_without_replacement(
    rng: np.random.Generator, population: int, k: int, rows: int
) -> IntArray:
    """``rows`` independent uniform k-subsets of ``range(population)`` (Floyd's algorithm),
    vectorised across rows: the loop runs over the k columns only."""
    chosen = np.empty((rows, k), dtype=np.int64)
    for column, j in enumerate(range(population - k, population)):
        draw = rng.integers(0, j + 1, size=rows)
        taken = (chosen[:, :column] == draw[:, None]).any(axis=1)
        chosen[:, column] = np.where(taken, j, draw)
    return chosen


def simulate_books(
    prices: FloatArray, n_portfolios: int, n_positions: int, seed: int
) -> SyntheticBooks:
    """Draw long-only and long/short books over the synthetic securities.

    Position values are lognormal weights of a lognormal capital (median $1 M); the
    entry is a random session in the first half of the range at that day's close;
    every :data:`LONG_SHORT_EVERY`-th book shorts :data:`SHORT_FRACTION` of its names.
    Equity is :data:`CASH_BUFFER` times the gross entry value, to the cent.
    """
    sessions, n_symbols = prices.shape[0], prices.shape[1] - 1
    if not 0 <= n_positions <= n_symbols:
        raise ValueError(f"positions per portfolio must be between 0 and {n_symbols}")
    rng = _streams(seed)[2]
    shape = (n_portfolios, n_positions)
    symbol_index = _sample_without_replacement(rng, n_symbols, n_positions, n_portfolios)
    entry_index = rng.integers(0, max(1, sessions // 2), size=shape)
    entry_price = prices[entry_index, symbol_index]
    capital = np.clip(rng.lognormal(math.log(1e6), 1.0, size=n_portfolios), 5e4, 1e8)
    weights = rng.lognormal(0.0, 0.5, size=shape)
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)
    shares = np.maximum(1.0, np.round(capital[:, None] * weights / entry_price))
    long_short = np.arange(n_portfolios) % LONG_SHORT_EVERY == LONG_SHORT_EVERY - 1
    n_short = max(1, round(SHORT_FRACTION * n_positions)) if n_positions >= 2 else 0
    rank = rng.random(shape).argsort(axis=1).argsort(axis=1)
    short = long_short[:, None] & (rank < n_short)
    quantity = np.where(short, -shares, shares).astype(np.int64)
    equity = tuple(
        _equity(qs, ps) for qs, ps in zip(quantity.tolist(), entry_price.tolist(), strict=True)
    )
    return SyntheticBooks(symbol_index, entry_index, quantity, entry_price, long_short, equity)


def _equity(quantities: Sequence[int], prices: Sequence[float]) -> Decimal:
    """Cash-buffered gross entry value, exact in decimals, to the cent."""
    gross = sum(
        (abs(Decimal(q)) * Decimal(str(p)) for q, p in zip(quantities, prices, strict=True)),
        Decimal(0),
    )
    return (CASH_BUFFER * gross).quantize(CENT)


def generate_universe(
    uow_factory: UowFactory,
    *,
    symbols: int,
    portfolios: int,
    positions: int,
    days: int,
    seed: int = 0,
    end: date = DEFAULT_END,
    progress: Progress | None = None,
    symbols_per_chunk: int = 200,
    portfolios_per_chunk: int = 1_000,
) -> SyntheticReport:
    """Fill a migrated database with a synthetic universe; safe to rerun.

    Prices are upserted ``symbols_per_chunk`` symbols per committed unit of work, so
    memory stays bounded by one chunk's rows; users and portfolios that already exist
    (by e-mail, by owner and name) are skipped, and only new portfolios get positions.
    """
    if symbols < 1 or days < 2 or portfolios < 0:
        raise ValueError("need symbols >= 1, days >= 2 and portfolios >= 0")
    if not 0 <= positions <= symbols:
        raise ValueError(f"positions per portfolio must be between 0 and {symbols}")
    sessions = trading_sessions(days, end)
    if len(sessions) < days:
        raise ValueError(f"only {len(sessions)} sessions end on or before {end}")
    panel = simulate_prices(symbols, days, seed)
    with uow_factory() as uow:
        securities = uow.securities.upsert(security_rows(panel, seed))
        uow.commit()
    price_rows = _store_prices(uow_factory, panel, sessions, symbols_per_chunk, progress)
    books = simulate_books(panel.prices, portfolios, positions, seed)
    owners, users_created = _ensure_users(uow_factory, math.ceil(portfolios / PORTFOLIOS_PER_USER))
    created, existing, positions_created = _store_books(
        uow_factory, books, panel, sessions, owners, portfolios_per_chunk, progress
    )
    return SyntheticReport(
        securities=securities,
        price_rows=price_rows,
        users_created=users_created,
        users_existing=len(owners) - users_created,
        portfolios_created=created,
        portfolios_existing=existing,
        positions_created=positions_created,
        first_session=sessions[0],
        last_session=sessions[-1],
    )


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _tracker(progress: Progress | None, description: str, total: int) -> Callable[[], None]:
    """A step counter on ``progress`` (a no-op without one)."""
    if progress is None:
        return lambda: None
    task = progress.add_task(description, total=total)
    return lambda: progress.advance(task)


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    step = max(1, size)
    for start in range(0, total, step):
        yield start, min(total, start + step)


def _store_prices(
    uow_factory: UowFactory,
    panel: SimulatedPanel,
    sessions: Sequence[date],
    chunk: int,
    progress: Progress | None,
) -> int:
    columns = len(panel.symbols)
    advance = _tracker(progress, "prices", math.ceil(columns / max(1, chunk)))
    days = np.array(sessions, dtype=object)
    written = 0
    for lo, hi in _chunks(columns, chunk):
        closes = panel.prices[:, lo:hi].T.ravel()
        frame = pd.DataFrame(
            {
                "symbol": np.repeat(np.array(panel.symbols[lo:hi], dtype=object), len(days)),
                "date": np.tile(days, hi - lo),
                "close": closes,
                "adj_close": closes,
                "source": SOURCE,
            }
        )
        with uow_factory() as uow:
            written += uow.prices.upsert_prices(frame)
            uow.commit()
        advance()
    return written


def bench_email(number: int) -> str:
    return EMAIL_PATTERN.replace("%", f"{number:04d}")


def _ensure_users(uow_factory: UowFactory, count: int) -> tuple[list[int], int]:
    """Ids of bench users 1..count (creating the missing ones) and how many were created."""
    emails = [bench_email(n) for n in range(1, count + 1)]
    query = select(User.email, User.id).where(User.email.like(EMAIL_PATTERN))
    with uow_factory() as uow:
        known = dict(uow.session.execute(query).all())
        missing = [n for n, email in enumerate(emails, start=1) if email not in known]
        if missing:
            password_hash = hash_password(BENCH_PASSWORD)  # Argon2 is slow: hash once.
            rows = [
                {
                    "email": bench_email(n),
                    "password_hash": password_hash,
                    "name": f"Bench User {n:04d}",
                    "created_at": CREATED_AT,
                }
                for n in missing
            ]
            uow.session.execute(insert(_table(User)), rows)
            known = dict(uow.session.execute(query).all())
            uow.commit()
    return [known[e] for e in emails], len(missing)


def _store_books(
    uow_factory: UowFactory,
    books: SyntheticBooks,
    panel: SimulatedPanel,
    sessions: Sequence[date],
    owners: Sequence[int],
    chunk: int,
    progress: Progress | None,
) -> tuple[int, int, int]:
    """Insert the portfolios not yet stored and their positions; returns
    (portfolios created, portfolios existing, positions created)."""
    count = len(books.equity)
    query = select(Portfolio.owner_id, Portfolio.name).where(
        Portfolio.owner_id.in_(sorted(set(owners))),
        Portfolio.name.like(f"{PORTFOLIO_PREFIX}%"),
        Portfolio.deleted_at.is_(None),
    )
    with uow_factory() as uow:
        stored = set(uow.session.execute(query).all()) if owners else set()
    todo = [j for j in range(count) if (_owner(owners, j), _name(j)) not in stored]
    advance = _tracker(progress, "portfolios", math.ceil(len(todo) / max(1, chunk)))
    positions = 0
    for lo, hi in _chunks(len(todo), chunk):
        batch = todo[lo:hi]
        with uow_factory() as uow:
            statement = insert(Portfolio).returning(Portfolio.id, sort_by_parameter_order=True)
            rows = [_portfolio_row(books, owners, j) for j in batch]
            ids = uow.session.execute(statement, rows).scalars().all()
            position_rows = [
                row
                for j, pid in zip(batch, ids, strict=True)
                for row in _position_rows(books, panel, sessions, j, pid)
            ]
            if position_rows:
                uow.session.execute(insert(_table(Position)), position_rows)
            uow.commit()
        positions += len(position_rows)
        advance()
    return len(todo), count - len(todo), positions


def _subtype(column: int) -> InvestmentSubtype:
    """Subtype of the security in panel column ``column`` (see :func:`etf_mask`)."""
    return InvestmentSubtype.ETF if (column + 1) % ETF_EVERY == 0 else InvestmentSubtype.STOCK


def _owner(owners: Sequence[int], j: int) -> int:
    return owners[j // PORTFOLIOS_PER_USER]


def _name(j: int) -> str:
    return f"{PORTFOLIO_PREFIX}{j + 1:05d}"


def _portfolio_row(books: SyntheticBooks, owners: Sequence[int], j: int) -> dict[str, Any]:
    style = "long/short" if books.long_short[j] else "long-only"
    return {
        "owner_id": _owner(owners, j),
        "name": _name(j),
        "account_type": AccountType.TAXABLE,
        "base_currency": "USD",
        "equity_balance": books.equity[j],
        "primary_benchmark": MARKET_INDEX_SYMBOL,
        "description": f"Synthetic {style} equity book.",
        "created_at": CREATED_AT,
        "deleted_at": None,
    }


def _position_rows(
    books: SyntheticBooks, panel: SimulatedPanel, sessions: Sequence[date], j: int, pid: int
) -> list[dict[str, Any]]:
    rows = []
    for column, when, quantity, price in zip(
        books.symbol_index[j].tolist(),
        books.entry_index[j].tolist(),
        books.quantity[j].tolist(),
        books.entry_price[j].tolist(),
        strict=True,
    ):
        rows.append(
            {
                "portfolio_id": pid,
                "symbol": panel.symbols[column],
                "position_type": PositionType.SHORT if quantity < 0 else PositionType.LONG,
                "investment_class": InvestmentClass.PUBLIC,
                "investment_subtype": _subtype(column),
                "quantity": Decimal(quantity),
                "entry_price": Decimal(str(price)),
                "entry_date": sessions[when],
                "created_at": CREATED_AT,
            }
        )
    return rows
