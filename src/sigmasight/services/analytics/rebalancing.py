"""Rebalancing proposals of a date: the book from stored positions and marks, the
portfolio's targets, and one proposal per variant with its trades and before/after risk.

The book is what the risk views hold on ``as_of`` (:func:`load_book`): weights are
delta-adjusted exposure over the snapshot's NAV, cash is the snapshot's. Stocks and ETFs
with a mark are tradable and aggregated per symbol; options and private holdings are
kept as they are (their exposure counts in the weights). Before/after figures use the
ex-ante convention of the risk-metrics family: the holdings' weights on the
:data:`~sigmasight.analytics.risk_metrics.EX_ANTE_WINDOW` sessions of adjusted returns up
to ``as_of``; beta is the weighted beta (Σ weight × the security's stored beta). The
targets are the versions valid on ``as_of`` (targets are point in time).

The events the batch triggers carry :func:`event_proposal`: the same computation for the
event's date, stored as :func:`proposal_json`, so an event shows what this view shows for
that date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select

from sigmasight.analytics import rebalancing as rb
from sigmasight.analytics import risk_metrics as rm
from sigmasight.analytics.rebalancing_optimisers import VARIANTS, propose_optimised
from sigmasight.analytics.returns import portfolio_returns, simple_returns
from sigmasight.analytics.sectors import BUCKETS, bucket_codes
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR
from sigmasight.domain.enums import InvestmentClass
from sigmasight.domain.rebalancing import TargetLevel
from sigmasight.services.analytics._common import (
    Context,
    load_context,
    num,
    reference_symbol,
    snapshot_of,
)
from sigmasight.services.analytics.betas import stored_betas
from sigmasight.services.analytics.valuation import load_book
from sigmasight.services.analytics.views import PRICE_LOOKBACK_DAYS, UowFactory
from sigmasight.storage.history_repository import HistoryRepository
from sigmasight.storage.models import Portfolio, Position
from sigmasight.storage.rebalancing import PortfolioTarget, targets_on
from sigmasight.storage.uow import UnitOfWork

SIMPLE = "back_to_target"
#: Every variant served, the simple one first.
ALL_VARIANTS = (SIMPLE, *VARIANTS)
#: Calendar days of closes read for the ex-ante window (504 sessions ~ 732 days).
RETURN_LOOKBACK_DAYS = 800
#: An optimiser variant without enough history to estimate the covariance.
NO_RETURNS = "NO_RETURNS"


@dataclass(frozen=True)
class Instruments:
    """The book as the kernels see it, with what the views need beside it."""

    book: rb.Book
    symbol: list[str]  # (N,) symbol (an option's OCC symbol; private: its symbol)
    ref: list[str | None]  # (N,) reference symbol (underlying), None for private
    lots: list[list[tuple[float, float]]]  # (N,) (quantity, entry price), oldest first
    sector: np.ndarray  # (N,) index into BUCKETS
    asset_class: list[str]
    tags: list[set[str]]


@dataclass(frozen=True)
class RiskSide:
    weights: dict[str, float]  # per target key
    holdings: dict[str, float]  # per symbol
    sector_exposure: dict[str, float]  # net exposure / NAV per sector bucket
    volatility: float | None
    beta: float | None
    var_95: float | None
    nav: float


@dataclass(frozen=True)
class TradeView:
    symbol: str
    side: str
    quantity: float
    price: float
    notional: float
    cost: float
    realized_gain: float


@dataclass(frozen=True)
class ProposalView:
    variant: str
    feasible: bool
    reasons: list[str]
    trades: list[TradeView]
    before: RiskSide
    after: RiskSide
    turnover: float | None
    cash_after: float


@dataclass(frozen=True)
class ProposalsView:
    portfolio_id: int
    as_of: date
    constraints: dict[str, Any]
    proposals: list[ProposalView] = field(default_factory=list)


def _instruments(uow: UnitOfWork, ctx: Any, targets: list[PortfolioTarget]) -> Instruments:
    book = load_book(uow, ctx.history, ctx.portfolio.id, ctx.as_of)
    rows: dict[str, dict[str, Any]] = {}
    for p, mark in zip(book.held, book.marks, strict=True):
        public = p.investment_class is InvestmentClass.PUBLIC and mark.price is not None
        key = p.symbol if public else f"{p.symbol}#{p.id}"
        row = rows.setdefault(key, {"lots": [], "q": 0.0, "v": 0.0, "e": 0.0, "p": mark.price})
        row.update(symbol=p.symbol, ref=reference_symbol(p), tradable=public)
        row["class"], row["lots"] = p.investment_class.value, [*row["lots"], p]
        row["q"] += float(p.quantity)
        row["v"] += mark.value or 0.0
        row["e"] += mark.exposure or 0.0
    wanted = {t.key for t in targets if t.level is TargetLevel.SYMBOL} - rows.keys()
    closes = ctx.history.latest_closes(wanted, ctx.as_of, lookback_days=PRICE_LOOKBACK_DAYS)
    for symbol, (_, close) in closes.items():
        rows[symbol] = {"lots": [], "q": 0.0, "v": 0.0, "e": 0.0, "p": close, "symbol": symbol}
        rows[symbol].update(ref=symbol, tradable=True, **{"class": InvestmentClass.PUBLIC.value})
    items = list(rows.values())
    refs = sorted({r["ref"] for r in items if r["ref"]})
    securities = {s.symbol: s for s in uow.securities.find(refs)}
    sectors = [securities[r["ref"]].sector if r["ref"] in securities else None for r in items]
    etf = [bool(r["ref"] in securities and securities[r["ref"]].is_etf) for r in items]
    q = np.array([r["q"] for r in items])
    safe_q = np.where(q != 0, q, 1.0)
    price = np.array([r["p"] if r["p"] is not None else math.nan for r in items], float)
    tradable = np.array([r["tradable"] for r in items], bool)
    return Instruments(
        book=rb.Book(
            quantity=q,
            price=np.where(np.isfinite(price), price, 1.0),
            exposure_per_unit=np.where(tradable, price, [r["e"] for r in items] / safe_q),
            value_per_unit=np.where(tradable, price, [r["v"] for r in items] / safe_q),
            tradable=tradable,
            lot_size=np.ones(len(items)),
            cash=float(ctx.snapshot.cash),
        ),
        symbol=[r["symbol"] for r in items],
        ref=[r["ref"] for r in items],
        lots=[_lot_terms(r["lots"]) for r in items],
        sector=bucket_codes(np.array(sectors, dtype=object), etf) if items else np.zeros(0, int),
        asset_class=[r["class"] for r in items],
        tags=[{t.name for p in r["lots"] for t in p.tags} for r in items],
    )


def _lot_terms(lots: list[Position]) -> list[tuple[float, float]]:
    """(quantity, entry price) of the lots, oldest first (the FIFO order)."""
    ordered = sorted(lots, key=lambda p: (p.entry_date, p.id))
    return [(float(p.quantity), float(p.entry_price)) for p in ordered]


def _targets(inst: Instruments, rows: list[PortfolioTarget]) -> rb.Targets:
    """Each instrument's target (the first that covers it; validation forbids two)."""
    keys = {
        TargetLevel.SYMBOL: lambda i: {inst.symbol[i]} if inst.book.tradable[i] else set(),
        TargetLevel.SECTOR: lambda i: {BUCKETS[inst.sector[i]]} if inst.ref[i] else set(),
        TargetLevel.ASSET_CLASS: lambda i: {inst.asset_class[i]},
        TargetLevel.TAG: lambda i: inst.tags[i],
    }
    group = np.full(len(inst.symbol), -1, dtype=np.int64)
    for k, t in enumerate(rows):
        for i in range(group.size):
            if group[i] < 0 and t.key in keys[t.level](i):
                group[i] = k
    return rb.Targets(
        weight=np.array([t.target_weight for t in rows]),
        lower=np.array([t.min_weight for t in rows]),
        upper=np.array([t.max_weight for t in rows]),
        group=group,
    )


