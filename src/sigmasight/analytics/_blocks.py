"""Column blocks of a (T, N) panel, shared among the process's cores.

The compiled kernels (:mod:`sigmasight.analytics._kernels`) read one series at a time
along time, so they want each series contiguous: a block of :data:`COLUMN_CHUNK`
columns is copied column-major into a per-thread buffer (a view when the panel is
column-major already). The blocks are spread over the cores, consecutive blocks to a
thread; each block is computed exactly as in one thread, so the figures are the same to
the last bit whatever the number of threads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from sigmasight.analytics._typing import FloatArray

#: Columns per block: a block's copy (a few hundred rows by this many columns) stays in
#: the CPU's cache while the kernel reads it.
COLUMN_CHUNK = 256
#: Fewest blocks a thread takes in :func:`map_blocks` (fewer: one thread).
BLOCKS_PER_THREAD = 4

_T = TypeVar("_T")


def threads() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def column_blocks(
    R: FloatArray, starts: Sequence[int] | None = None
) -> Iterator[tuple[slice, FloatArray]]:
    """Column-major blocks of ``R`` (:data:`COLUMN_CHUNK` columns) that start at
    ``starts`` (default: every block), as views when ``R`` is column-major and
    otherwise as copies into one buffer reused block after block."""
    T, N = R.shape
    buffer = None if R.flags.f_contiguous else np.empty((T, min(N, COLUMN_CHUNK)), order="F")
    for lo in range(0, N, COLUMN_CHUNK) if starts is None else starts:
        part = slice(lo, min(lo + COLUMN_CHUNK, N))
        if buffer is None:
            yield part, R[:, part]
            continue
        block = buffer[:, : part.stop - lo]
        np.copyto(block, R[:, part])
        yield part, block


def map_blocks(R: FloatArray, fn: Callable[[slice, FloatArray], _T]) -> list[_T]:
    """``fn(part, block)`` for every column block of ``R``, in column order, the blocks
    shared among the process's cores (:func:`threads`) when there are at least
    :data:`BLOCKS_PER_THREAD` per thread. ``fn`` must release the GIL to gain from it
    (the compiled kernels do)."""
    N = R.shape[1]
    starts = list(range(0, N, COLUMN_CHUNK))
    workers = min(threads(), len(starts) // BLOCKS_PER_THREAD)

    def run(group: list[int]) -> list[_T]:
        return [fn(part, block) for part, block in column_blocks(R, group)]

    if workers < 2:
        return run(starts)
    share = -(-len(starts) // workers)
    groups = [starts[i : i + share] for i in range(0, len(starts), share)]
    with ThreadPoolExecutor(len(groups)) as pool:
        return [x for found in pool.map(run, groups) for x in found]
