"""Long, short and net sector weights of a date against the S&P 500's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from sigmasight.analytics.sectors import BUCKETS, UNCLASSIFIED_BUCKET, sector_views
from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.services.analytics._common import load_context, num, share_of_nav, total
from sigmasight.services.analytics.views import SECTOR_CONVENTION, UowFactory


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
    private_value: float | None = None
    private_share_of_nav: float | None = None


def _buckets(stored: dict[str, Any], has_benchmark: bool) -> tuple[SectorBucket, ...]:
    """Buckets of a snapshot stored with its views (rows written before the batch stored
    bucket sums)."""

    def col(view: str, i: int) -> float | None:
        return num(stored[view][i]) if view in stored else None

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


def _sums_vector(stored: dict[str, float]) -> np.ndarray:
    out = np.zeros(len(BUCKETS))
    for name, value in stored.items():
        out[BUCKETS.index(name) if name in BUCKETS else BUCKETS.index(UNCLASSIFIED_BUCKET)] += value
    return out


def _derived(
    stored: dict[str, Any], weights: dict[str, float] | None
) -> tuple[tuple[SectorBucket, ...], dict[str, float | None]]:
    """Buckets and totals from stored bucket sums, by the function the batch uses."""
    long, short = _sums_vector(stored.get("long", {})), _sums_vector(stored.get("short", {}))
    views = sector_views(long[None], short[None], weights or {})

    def cell(view: str, i: int) -> float | None:
        return num(float(np.asarray(getattr(views, view)).reshape(-1, len(BUCKETS))[0, i]))

    buckets = tuple(
        SectorBucket(
            sector=name,
            long=cell("long", i),
            short=cell("short", i),
            net=cell("net", i),
            benchmark=cell("benchmark", i) if weights is not None else None,
            active=cell("active", i) if weights is not None else None,
        )
        for i, name in enumerate(BUCKETS)
    )
    totals: dict[str, float | None] = {
        "long_total": float(long.sum()),
        "short_total": float(short.sum()),
        "gross": float(views.gross[0]),
    }
    return buckets, totals


def _sums(buckets: tuple[SectorBucket, ...]) -> SectorSums:
    return SectorSums(
        *(
            total(getattr(b, view) for b in buckets)
            for view in ("long", "short", "net", "benchmark", "active")
        )
    )


def sector_exposure(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> SectorView:
    """Long, short and net sector weights of ``as_of`` against the S&P 500's.

    Without benchmark weights published on or before ``as_of`` the benchmark and active
    columns are ``None`` (not 0, which would read as an index without that sector).
    """
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        stored = dict(ctx.snapshot.sector_exposure or {})
        published = stored.get("benchmark_as_of")
        bench_day = date.fromisoformat(published) if published else None
        source = ctx.history.benchmark_source(MARKET_INDEX_SYMBOL, bench_day) if bench_day else None
        if "buckets" in stored:  # written with its views
            buckets = _buckets(stored, bench_day is not None)
            totals = {k: stored.get(k) for k in ("long_total", "short_total", "gross")}
        else:
            weights = (
                ctx.history.benchmark_weights(MARKET_INDEX_SYMBOL, bench_day) if bench_day else None
            )
            buckets, totals = _derived(stored, weights)
        notes: tuple[str, ...] = (
            () if bench_day else (f"no benchmark sector weights on or before {ctx.as_of}",)
        )
        private = num(ctx.snapshot.private_value)
        if private:
            notes += (
                f"private holdings ({private:,.0f}, "
                f"{private / ctx.snapshot.nav:.1%} of NAV) are not in sector exposure",
            )
        return SectorView(
            portfolio_id=portfolio_id,
            as_of=ctx.as_of,
            benchmark=MARKET_INDEX_SYMBOL,
            benchmark_as_of=bench_day,
            benchmark_source=source,
            long_total=num(totals["long_total"]),
            short_total=num(totals["short_total"]),
            gross=num(totals["gross"]),
            buckets=buckets,
            sums=_sums(buckets),
            convention=SECTOR_CONVENTION,
            notes=notes,
            private_value=private,
            private_share_of_nav=share_of_nav(private, ctx.snapshot.nav),
        )
