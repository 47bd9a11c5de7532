"""A portfolio's benchmarks: list, add (validated, all or nothing), remove.

A portfolio without stored benchmarks is compared with its ``primary_benchmark`` symbol
(the S&P 500 by default). The first benchmark added stores that default beside it, so
the default is not lost silently; exactly one benchmark is primary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from sigmasight.services.analytics._common import owned_portfolio
from sigmasight.services.analytics.views import UowFactory
from sigmasight.storage.history_performance import BENCHMARK_NAME, PortfolioBenchmark
from sigmasight.storage.models import DailyPrice, Portfolio
from sigmasight.storage.uow import UnitOfWork

#: Closes a benchmark leg needs before it can be attached.
MIN_PRICE_ROWS = 2
#: Tolerance of the weights' sum.
WEIGHT_TOLERANCE = 1e-9
REBALANCING = ("daily", "monthly")


class BenchmarkError(ValueError):
    """A benchmark that cannot be attached; ``code`` is the API's stable code."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code, self.details = code, details


class BenchmarkNotFoundError(LookupError):
    pass


@dataclass(frozen=True)
class BenchmarkLeg:
    symbol: str
    weight: float


@dataclass(frozen=True)
class BenchmarkView:
    id: int | None  # None: the portfolio's default, not stored
    name: str
    legs: tuple[BenchmarkLeg, ...]
    rebalance: str
    is_primary: bool


def _stored(uow: UnitOfWork, portfolio_id: int) -> list[PortfolioBenchmark]:
    query = (
        select(PortfolioBenchmark)
        .where(PortfolioBenchmark.portfolio_id == portfolio_id)
        .order_by(PortfolioBenchmark.id)
    )
    return list(uow.session.scalars(query))


def _view(b: PortfolioBenchmark) -> BenchmarkView:
    legs = tuple(BenchmarkLeg(leg["symbol"], float(leg["weight"])) for leg in b.legs)
    return BenchmarkView(b.id, b.name, legs, b.rebalance, b.is_primary)


def _default(portfolio: Portfolio) -> BenchmarkView:
    symbol = portfolio.primary_benchmark
    return BenchmarkView(None, symbol, (BenchmarkLeg(symbol, 1.0),), "daily", True)


def primary_benchmark_name(uow: UnitOfWork, portfolio: Portfolio) -> str:
    primary = [b for b in _stored(uow, portfolio.id) if b.is_primary]
    return primary[0].name if primary else portfolio.primary_benchmark


def list_benchmarks(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int
) -> list[BenchmarkView]:
    with uow_factory() as uow:
        portfolio = owned_portfolio(uow, owner_id, portfolio_id)
        stored = _stored(uow, portfolio_id)
        return [_view(b) for b in stored] if stored else [_default(portfolio)]


def _validate(
    uow: UnitOfWork, legs: Sequence[BenchmarkLeg], rebalance: str
) -> tuple[BenchmarkLeg, ...]:
    if not legs:
        raise BenchmarkError("INVALID_BENCHMARK", "a benchmark needs at least one symbol")
    if rebalance not in REBALANCING:
        raise BenchmarkError("INVALID_BENCHMARK", "rebalance must be 'daily' or 'monthly'")
    symbols = [leg.symbol.strip().upper() for leg in legs]
    if len(set(symbols)) != len(symbols):
        raise BenchmarkError("INVALID_BENCHMARK", "a symbol appears twice in the blend")
    weights = [leg.weight for leg in legs]
    if any(not math.isfinite(w) or w <= 0 for w in weights):
        raise BenchmarkError("INVALID_WEIGHTS", "every weight must be a positive number")
    if abs(math.fsum(weights) - 1.0) > WEIGHT_TOLERANCE:
        raise BenchmarkError(
            "WEIGHTS_NOT_ONE",
            f"the weights sum to {math.fsum(weights):.10g}, not 1",
            {"sum": math.fsum(weights)},
        )
    known = {s.symbol for s in uow.securities.find(symbols)}
    unknown = [s for s in symbols if s not in known]
    if unknown:
        raise BenchmarkError(
            "UNKNOWN_SYMBOL", f"unknown symbol(s): {', '.join(unknown)}", {"symbols": unknown}
        )
    counts = dict(
        uow.session.execute(
            select(DailyPrice.symbol, func.count())
            .where(DailyPrice.symbol.in_(symbols))
            .group_by(DailyPrice.symbol)
        ).all()
    )
    bare = [s for s in symbols if counts.get(s, 0) < MIN_PRICE_ROWS]
    if bare:
        raise BenchmarkError(
            "NO_PRICE_HISTORY", f"no price history for {', '.join(bare)}", {"symbols": bare}
        )
    return tuple(BenchmarkLeg(s, w) for s, w in zip(symbols, weights, strict=True))


def _blend_name(legs: Sequence[BenchmarkLeg]) -> str:
    if len(legs) == 1:
        return legs[0].symbol
    return " / ".join(f"{round(100 * leg.weight, 2):g}% {leg.symbol}" for leg in legs)


def add_benchmark(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    legs: Sequence[BenchmarkLeg],
    rebalance: str = "daily",
    name: str | None = None,
    is_primary: bool = False,
) -> BenchmarkView:
    """Attach a symbol or a fixed-weight blend; nothing is written unless it is valid."""
    with uow_factory() as uow:
        portfolio = owned_portfolio(uow, owner_id, portfolio_id)
        clean = _validate(uow, legs, rebalance)
        label = (name or "").strip() or _blend_name(clean)
        if len(label) > BENCHMARK_NAME:
            raise BenchmarkError("INVALID_BENCHMARK", f"name longer than {BENCHMARK_NAME}")
        stored = _stored(uow, portfolio_id)
        if not stored:  # keep the implicit default beside the new one
            default = _default(portfolio)
            if default.name != label:
                stored.append(_add(uow, portfolio_id, default.name, default.legs, "daily", True))
        if any(b.name == label for b in stored):
            raise BenchmarkError("DUPLICATE_BENCHMARK", f"benchmark {label!r} already attached")
        primary = is_primary or not any(b.is_primary for b in stored)
        if primary:
            for b in stored:
                b.is_primary = False
        added = _add(uow, portfolio_id, label, clean, rebalance, primary)
        uow.commit()
        return _view(added)


def _add(
    uow: UnitOfWork,
    portfolio_id: int,
    name: str,
    legs: Sequence[BenchmarkLeg],
    rebalance: str,
    primary: bool,
) -> PortfolioBenchmark:
    row = PortfolioBenchmark(
        portfolio_id=portfolio_id,
        name=name,
        legs=[{"symbol": leg.symbol, "weight": leg.weight} for leg in legs],
        rebalance=rebalance,
        is_primary=primary,
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def remove_benchmark(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, benchmark_id: int
) -> None:
    """Detach a benchmark; when it was primary, the oldest remaining one becomes primary
    (none left: the portfolio's default symbol again)."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        stored = _stored(uow, portfolio_id)
        found = next((b for b in stored if b.id == benchmark_id), None)
        if found is None:
            raise BenchmarkNotFoundError(benchmark_id)
        uow.session.delete(found)
        rest = [b for b in stored if b.id != benchmark_id]
        if found.is_primary and rest:
            rest[0].is_primary = True
        uow.commit()
