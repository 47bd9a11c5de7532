"""The synthetic universe: factor-model prices, books, bulk storage, idempotent reruns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import typer
from rich.progress import Progress
from sqlalchemy import func, select
from typer.testing import CliRunner

from sigmasight.cli import bench
from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.domain.enums import AssetType, InvestmentSubtype, PositionType
from sigmasight.marketdata.models import GICS_SECTORS
from sigmasight.services.passwords import verify_password
from sigmasight.services.synthetic import (
    BENCH_PASSWORD,
    MARKET_VOL,
    SyntheticReport,
    generate_universe,
    simulate_books,
    simulate_prices,
    trading_sessions,
)
from sigmasight.storage.models import DailyPrice, Portfolio, Position, Security, User
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
N, P, K, T = 30, 12, 5, 300
SEED = 7
END = date(2022, 12, 28)
POSITION_COLUMNS = (
    "symbol",
    "quantity",
    "entry_price",
    "entry_date",
    "position_type",
    "investment_subtype",
)


def _generate(uow_factory: UowFactory, progress: Progress | None = None) -> SyntheticReport:
    # Small chunks so both chunk loops run several times, with a partial last chunk.
    return generate_universe(
        uow_factory,
        symbols=N,
        portfolios=P,
        positions=K,
        days=T,
        seed=SEED,
        end=END,
        progress=progress,
        symbols_per_chunk=8,
        portfolios_per_chunk=5,
    )


def _counts(uow_factory: UowFactory) -> dict[str, int]:
    with uow_factory() as uow:
        return {
            model.__tablename__: uow.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (User, Portfolio, Position, Security, DailyPrice)
        }


# --- pure simulation ------------------------------------------------------------------


def test_simulate_prices_shape_symbols_rounding_and_determinism() -> None:
    panel = simulate_prices(N, T, seed=SEED)
    assert panel.prices.shape == (T, N + 1)
    assert panel.symbols[:2] == ("S0001", "S0002")
    assert panel.symbols[N - 1] == "S0030"
    assert panel.symbols[-1] == MARKET_INDEX_SYMBOL
    assert len(panel.sectors) == N
    assert set(panel.sectors) <= set(GICS_SECTORS)
    assert panel.betas.shape == (N,)
    assert ((panel.betas >= 0.3) & (panel.betas <= 1.8)).all()
    assert (panel.prices > 0).all()
    np.testing.assert_array_equal(panel.prices, np.round(panel.prices, 4))

    again = simulate_prices(N, T, seed=SEED)
    np.testing.assert_array_equal(again.prices, panel.prices)
    np.testing.assert_array_equal(again.betas, panel.betas)
    assert again.sectors == panel.sectors
    assert not np.array_equal(simulate_prices(N, T, seed=SEED + 1).prices, panel.prices)
    assert simulate_prices(10_000, 2).symbols[0] == "S00001"


def test_index_is_the_compounded_market_factor_with_its_volatility() -> None:
    prices = simulate_prices(5, 2_520, seed=SEED).prices[:, -1]
    returns = np.diff(prices) / prices[:-1]
    # Sample std of 2,519 normal draws: relative standard error 1/sqrt(2T) ~ 1.4 %.
    assert abs(returns.std(ddof=1) / MARKET_VOL - 1.0) < 0.05
    assert abs(prices[0] - 100.0) < 100.0 * 6 * MARKET_VOL


def test_ols_on_the_index_recovers_the_simulated_betas() -> None:
    panel = simulate_prices(N, 2_520, seed=SEED)
    returns = np.diff(panel.prices, axis=0) / panel.prices[:-1]
    x, y = returns[:, -1], returns[:, :-1]
    xc, yc = x - x.mean(), y - y.mean(axis=0)
    beta_hat = xc @ yc / (xc @ xc)
    residuals = yc - np.outer(xc, beta_hat)
    se = np.sqrt((residuals**2).sum(axis=0) / (x.size - 2) / (xc @ xc))
    z = (beta_hat - panel.betas) / se
    assert np.abs(z).max() < 4.0
    assert np.abs(beta_hat - panel.betas).max() < 0.15
    assert np.corrcoef(beta_hat, panel.betas)[0, 1] > 0.95


def test_books_sample_without_replacement_and_short_a_fifth_of_every_third_book() -> None:
    prices = simulate_prices(40, 100, seed=SEED).prices
    books = simulate_books(prices, 300, 30, seed=SEED)
    for row in books.symbol_index:
        assert len(set(row.tolist())) == 30
    assert books.symbol_index.min() >= 0
    assert books.symbol_index.max() < 40  # never the index column
    shorts = (books.quantity < 0).sum(axis=1)
    np.testing.assert_array_equal(shorts, np.where(np.arange(300) % 3 == 2, 6, 0))
    assert books.entry_index.max() < 50
    np.testing.assert_array_equal(books.entry_price, prices[books.entry_index, books.symbol_index])
    # Floyd's algorithm gives uniform subsets: each of 40 symbols is held 300*30/40 = 225
    # times in expectation (binomial sd ~ 7.5).
    held = np.bincount(books.symbol_index.ravel(), minlength=40)
    assert np.abs(held - 225).max() < 40


def test_invalid_sizes_are_refused(uow_factory: UowFactory) -> None:
    with pytest.raises(ValueError, match="between 0 and 30"):
        generate_universe(uow_factory, symbols=30, portfolios=1, positions=31, days=10)
    with pytest.raises(ValueError, match="days >= 2"):
        generate_universe(uow_factory, symbols=30, portfolios=1, positions=3, days=1)
    assert sum(_counts(uow_factory).values()) == 0


# --- stored universe ------------------------------------------------------------------


def test_generated_universe_has_the_requested_rows(uow_factory: UowFactory) -> None:
    report = _generate(uow_factory)
    sessions = trading_sessions(T, END)
    assert (report.first_session, report.last_session) == (sessions[0], sessions[-1])
    assert report.last_session == END
    assert _counts(uow_factory) == {
        "users": 1,
        "portfolios": P,
        "positions": P * K,
        "securities": N + 1,
        "daily_prices": (N + 1) * T,
    }
    assert (report.securities, report.price_rows) == (N + 1, (N + 1) * T)
    assert (report.users_created, report.portfolios_created, report.positions_created) == (
        1,
        P,
        P * K,
    )
    with uow_factory() as uow:
        user = uow.users.get_by_email("bench-user-0001@sigmasight.invalid")
        assert user is not None
        assert verify_password(user.password_hash, BENCH_PASSWORD)
        securities = {s.symbol: (s.asset_type, s.is_etf, s.sector) for s in uow.securities.find()}
        stock = uow.securities.get("S0001")
        assert stock is not None
        assert stock.name == "Synthetic Company S0001"
        assert stock.industry is not None
        assert stock.market_cap is not None
        assert 2e8 <= stock.market_cap <= 3e12
    assert securities[MARKET_INDEX_SYMBOL] == (AssetType.INDEX, False, None)
    assert {s for s, (_, etf, _) in securities.items() if etf} == {"S0025"}
    assert securities["S0025"][0] is AssetType.ETF
    assert securities["S0001"][0] is AssetType.STOCK
    assert all(securities[s][2] in GICS_SECTORS for s in securities if s.startswith("S"))


def test_stored_prices_are_the_simulated_panel(uow_factory: UowFactory) -> None:
    report = _generate(uow_factory)
    panel = simulate_prices(N, T, seed=SEED)
    with uow_factory() as uow:
        stored = uow.prices.close_panel(panel.symbols, report.first_session, END)
        sources = set(uow.session.scalars(select(DailyPrice.source).distinct()))
    assert stored.index.tolist() == trading_sessions(T, END)
    np.testing.assert_array_equal(stored.to_numpy(), panel.prices)
    assert sources == {"synthetic"}


def test_books_are_realistic_and_entries_match_stored_closes(uow_factory: UowFactory) -> None:
    report = _generate(uow_factory)
    half = trading_sessions(T, END)[T // 2]
    query = (
        select(
            Portfolio.name,
            Portfolio.equity_balance,
            *(Position.__table__.c[c] for c in POSITION_COLUMNS),
            DailyPrice.close,
        )
        .join(Position, Position.portfolio_id == Portfolio.id)
        .join(
            DailyPrice,
            (DailyPrice.symbol == Position.symbol) & (DailyPrice.date == Position.entry_date),
        )
        .order_by(Portfolio.name, Position.id)
    )
    with uow_factory() as uow:
        rows = uow.session.execute(query).all()
    assert len(rows) == P * K  # every entry date is a stored session of its symbol
    by_book: dict[str, list[Any]] = {}
    for name, _, *fields, close in rows:
        position = SimpleNamespace(**dict(zip(POSITION_COLUMNS, fields, strict=True)))
        by_book.setdefault(name, []).append(position)
        assert position.entry_price == Decimal(str(close))
        assert report.first_session <= position.entry_date < half
        assert (position.quantity < 0) == (position.position_type is PositionType.SHORT)
        etf = position.symbol == "S0025"
        assert (position.investment_subtype is InvestmentSubtype.ETF) == etf
    equity_of = {row[0]: row[1] for row in rows}
    assert sorted(by_book) == [f"Synthetic {j:05d}" for j in range(1, P + 1)]
    shorts = {name: sum(p.quantity < 0 for p in book) for name, book in by_book.items()}
    assert shorts == {f"Synthetic {j:05d}": (1 if j % 3 == 0 else 0) for j in range(1, P + 1)}
    for name, book in by_book.items():
        assert max(Counter(p.symbol for p in book).values()) == 1
        gross = sum(abs(p.quantity) * p.entry_price for p in book)
        assert equity_of[name] == (gross * Decimal("1.05")).quantize(Decimal("0.01"))


def test_rerun_adds_nothing_and_progress_counts_chunks(uow_factory: UowFactory) -> None:
    with Progress(disable=True) as progress:
        _generate(uow_factory, progress)
    first_tasks = [(t.description, t.completed, t.total) for t in progress.tasks]
    assert first_tasks == [("prices", 4, 4), ("portfolios", 3, 3)]
    before = _counts(uow_factory)
    with uow_factory() as uow:
        positions_before = uow.session.execute(
            select(Position.symbol, Position.quantity, Position.entry_date).order_by(Position.id)
        ).all()

    again = _generate(uow_factory)
    assert _counts(uow_factory) == before
    assert (again.users_created, again.users_existing) == (0, 1)
    assert (again.portfolios_created, again.portfolios_existing) == (0, P)
    assert again.positions_created == 0
    with uow_factory() as uow:
        positions_after = uow.session.execute(
            select(Position.symbol, Position.quantity, Position.entry_date).order_by(Position.id)
        ).all()
    assert positions_after == positions_before


def test_cli_generates_and_prints_a_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIGMASIGHT_DATABASE_URL", raising=False)
    root = typer.Typer()
    root.add_typer(bench.app, name="bench")
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    args = ["bench", "generate", "--symbols", "12", "--portfolios", "3", "--positions", "4"]
    result = CliRunner().invoke(root, [*args, "--days", "60", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "Synthetic universe" in result.stdout
    assert "780" in result.stdout  # 13 series x 60 sessions

    result = CliRunner().invoke(root, [*args, "--days", "60", "--end", "2022-02-30"])
    assert result.exit_code == 2
    assert "bad date" in result.output
