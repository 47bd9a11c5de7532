"""The install script fills numba's cache through :func:`warm_kernels`: every compiled
kernel must be reached by it, or a fresh checkout's first run compiles the rest."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, numba
from sigmasight.analytics import _kernels
from sigmasight.analytics.risk_metrics import warm_kernels
warm_kernels()
found = {
    name: len(f.signatures)
    for name, f in vars(_kernels).items()
    if isinstance(f, numba.core.dispatcher.Dispatcher)
}
print(json.dumps(found))
"""


def test_warm_kernels_compiles_every_kernel() -> None:
    # a new process: in this one, other tests may have compiled the kernels already
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=300
    )
    compiled = json.loads(done.stdout.strip().splitlines()[-1])
    public = {name for name in compiled if name.endswith("_kernel")}
    assert public >= {
        "moments_kernel",
        "historical_kernel",
        "ex_ante_kernel",
        "overlapping_kernel",
        "realized_kernel",
        "episode_count_kernel",
    }
    # the helpers are compiled into their callers (a cached caller records none)
    assert [name for name in public if compiled[name] == 0] == []
