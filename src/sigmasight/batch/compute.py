"""Partition work: value and snapshot a group of portfolios, isolating failures."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sigmasight.batch.columns import Columns, extend
from sigmasight.batch.inputs import BatchInputs, FloatArray
from sigmasight.batch.security import SecurityMetrics
from sigmasight.batch.snapshots import snapshot_rows
from sigmasight.batch.valuation import value_books


@dataclass
class PartitionResult:
    #: snapshot rows as columns (see :mod:`sigmasight.batch.columns`)
    rows: Columns = field(default_factory=dict)
    #: portfolio id -> reason it failed
    errors: dict[int, str] = field(default_factory=dict)


def _snapshot(inputs: BatchInputs, returns: FloatArray, metrics: SecurityMetrics) -> Columns:
    valuation = value_books(inputs, metrics.vol63, metrics.rows)
    return snapshot_rows(inputs, returns, metrics, valuation)


def compute_partition(
    inputs: BatchInputs, returns: FloatArray, metrics: SecurityMetrics
) -> PartitionResult:
    """Snapshots of every portfolio in ``inputs``.

    All portfolios are computed together (matrix algebra). If that fails, each is
    computed alone so one bad book costs only its own rows, with the reason recorded.
    """
    try:
        return PartitionResult(_snapshot(inputs, returns, metrics))
    except Exception:
        pass
    result = PartitionResult()
    for row in range(inputs.portfolios.id.size):
        single = inputs.subset(np.array([row]))
        try:
            extend(result.rows, _snapshot(single, returns, metrics))
        except Exception as exc:
            result.errors[int(inputs.portfolios.id[row])] = f"{type(exc).__name__}: {exc}"
    return result
