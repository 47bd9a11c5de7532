"""Long, short and net sector weights of a date against the S&P 500's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.services.analytics._common import load_context, num, total
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


def _buckets(stored: dict[str, Any], has_benchmark: bool) -> tuple[SectorBucket, ...]:
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
        buckets = _buckets(stored, bench_day is not None)
        notes = () if bench_day else (f"no benchmark sector weights on or before {ctx.as_of}",)
        return SectorView(
            portfolio_id=portfolio_id,
            as_of=ctx.as_of,
            benchmark=MARKET_INDEX_SYMBOL,
            benchmark_as_of=bench_day,
            benchmark_source=source,
            long_total=num(stored.get("long_total")),
            short_total=num(stored.get("short_total")),
            gross=num(stored.get("gross")),
            buckets=buckets,
            sums=_sums(buckets),
            convention=SECTOR_CONVENTION,
            notes=notes,
        )
