"""Why a run wrote no figure for a portfolio, or computed it without some holdings.

The reasons are recorded on the run (``batch_runs.skipped``), printed by the CLI and
shown on the portfolio's page instead of a bare "run the batch": "skipped: TSLA, VOO:
no prices", "skipped: first position entered on 2024-01-16, after 2022-12-28".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np

from sigmasight.batch.inputs import BatchInputs


def skip_reasons(
    inputs: BatchInputs, written: Iterable[int], failed: Iterable[int], end: date
) -> dict[int, str]:
    """Reasons by portfolio id, for the portfolios of ``inputs`` that got no snapshot
    (``written`` lists those that did; ``failed`` ones have their error instead) or that
    hold instruments with no price at all in the loaded range.

    Only the flagged portfolios are visited one by one; the flags are array operations
    over all lots, so a daily run over thousands of books costs a few vector passes.
    """
    lots, books = inputs.lots, inputs.portfolios
    priced = np.asarray(np.isfinite(inputs.prices).any(axis=0), dtype=bool)
    market = lots.column >= 0
    missing = np.zeros(lots.column.size, dtype=bool)
    missing[market] = ~priced[lots.column[market]]
    P = books.id.size
    has_missing = np.bincount(lots.portfolio, weights=missing, minlength=P)[:P] > 0
    got_rows = np.isin(books.id, np.fromiter(written, dtype=np.int64))
    excluded = np.isin(books.id, np.fromiter(failed, dtype=np.int64))
    flagged = np.flatnonzero((~got_rows | has_missing) & ~excluded)
    order = np.argsort(lots.portfolio, kind="stable")
    bounds = np.searchsorted(lots.portfolio[order], np.arange(P + 1))
    reasons: dict[int, str] = {}
    for row in flagged.tolist():
        mine = order[bounds[row] : bounds[row + 1]]
        names = sorted({inputs.symbols[c] for c in lots.column[mine[missing[mine]]].tolist()})
        unpriced = [f"{', '.join(names)}: no prices"] if names else []
        if got_rows[row]:
            reasons[int(books.id[row])] = f"computed without {unpriced[0]}"
            continue
        parts = unpriced + _empty_reason(inputs, row, mine, end, bool(unpriced))
        reasons[int(books.id[row])] = "skipped: " + "; ".join(parts)
    return reasons


def _empty_reason(
    inputs: BatchInputs, row: int, mine: np.ndarray, end: date, explained: bool
) -> list[str]:
    if mine.size == 0:
        return ["no positions"]
    first = inputs.lots.entry_date[mine].min().astype(object)
    if first > end:
        return [f"first position entered on {first}, after {end}"]
    if not inputs.portfolios.equity[row] > 0:
        return ["starting equity is not above 0"]
    return [] if explained else ["no figure could be computed"]