def _returns(uow: UnitOfWork, refs: list[str], day: date) -> np.ndarray:
    """Adjusted daily returns (window, R) of ``refs`` up to ``day``, oldest first."""
    if not refs:
        return np.zeros((0, 0))
    start = day - timedelta(days=RETURN_LOOKBACK_DAYS)
    panel = uow.prices.close_panel(refs, start, day).to_numpy()
    return simple_returns(panel)[-rm.EX_ANTE_WINDOW :] if panel.shape[0] > 1 else panel[:0]


def _side(
    inst: Instruments,
    targets: rb.Targets,
    rows: list[PortfolioTarget],
    quantity: np.ndarray,
    nav: float,
    market: dict[str, Any],
) -> RiskSide:
    exposure = quantity * inst.book.exposure_per_unit
    w = exposure / nav if nav > 0 else np.full(exposure.size, math.nan)
    weights = rb.group_weights(inst.book, targets, quantity, nav)
    refs: list[str] = market["refs"]
    col = np.array([refs.index(r) if r else -1 for r in inst.ref], dtype=np.int64)
    by_ref = np.bincount(col[col >= 0], weights=w[col >= 0], minlength=len(refs))
    series = portfolio_returns(by_ref[None, :], market["returns"])[:, 0]
    finite = series[np.isfinite(series)]
    enough = finite.size >= rm.EX_ANTE_MIN_OBS
    betas = np.array([market["betas"].get(r, math.nan) for r in refs])
    known = np.isfinite(betas)
    sectors = np.bincount(inst.sector[col >= 0], weights=w[col >= 0], minlength=len(BUCKETS))
    return RiskSide(
        weights={t.key: float(x) for t, x in zip(rows, weights, strict=True)},
        holdings={s: float(x) for s, x in zip(inst.symbol, w, strict=True) if x != 0},
        sector_exposure={b: float(x) for b, x in zip(BUCKETS, sectors, strict=True) if x != 0},
        volatility=num(float(np.std(finite, ddof=1) * math.sqrt(TRADING_DAYS_PER_YEAR)))
        if enough
        else None,
        beta=num(float(by_ref[known] @ betas[known])) if known.any() else None,
        var_95=num(float(rm.historical_var(finite, 0.95).var)) if enough else None,
        nav=nav,
    )


