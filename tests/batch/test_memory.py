"""The batch keeps the memory it frees (sigmasight.memory)."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import date

import pytest

import sigmasight.batch.runner as runner
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from tests import _ci
from tests.batch.conftest import UowFactory


def _need_glibc() -> None:
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        _ci.unavailable("glibc", "mallopt is glibc's; elsewhere retain_freed_memory answers False")


# Rounds of ten 10 MB arrays, filled then all freed: the page faults of rounds 2-5 (each
# round would fault in 25,600 pages of 4 KiB if its memory came back fresh).
_ROUNDS = """
import resource, sys
import numpy as np
from sigmasight.memory import retain_freed_memory
applied = retain_freed_memory() if sys.argv[1] == "retain" else None
def rounds(n):
    for _ in range(n):
        blocks = [np.empty(10 * 1024 * 1024 // 8) for _ in range(10)]
        for b in blocks:
            b.fill(1.0)
        del blocks
rounds(1)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
rounds(4)
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_freed_blocks_are_reused_without_page_faults() -> None:
    _need_glibc()
    done = subprocess.run(
        [sys.executable, "-c", _ROUNDS, "retain"], capture_output=True, text=True, check=True
    )
    applied, faults = done.stdout.splitlines()[-1].split()
    assert applied == "True"
    # of the 102,400 pages the four rounds write; glibc's defaults gave 5,600 here (huge
    # pages make a fault cover 2 MiB), with the memory kept about 500 (numpy's own)
    assert int(faults) < 2_000


def test_retain_freed_memory_is_applied_once() -> None:
    _need_glibc()
    from sigmasight.memory import retain_freed_memory

    assert retain_freed_memory() is True
    assert retain_freed_memory() is True


def test_run_batch_keeps_freed_memory(
    demo_db: UowFactory,
    chain: ProviderChain,
    calendar: TradingCalendar,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[bool] = []

    def retain() -> bool:
        calls.append(True)
        return True

    monkeypatch.setattr(runner, "retain_freed_memory", retain)
    day = date(2022, 12, 28)
    report = runner.run_batch(demo_db, chain, calendar, day, day)
    assert report.ok, report.errors
    assert calls == [True]
