"""The rebalancing family in the batch: each target's drift on each date, and the events
that a threshold breach or a calendar date triggers.

Weights are delta-adjusted exposure over NAV (the risk views' convention), from the lots
held at the date's close and their marks, as the snapshots compute them. A lot counts
towards the target whose level and key it matches: its symbol (stocks and ETFs), its
(underlying's) sector bucket, its investment class, or one of its tags (the first
target when two tags are targeted). Targets are point in time: each date is evaluated
against the target versions valid on it (a version starting on the date counts; one
ending on it does not), so a backfill across a change uses the old target before it and
the new one from it, and a deleted target has no drift after its deletion.

Triggers, each a function of the date's and the previous session's drift only (so a
backfill and a daily run create the same events):

- ``threshold``: some target breaches on the date and did not on the previous session
  (the start of a breach episode; a breach that lasts does not trigger again);
- ``scheduled``: the date is the first session of a target's calendar period.

An event's key is ``<kind>:<date>``; the batch writes only the key and the proposal
columns, so a rerun neither duplicates an event nor touches a user's decision. The rows
built here carry no proposal: once the run's history is written, the runner completes
them with the proposals view's back-to-target proposal for the event's date
(:data:`EVENT_CONSTRAINTS`), so an event shows exactly what that view shows for its date.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sigmasight.analytics import rebalancing as rb
from sigmasight.analytics.exposures import position_exposure
from sigmasight.analytics.sectors import BUCKETS, UNCLASSIFIED_BUCKET, bucket_codes
from sigmasight.batch.columns import Columns, extend, finite
from sigmasight.batch.inputs import PRIVATE, PUBLIC, BatchInputs, FloatArray, IntArray
from sigmasight.batch.snapshots import held_positions
from sigmasight.batch.valuation import Valuation, value_books

if TYPE_CHECKING:
    from sigmasight.storage.uow import UnitOfWork

#: Months per calendar period of each frequency.
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
#: Constraints of the proposals the batch attaches to events (the API's defaults).
EVENT_CONSTRAINTS = rb.Constraints()


def target_slots(inputs: BatchInputs) -> tuple[IntArray, IntArray]:
    """The slot of each target version (Q,): one slot per portfolio, level and key, which
    every version of that target shares (a weight does not depend on the target's
    values); and the first version (index) of each slot (Z,)."""
    t = inputs.targets
    assert t is not None
    frame = pd.DataFrame({"p": t.portfolio, "level": t.level, "key": t.key})
    groups = frame.groupby(["p", "level", "key"], sort=False).ngroup()
    slot: IntArray = np.asarray(groups, dtype=np.int64)
    _, first = np.unique(slot, return_index=True)
    return slot, np.asarray(first, dtype=np.int64)


def lot_targets(inputs: BatchInputs) -> IntArray:
    """The target slot (see :func:`target_slots`) of each lot, −1 for none (M,)."""
    lots, all_targets = inputs.lots, inputs.targets
    out = np.full(lots.kind.size, -1, dtype=np.int64)
    if all_targets is None or all_targets.key.size == 0 or out.size == 0:
        return out
    _, first = target_slots(inputs)
    targets = all_targets.take_rows(first)
    column_bucket = np.append(
        bucket_codes(np.array(inputs.sectors, dtype=object), inputs.is_etf),
        BUCKETS.index(UNCLASSIFIED_BUCKET),
    )
    priced = (lots.kind != PRIVATE) & (lots.column >= 0)
    sector = np.array(BUCKETS, dtype=object)[column_bucket[lots.column]]
    sector[~priced] = None
    symbol = lots.symbol.copy()
    symbol[lots.kind != PUBLIC] = None  # a symbol target covers stocks and ETFs
    frame = pd.DataFrame(
        {
            "lot": np.arange(out.size),
            "portfolio": lots.portfolio,
            "symbol": symbol,
            "sector": sector,
            "asset_class": lots.investment_class.astype(object),
            "position": lots.position_id,
        }
    )
    tags = pd.DataFrame({"position": targets.tag_position, "tag": targets.tag_name})
    frame = frame.merge(tags, on="position", how="left")
    wanted = pd.DataFrame(
        {
            "target": np.arange(targets.key.size),
            "portfolio": targets.portfolio,
            "level": targets.level.astype(object),
            "key": targets.key,
        }
    )
    matches = []
    for level in ("symbol", "sector", "asset_class", "tag"):
        mine = wanted[wanted.level == level]
        pairs = frame.merge(mine, left_on=["portfolio", level], right_on=["portfolio", "key"])
        matches.append(pairs[["lot", "target"]])
    found = pd.concat(matches).groupby("lot")["target"].min()
    out[found.index.to_numpy()] = found.to_numpy()
    return out


def _period(sessions: np.ndarray, months: int) -> IntArray:
    """Calendar period number of each session (months since year 0, in blocks)."""
    month = sessions.astype("datetime64[M]").astype(np.int64)
    return month // months


def _scheduled(inputs: BatchInputs, ts: IntArray) -> np.ndarray:
    """(K, Q): the date is the first session of the target's calendar period (whether
    the version applies to it or not: the caller masks by validity)."""
    t = inputs.targets
    assert t is not None
    out = np.zeros((ts.size, t.key.size), dtype=bool)
    for frequency, months in PERIOD_MONTHS.items():
        cols = t.frequency == frequency
        if cols.any():
            now = _period(inputs.sessions[ts], months)
            before = _period(inputs.sessions[np.maximum(ts - 1, 0)], months)
            out[:, cols] = ((now != before) & (ts > 0))[:, None]
    return out


def _weights(
    inputs: BatchInputs, valuation: Valuation, vol63: FloatArray, ts: IntArray, lot_slot: IntArray
) -> FloatArray:
    """(K, Q) weights of each target version's key on the dates ``ts`` (NaN before
    inception), whether the version applies to the date or not."""
    t = inputs.targets
    assert t is not None
    slot, first = target_slots(inputs)
    Z = first.size
    held = held_positions(inputs, valuation, vol63, ts)
    exposure = position_exposure(held.positions)
    target = lot_slot[held.lot]
    keep = (target >= 0) & np.isfinite(exposure)
    sums = np.bincount(
        held.date[keep] * Z + target[keep], weights=exposure[keep], minlength=ts.size * Z
    ).reshape(ts.size, Z)[:, slot]
    nav = valuation.nav[ts - valuation.offset][:, t.portfolio]
    weight: FloatArray = np.where(nav > 0, sums / np.where(nav > 0, nav, 1.0), np.nan)
    return weight


def _breach(inputs: BatchInputs, weight: FloatArray) -> np.ndarray:
    t = inputs.targets
    assert t is not None
    drift = np.abs(weight - t.weight)
    outside = (weight < t.lower) | (weight > t.upper)
    limit = np.where(t.threshold_kind == "relative", t.threshold * t.weight, t.threshold)
    out: np.ndarray = np.where(np.isfinite(limit), drift > limit, outside)
    return out & np.isfinite(weight)


def with_previous_session(inputs: BatchInputs, vol63: FloatArray, rows: slice) -> Valuation:
    """Valuations of the run's rows and the session before the first (the snapshots'
    valuation starts at the run's first row): a trigger compares each date with the
    session before it, so a daily run and a backfill find the same episodes."""
    return value_books(inputs, vol63, slice(max(rows.start - 1, 0), rows.stop))


def previous_rows(ts: IntArray) -> tuple[IntArray, np.ndarray]:
    """The session before each of ``ts`` (clamped at 0) and where there is one."""
    return np.maximum(ts - 1, 0), ts > 0


def drift_and_events(
    inputs: BatchInputs, vol63: FloatArray, rows: slice
) -> tuple[Columns, Columns]:
    """Rows of ``portfolio_target_drift`` and ``rebalancing_events`` for the run's rows."""
    drift: Columns = {}
    events: Columns = {}
    t = inputs.targets
    if t is None or t.key.size == 0:
        return drift, events
    valuation = with_previous_session(inputs, vol63, rows)
    lot_slot = lot_targets(inputs)
    ts = np.arange(rows.start, rows.stop)
    weight = _weights(inputs, valuation, vol63, ts, lot_slot)
    before, has_before = previous_rows(ts)
    previous = _weights(inputs, valuation, vol63, before, lot_slot)
    valid = t.valid_on(inputs.sessions[ts])
    breach = _breach(inputs, weight)
    # A version that did not apply the session before starts a new episode.
    was = _breach(inputs, previous) & has_before[:, None] & t.valid_on(inputs.sessions[before])
    scheduled = _scheduled(inputs, ts)
    live = np.isfinite(weight) & valid
    k, q = np.nonzero(live)
    days = inputs.sessions[ts[k]].astype(object)
    extend(
        drift,
        {
            "portfolio_id": inputs.portfolios.id[t.portfolio[q]].tolist(),
            "calc_date": list(days),
            "level": t.level[q].tolist(),
            "key": t.key[q].tolist(),
            "weight": finite(weight[k, q]),
            "target_weight": t.weight[q].tolist(),
            "min_weight": t.lower[q].tolist(),
            "max_weight": t.upper[q].tolist(),
            "drift": finite(weight[k, q] - t.weight[q]),
            "in_band": ((weight[k, q] >= t.lower[q]) & (weight[k, q] <= t.upper[q])).tolist(),
            "breach": breach[k, q].tolist(),
            "scheduled": scheduled[k, q].tolist(),
        },
    )
    triggers = {
        "threshold": live & breach & ~was,
        "scheduled": live & scheduled,
    }
    for kind, fired in triggers.items():
        for p in np.unique(t.portfolio):
            cols = np.flatnonzero(t.portfolio == p)
            for kk in np.flatnonzero(fired[:, cols].any(axis=1)):
                row = event_row(inputs, int(p), int(ts[kk]), kind)
                row["reason"] = _reason(kind, t.key[cols], fired[kk, cols], weight[kk, cols])
                extend(events, {name: [value] for name, value in row.items()})
    return drift, events


