"""Where partitions run: in this process, or on a Dask distributed cluster.

Security-level results are computed once on the driver and shared: the local executor
passes them by reference; the Dask executor scatters them to the workers once.

Both yield each partition's result as soon as it is ready, so the runner writes one
partition's rows while the next ones are computed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from sigmasight.analytics._blocks import threads
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
    ) -> Iterator[PartitionResult]: ...


#: Most partitions a local run computes at once by default, whatever the cores: each
#: holds its books' working arrays and results (hundreds of MB on a long run), and the
#: steps' Python parts share one interpreter lock (2 threads on 2 cores gave 1.4x).
MAX_PARTITION_THREADS = 4


class LocalExecutor:
    """Partitions on the process's cores: one thread each, at most :attr:`workers`
    computing at once (the steps are numpy, LAPACK and compiled kernels, which release
    the GIL for most of their time) and one more partition queued, all while the caller
    writes the partition before them: at most ``workers + 2`` partitions' results are in
    memory. Results come in partition order."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        default = min(threads(), MAX_PARTITION_THREADS)
        self.workers = default if workers is None else max(workers, 1)

    def map_partitions(
        self,
        partitions: Sequence[BatchInputs],
        returns: FloatArray,
        metrics: SecurityMetrics,
        on_done: Callable[[int], None] | None = None,
    ) -> Iterator[PartitionResult]:
        if self.workers < 2 or len(partitions) < 2:
            for part in partitions:
                result = compute_partition(part, returns, metrics)
                if on_done:
                    on_done(part.portfolios.id.size)
                yield result
            return
        with ThreadPoolExecutor(self.workers, thread_name_prefix="partition") as pool:
            queued = iter(partitions)
            pending: deque[tuple[BatchInputs, Future[PartitionResult]]] = deque()

            def top_up() -> None:
                while len(pending) <= self.workers:
                    part = next(queued, None)
                    if part is None:
                        return
                    pending.append((part, pool.submit(compute_partition, part, returns, metrics)))

            try:
                top_up()
                while pending:
                    part, future = pending.popleft()
                    result = future.result()
                    top_up()  # before the caller takes this one: no thread waits meanwhile
                    if on_done:
                        on_done(part.portfolios.id.size)
                    yield result
            finally:  # a failure or an abandoned run: the queued partitions are not started
                for _, future in pending:
                    future.cancel()


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
    ) -> Iterator[PartitionResult]:
        from distributed import as_completed

        shared_returns = self.client.scatter(returns, broadcast=True)
        shared_metrics = self.client.scatter(metrics, broadcast=True)
        futures = [
            self.client.submit(compute_partition, part, shared_returns, shared_metrics, pure=False)
            for part in partitions
        ]
        order = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            index = order[future.key]
            result: PartitionResult = future.result()
            if on_done:
                on_done(partitions[index].portfolios.id.size)
            yield result
