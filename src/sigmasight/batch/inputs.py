"""Everything one batch computation needs, as arrays (no ORM objects past this point)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Lot kinds.
PUBLIC, OPTION, PRIVATE = 0, 1, 2


@dataclass(frozen=True)
class Lots:
    """Every position lot of the portfolios in a run, arrays of shape (M,)."""

    position_id: IntArray
    portfolio: IntArray  # row in Portfolios
    symbol: npt.NDArray[np.object_]
    column: IntArray  # price column of the instrument or its underlying; -1 for private
    kind: IntArray  # PUBLIC / OPTION / PRIVATE
    position_type: npt.NDArray[np.str_]
    investment_class: npt.NDArray[np.str_]
    quantity: FloatArray  # signed
    entry_price: FloatArray
    entry_date: npt.NDArray[np.datetime64]
    exit_price: FloatArray  # NaN when open
    exit_date: npt.NDArray[np.datetime64]  # NaT when open
    strike: FloatArray
    expiry: npt.NDArray[np.datetime64]
    is_call: npt.NDArray[np.bool_]
    #: A bond holding's modified duration (years) and convexity (years squared); NaN: none
    modified_duration: FloatArray
    convexity: FloatArray

    def take(self, mask: npt.NDArray[np.bool_], portfolio_map: IntArray) -> Lots:
        """The lots selected by ``mask`` with portfolio rows renumbered by ``portfolio_map``."""
        fields = {name: getattr(self, name)[mask] for name in self.__dataclass_fields__}
        fields["portfolio"] = portfolio_map[self.portfolio[mask]]
        return Lots(**fields)


@dataclass(frozen=True)
class Portfolios:
    """Portfolios of a run, arrays of shape (P,)."""

    id: IntArray
    name: npt.NDArray[np.object_]
    equity: FloatArray  # starting equity (equity balance at inception)
    benchmark: npt.NDArray[np.object_]


@dataclass(frozen=True)
class Flow:
    portfolio: int  # row
    day: date
    amount: float  # contribution positive, withdrawal negative


@dataclass(frozen=True)
class BenchmarkSpec:
    """One benchmark of one portfolio: a symbol (one leg of weight 1) or a blend."""

    portfolio: int  # row
    name: str
    symbols: tuple[str, ...]
    weights: tuple[float, ...]
    rebalance: str  # "daily" or "monthly"
    is_primary: bool


@dataclass(frozen=True)
class AssetPanels:
    """What the asset-metrics step needs beyond the closes (see ``batch.asset_metrics``)."""

    high: FloatArray  # (T, S) on the adjusted-close scale, NaN where not stored
    low: FloatArray  # (T, S)
    volume: FloatArray  # (T, S)
    #: sessions back -> closes that many sessions before each session of ``rows``
    #: (R, S), for horizons longer than the loaded panel (3 and 5 years)
    anchors: dict[int, FloatArray]
    rows: slice  # the run's rows the anchors belong to


@dataclass(frozen=True)
class TargetRows:
    """Target allocations of the run's portfolios (Q,), one per version (targets are point
    in time: a version applies to the dates in ``[valid_from, valid_to)``), and the
    (position, tag) pairs of their lots (G,) for tag-level targets (see
    ``batch.rebalancing``)."""

    portfolio: IntArray  # row in Portfolios
    level: npt.NDArray[np.str_]
    key: npt.NDArray[np.object_]
    weight: FloatArray
    lower: FloatArray
    upper: FloatArray
    threshold_kind: npt.NDArray[np.str_]  # "" without a threshold
    threshold: FloatArray  # NaN without a threshold
    frequency: npt.NDArray[np.str_]
    valid_from: npt.NDArray[np.datetime64]  # datetime64[D], inclusive
    valid_to: npt.NDArray[np.datetime64]  # datetime64[D], exclusive; NaT: current
    tag_position: IntArray  # (G,) position id
    tag_name: npt.NDArray[np.object_]  # (G,)
    #: Risk limits (L,): portfolio row, metric, key ("" but for sectors), bounds (NaN: none)
    limit_portfolio: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    limit_metric: npt.NDArray[np.str_] = field(default_factory=lambda: np.zeros(0, dtype=str))
    limit_key: npt.NDArray[np.object_] = field(default_factory=lambda: np.zeros(0, dtype=object))
    limit_lower: FloatArray = field(default_factory=lambda: np.zeros(0))
    limit_upper: FloatArray = field(default_factory=lambda: np.zeros(0))

    def valid_on(self, days: npt.NDArray[np.datetime64]) -> npt.NDArray[np.bool_]:
        """(K, Q): version q applies to ``days[k]``."""
        day = days.astype("datetime64[D]")[:, None]
        ended = ~np.isnat(self.valid_to)[None, :] & (day >= self.valid_to[None, :])
        out: npt.NDArray[np.bool_] = (day >= self.valid_from[None, :]) & ~ended
        return out

    def take_rows(self, index: IntArray) -> TargetRows:
        """The target versions ``index`` (limits and tags unchanged)."""
        fields = {
            name: getattr(self, name)[index]
            for name in self.__dataclass_fields__
            if not name.startswith(("limit_", "tag_"))
        }
        rest = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name.startswith(("limit_", "tag_"))
        }
        return TargetRows(**fields, **rest)

    def take(self, portfolio_map: IntArray) -> TargetRows:
        """The targets and limits of the portfolios kept by ``portfolio_map`` (−1: dropped),
        renumbered."""
        keep = portfolio_map[self.portfolio] >= 0
        kept = portfolio_map[self.limit_portfolio] >= 0
        fields = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name.startswith("limit_"):
                fields[name] = value[kept]
            elif not name.startswith("tag_"):
                fields[name] = value[keep]
        fields["portfolio"] = portfolio_map[self.portfolio[keep]]
        fields["limit_portfolio"] = portfolio_map[self.limit_portfolio[kept]]
        return TargetRows(**fields, tag_position=self.tag_position, tag_name=self.tag_name)


@dataclass(frozen=True)
class BatchInputs:
    """Prices on the session calendar plus the books to value, for dates up to ``end``."""

    sessions: npt.NDArray[np.datetime64]  # (T,) datetime64[D]
    symbols: tuple[str, ...]  # (S,) price columns; the market index included
    market_column: int
    prices: FloatArray  # (T, S) closes, forward filled at most a few sessions
    filled: npt.NDArray[np.bool_]  # (T, S) True where a price was carried forward
    sectors: tuple[str | None, ...]  # (S,)
    is_etf: npt.NDArray[np.bool_]  # (S,)
    portfolios: Portfolios
    lots: Lots
    flows: tuple[Flow, ...]
    #: Benchmark sector weight snapshots: (as_of, {sector: weight}) ascending by date.
    benchmark_weights: tuple[tuple[date, dict[str, float]], ...] = field(default=())
    #: Figures derived from the prices alone, computed once and shared by every
    #: partition made by :meth:`subset` (name -> value; see ``batch.valuation``).
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    #: (T, S) closes as published on each date (not adjusted for later dividends), which
    #: mark NAV, P&L and exposures; ``None`` when the source has adjusted closes only,
    #: and then ``prices`` marks too (docs/methodology.md, "Marks").
    marks: FloatArray | None = None

    @property
    def mark_prices(self) -> FloatArray:
        """The panel that marks positions: :attr:`marks`, else :attr:`prices`."""
        return self.prices if self.marks is None else self.marks

    #: Closes (T, L) of the factor registry's legs (``factor_symbols``), filled like
    #: ``prices``; kept apart so that unheld factor ETFs add no rows to other families.
    factor_symbols: tuple[str, ...] = ()
    factor_prices: FloatArray | None = field(default=None, compare=False, repr=False)
    #: High, low, volume and long-horizon closes for the asset-metrics step (None when
    #: the inputs were built without them, e.g. in tests of other families).
    assets: AssetPanels | None = field(default=None, compare=False, repr=False)
    #: Closes (2, E, S) on the first and last session of each historical stress episode
    #: ended by the run's last date (``batch.stress_panels``); None when not loaded.
    episode_closes: FloatArray | None = field(default=None, compare=False, repr=False)
    #: Benchmarks of the portfolios (see ``batch.performance``) and the closes (T, B) of
    #: their legs (``benchmark_symbols``), filled like ``prices``.
    benchmarks: tuple[BenchmarkSpec, ...] = ()
    benchmark_symbols: tuple[str, ...] = ()
    benchmark_prices: FloatArray | None = field(default=None, compare=False, repr=False)
    #: Target allocations (None when the inputs were built without them).
    targets: TargetRows | None = field(default=None, compare=False, repr=False)
    #: Figures derived from these books, computed once and shared by the steps that run
    #: on them (name -> value; see ``batch.valuation``). Unlike :attr:`derived`, a
    #: partition made by :meth:`subset` starts with its own, empty.
    scratch: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def rows_for(self, start: date, end: date) -> slice:
        """Rows of the sessions in ``[start, end]``."""
        lo = int(np.searchsorted(self.sessions, np.datetime64(start, "D"), "left"))
        hi = int(np.searchsorted(self.sessions, np.datetime64(end, "D"), "right"))
        return slice(lo, hi)

    def subset(self, rows: IntArray) -> BatchInputs:
        """The same inputs restricted to the portfolios at ``rows`` (for partitions)."""
        P = self.portfolios.id.size
        mapping = np.full(P, -1, dtype=np.int64)
        mapping[rows] = np.arange(rows.size)
        keep = mapping[self.lots.portfolio] >= 0
        portfolios = Portfolios(
            *(getattr(self.portfolios, f)[rows] for f in ("id", "name", "equity", "benchmark"))
        )
        flows = tuple(
            Flow(int(mapping[f.portfolio]), f.day, f.amount)
            for f in self.flows
            if mapping[f.portfolio] >= 0
        )
        return BatchInputs(
            self.sessions,
            self.symbols,
            self.market_column,
            self.prices,
            self.filled,
            self.sectors,
            self.is_etf,
            portfolios,
            self.lots.take(keep, mapping),
            flows,
            self.benchmark_weights,
            self.derived,
            self.marks,
            self.factor_symbols,
            self.factor_prices,
            self.assets,
            self.episode_closes,
            tuple(
                replace(b, portfolio=int(mapping[b.portfolio]))
                for b in self.benchmarks
                if mapping[b.portfolio] >= 0
            ),
            self.benchmark_symbols,
            self.benchmark_prices,
            targets=self.targets.take(mapping) if self.targets is not None else None,
        )