def _reason(kind: str, keys: np.ndarray, fired: np.ndarray, weight: FloatArray) -> str:
    named = ", ".join(
        f"{key} at {w:.4f}" for key, w in zip(keys[fired], weight[fired], strict=True)
    )
    if kind == "threshold":
        return f"threshold breached by {named}"
    return f"scheduled review of {named}"


def event_row(inputs: BatchInputs, p: int, t: int, kind: str) -> dict[str, Any]:
    """The event of portfolio row ``p`` on calendar row ``t``, its proposal still to come
    (see the module docstring)."""
    day = inputs.sessions[t].astype(object)
    return {
        "portfolio_id": int(inputs.portfolios.id[p]),
        "trigger_key": f"{kind}:{day.isoformat()}",
        "kind": kind,
        "trigger_date": day,
    }


def complete_event_proposals(
    uow_factory: Callable[[], UnitOfWork], events: Columns
) -> tuple[Columns, dict[int, str]]:
    """The events with their proposal: the proposals view's back-to-target proposal of
    the event's date, read from the history the run has just written (snapshot, marks,
    betas, prices up to the date, the targets valid on it). An event whose proposal cannot
    be computed is left out (a rerun creates it) and its portfolio's reason returned."""
    from sigmasight.services.analytics.rebalancing import event_proposal

    done: dict[tuple[int, Any], dict[str, Any] | None] = {}
    errors: dict[int, str] = {}
    keep: list[int] = []
    for i, (pid, day) in enumerate(
        zip(events.get("portfolio_id", []), events.get("trigger_date", []), strict=True)
    ):
        if (pid, day) not in done:
            try:
                with uow_factory() as uow:
                    done[(pid, day)] = event_proposal(uow, int(pid), day, EVENT_CONSTRAINTS)
            except Exception as exc:
                done[(pid, day)] = None
                errors.setdefault(int(pid), f"{type(exc).__name__}: {exc}".splitlines()[0])
        if done[(pid, day)] is not None:
            keep.append(i)
    out = {name: [values[i] for i in keep] for name, values in events.items()}
    if keep:
        out["proposal"] = [
            done[(events["portfolio_id"][i], events["trigger_date"][i])] for i in keep
        ]
    return out, errors
