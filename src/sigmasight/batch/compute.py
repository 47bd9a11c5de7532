"""Partition work: run every portfolio-level step on a group of books, isolating failures."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sigmasight.batch import steps as families
from sigmasight.batch.columns import Columns, extend
from sigmasight.batch.inputs import BatchInputs, FloatArray
from sigmasight.batch.security import SecurityMetrics
from sigmasight.batch.steps import PortfolioContext, PortfolioStep, TableRows


@dataclass
class PartitionResult:
    #: table name -> (model, key, rows as columns) of every portfolio-level table
    tables: dict[str, TableRows] = field(default_factory=dict)
    #: portfolio id -> reason it failed (``step: error`` for families after the snapshot)
    errors: dict[int, str] = field(default_factory=dict)
    #: step name -> seconds spent in this partition
    timings: dict[str, float] = field(default_factory=dict)

    def add(self, tables: Sequence[TableRows]) -> None:
        for part in tables:
            held = self.tables.get(part.table)
            if held is None:
                held = self.tables[part.table] = TableRows(part.model, part.key, {})
            extend(held.columns, part.columns)

    @property
    def rows(self) -> Columns:
        """The snapshot rows (the first family's table)."""
        held = self.tables.get("portfolio_snapshots")
        return held.columns if held is not None else {}


def _run_step(
    step: PortfolioStep, ctx: PortfolioContext, result: PartitionResult, first: bool
) -> None:
    """All books together (matrix algebra); if that fails, each book alone, so one bad
    book costs only its own rows of this family, with the reason recorded."""
    try:
        result.add(step.compute(ctx))
        return
    except Exception:
        pass
    ids = ctx.inputs.portfolios.id
    for row in range(ids.size):
        try:
            result.add(step.compute(ctx.single(row)))
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if not first:
                reason = f"{step.name}: {reason}"
            result.errors.setdefault(int(ids[row]), reason)


def compute_partition(
    inputs: BatchInputs,
    returns: FloatArray,
    metrics: SecurityMetrics,
    steps: Sequence[PortfolioStep] | None = None,
) -> PartitionResult:
    """Rows of every portfolio-level history table for the books in ``inputs``
    (``steps`` defaults to :data:`~sigmasight.batch.steps.PORTFOLIO_STEPS`)."""
    result = PartitionResult()
    ctx = PortfolioContext(inputs, returns, metrics)
    for index, step in enumerate(families.PORTFOLIO_STEPS if steps is None else steps):
        began = time.perf_counter()
        _run_step(step, ctx, result, first=index == 0)
        result.timings[step.name] = time.perf_counter() - began
    return result
