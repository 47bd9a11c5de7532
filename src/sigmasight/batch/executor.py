"""Where partitions run: in this process, or on a Dask distributed cluster.

Security-level results are computed once on the driver and shared: the local executor
passes them by reference; the Dask executor scatters them to the workers once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sigmasight.batch.compute import PartitionResult, compute_partition
from sigmasight.batch.inputs import BatchInputs, FloatArray
from sigmasight.batch.security import SecurityMetrics


class Executor(Protocol):
    name: str

    def map_partitions(
        self,
        partitions: Sequence[BatchInputs],
        returns: FloatArray,
        metrics: SecurityMetrics,
        on_done: Callable[[int], None] | None = None,
    ) -> list[PartitionResult]: ...


class LocalExecutor:
    name = "local"

    def map_partitions(
        self,
        partitions: Sequence[BatchInputs],
        returns: FloatArray,
        metrics: SecurityMetrics,
        on_done: Callable[[int], None] | None = None,
    ) -> list[PartitionResult]:
        results = []
        for part in partitions:
            results.append(compute_partition(part, returns, metrics))
            if on_done:
                on_done(part.portfolios.id.size)
        return results


class DaskExecutor:
    """Runs partitions on a Dask distributed scheduler (``--scheduler ADDRESS``)."""

    name = "dask"

    def __init__(self, client: Any) -> None:
        self.client = client

    @classmethod
    def connect(cls, address: str) -> DaskExecutor:
        from distributed import Client

        return cls(Client(address, timeout="10s"))  # type: ignore[no-untyped-call]

    def map_partitions(
        self,
        partitions: Sequence[BatchInputs],
        returns: FloatArray,
        metrics: SecurityMetrics,
        on_done: Callable[[int], None] | None = None,
    ) -> list[PartitionResult]:
        from distributed import as_completed

        shared_returns = self.client.scatter(returns, broadcast=True)
        shared_metrics = self.client.scatter(metrics, broadcast=True)
        futures = [
            self.client.submit(compute_partition, part, shared_returns, shared_metrics, pure=False)
            for part in partitions
        ]
        order = {f.key: i for i, f in enumerate(futures)}
        results: list[PartitionResult | None] = [None] * len(futures)
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            index = order[future.key]
            results[index] = future.result()
            if on_done:
                on_done(partitions[index].portfolios.id.size)
        return [r for r in results if r is not None]