def _trades(inst: Instruments, prop: rb.Proposal) -> list[TradeView]:
    lots = [(i, q, p) for i, group in enumerate(inst.lots) for q, p in group]
    gain = rb.fifo_realized_gain(
        prop.trade,
        inst.book.price,
        np.array([i for i, _, _ in lots], dtype=np.int64),
        np.array([q for _, q, _ in lots]),
        np.array([p for _, _, p in lots]),
    )
    return [
        TradeView(
            symbol=inst.symbol[i],
            side="buy" if prop.trade[i] > 0 else "sell",
            quantity=float(abs(prop.trade[i])),
            price=float(inst.book.price[i]),
            notional=float(abs(prop.notional[i])),
            cost=float(prop.cost[i]),
            realized_gain=float(gain[i]),
        )
        for i in np.flatnonzero(prop.trade)
    ]


def proposals(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    constraints: rb.Constraints | None = None,
    variants: tuple[str, ...] = ALL_VARIANTS,
) -> ProposalsView:
    """One proposal per variant for the portfolio's targets on ``as_of`` (none without
    targets)."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        return _proposals(uow, ctx, constraints or rb.Constraints(), variants)


def _proposals(
    uow: UnitOfWork, ctx: Context, constraints: rb.Constraints, variants: tuple[str, ...]
) -> ProposalsView:
    rows = targets_on(uow.session, ctx.portfolio.id, ctx.as_of)
    view = ProposalsView(ctx.portfolio.id, ctx.as_of, vars(constraints).copy())
    if not rows:
        return view
    inst = _instruments(uow, ctx, rows)
    targets = _targets(inst, rows)
    refs = sorted({r for r in inst.ref if r})
    betas = {s: b.beta for s, b in stored_betas(ctx.history, set(refs), ctx.as_of).items()}
    market = {"refs": refs, "returns": _returns(uow, refs, ctx.as_of), "betas": betas}
    # Inside the unit of work: leaving it expires the target rows the views read.
    for variant in variants:
        view.proposals.append(_proposal(inst, targets, rows, constraints, market, variant))
    return view


def event_proposal(
    uow: UnitOfWork, portfolio_id: int, day: date, constraints: rb.Constraints
) -> dict[str, Any] | None:
    """The back-to-target proposal of ``day`` as :func:`proposals` computes it, as the
    JSON an event stores (None without targets valid on ``day``). For the batch, which
    has no owner to scope by: the caller knows the portfolio."""
    portfolio = uow.session.get(Portfolio, portfolio_id)
    if portfolio is None:
        raise ValueError(f"no portfolio {portfolio_id}")
    history = HistoryRepository(uow.session)
    ctx = Context(portfolio, snapshot_of(history, portfolio_id, day), history)
    view = _proposals(uow, ctx, constraints, (SIMPLE,))
    return proposal_json(view.proposals[0]) if view.proposals else None


def proposal_json(view: ProposalView) -> dict[str, Any]:
    """A proposal as an event stores it: what the proposals route serves, as JSON."""

    def side(s: RiskSide) -> dict[str, Any]:
        return {
            "weights": s.weights,
            "holdings": s.holdings,
            "sector_exposure": s.sector_exposure,
            "volatility": s.volatility,
            "beta": s.beta,
            "var_95": s.var_95,
            "nav": s.nav,
        }

    return {
        "variant": view.variant,
        "feasible": view.feasible,
        "reasons": view.reasons,
        "trades": [vars(t).copy() for t in view.trades],
        "before": side(view.before),
        "after": side(view.after),
        "turnover": view.turnover,
        "cash_after": view.cash_after,
    }


def _no_returns(
    book: rb.Book, targets: rb.Targets, constraints: rb.Constraints, n: int
) -> rb.Proposal:
    nothing = rb.evaluate(book, targets, np.zeros_like(book.quantity), constraints)
    message = f"{n} sessions with every held return, fewer than {rm.EX_ANTE_MIN_OBS}"
    reason = rb.Reason(NO_RETURNS, -1, message)
    return rb.Proposal(**{**vars(nothing), "feasible": False, "reasons": (reason,)})


def _proposal(
    inst: Instruments,
    targets: rb.Targets,
    rows: list[PortfolioTarget],
    constraints: rb.Constraints,
    market: dict[str, Any],
    variant: str,
) -> ProposalView:
    book = inst.book
    if variant == SIMPLE:
        prop = rb.propose(book, targets, constraints)
    else:
        col = [
            market["refs"].index(s) if t else 0
            for s, t in zip(inst.ref, book.tradable, strict=True)
        ]
        returns = market["returns"][:, col] if market["returns"].size else np.zeros((0, len(col)))
        usable = returns[np.isfinite(returns).all(axis=1)]
        if usable.shape[0] < rm.EX_ANTE_MIN_OBS:
            prop = _no_returns(book, targets, constraints, usable.shape[0])
        else:
            prop = propose_optimised(book, targets, constraints, usable, variant)
    return ProposalView(
        variant=variant,
        feasible=prop.feasible,
        reasons=[f"{r.code}: {r.message}" for r in prop.reasons],
        trades=_trades(inst, prop),
        before=_side(inst, targets, rows, book.quantity, book.nav, market),
        after=_side(inst, targets, rows, book.quantity + prop.trade, prop.nav_after, market),
        turnover=num(prop.turnover),
        cash_after=prop.cash_after,
    )


@dataclass(frozen=True)
class DriftPoint:
    day: date
    weight: float
    in_band: bool
    breach: bool


@dataclass(frozen=True)
class TargetDrift:
    """A target and its stored drift history up to the date asked (oldest first)."""

    level: str
    key: str
    target_weight: float
    min_weight: float
    max_weight: float
    history: list[DriftPoint]
    #: the version of the target valid on the date asked: from (inclusive), to (exclusive;
    #: None while it is the current one)
    effective_from: date | None = None
    effective_to: date | None = None

    @property
    def latest(self) -> DriftPoint | None:
        return self.history[-1] if self.history else None


def drift_history(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> tuple[date, list[TargetDrift]]:
    """The portfolio's targets with the drift the batch stored for them up to ``as_of``
    (default: the latest snapshot)."""
    from sigmasight.storage.rebalancing import PortfolioTargetDrift as Drift

    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        targets = targets_on(uow.session, portfolio_id, ctx.as_of)
        rows = uow.session.execute(
            select(
                Drift.level, Drift.key, Drift.calc_date, Drift.weight, Drift.in_band, Drift.breach
            )
            .where(Drift.portfolio_id == portfolio_id, Drift.calc_date <= ctx.as_of)
            .order_by(Drift.calc_date)
        ).all()
        points: dict[tuple[str, str], list[DriftPoint]] = {}
        for level, key, day, weight, in_band, breach in rows:
            points.setdefault((level, key), []).append(DriftPoint(day, weight, in_band, breach))
        out = [
            TargetDrift(
                t.level.value,
                t.key,
                t.target_weight,
                t.min_weight,
                t.max_weight,
                points.get((t.level.value, t.key), []),
                t.effective_from,
                t.effective_to,
            )
            for t in targets
        ]
        return ctx.as_of, out
