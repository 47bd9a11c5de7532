"""The batch process keeps the memory it frees, for its next arrays (glibc only).

glibc's ``malloc`` hands a block above its *mmap threshold* back to the operating system
as soon as it is freed, and trims the top of its heap whenever more than the *trim
threshold* lies free there. Both start at 128 KiB and grow with the blocks seen, up to
32 MiB. The analytics kernels work in blocks of a few to a few tens of MiB that live for
one step: each new block is then fresh memory, and its first touch costs a page fault per
page. In the virtual machines this project runs on, a fault on memory the host has taken
back is expensive: 26 fresh arrays of 100 MB took 2.2-11.9 s to fill once, and 0.18-0.23 s
to fill again. Measured on the indicators of 2,000 securities x 2,520 sessions: 80,000 page
faults a call with glibc's defaults, 30,000 after :func:`retain_freed_memory` (the rest are
the output panels, larger than the threshold); the indicators benchmark went from 2.22x to
1.27x TA-Lib's loop in the same loaded run (benchmarks/bench_asset_metrics.py).

The cost is that the process keeps up to :data:`TRIM_THRESHOLD` of freed memory until it
ends: fine for a batch worker, so only the batch (``run_batch``) and the benchmarks that
time its kernels call it; the API server keeps glibc's defaults.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

import structlog

log = structlog.get_logger(__name__)

#: ``mallopt`` parameters (glibc's ``malloc.h``).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap (glibc's largest allowed value on 64 bits).
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Free memory the heap keeps at its top before giving it back.
TRIM_THRESHOLD = 1024 * 1024 * 1024


@functools.cache
def retain_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for this process (once; later calls return
    the first answer). False where the C library is not glibc or refuses the values."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    done = int(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) == 1
    done = int(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)) == 1 and done
    log.debug("memory.retain_freed", applied=done)
    return done
