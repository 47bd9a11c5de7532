"""The rebalancing family in the batch: each target's drift on each date, and the events
that a threshold breach or a calendar date triggers, with their proposal.

Weights are delta-adjusted exposure over NAV (the risk views' convention), from the lots
held at the date's close and their marks, as the snapshots compute them. A lot counts
towards the target whose level and key it matches: its symbol (stocks and ETFs), its
(underlying's) sector bucket, its investment class, or one of its tags (the first
target when two tags are targeted). Targets have no history: every date is evaluated
against the targets stored when the batch runs.

Triggers, each a function of the date's and the previous session's drift only (so a
backfill and a daily run create the same events):

- ``threshold``: some target breaches on the date and did not on the previous session
  (the start of a breach episode; a breach that lasts does not trigger again);
- ``scheduled``: the date is the first session of a target's calendar period.

An event's key is ``<kind>:<date>``; the batch writes only the key and the proposal
columns, so a rerun neither duplicates an event nor touches a user's decision.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sigmasight.analytics import rebalancing as rb
from sigmasight.analytics.exposures import position_exposure
from sigmasight.analytics.sectors import BUCKETS, UNCLASSIFIED_BUCKET, bucket_codes
from sigmasight.batch.columns import Columns, extend, finite
from sigmasight.batch.inputs import PRIVATE, PUBLIC, BatchInputs, FloatArray, IntArray
from sigmasight.batch.snapshots import held_positions
from sigmasight.batch.valuation import Valuation, value_books

#: Months per calendar period of each frequency.
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
#: Constraints of the proposals the batch attaches to events (the API's defaults).
EVENT_CONSTRAINTS = rb.Constraints()


def lot_targets(inputs: BatchInputs) -> IntArray:
    """The target (index into ``inputs.targets``) of each lot, −1 for none (M,)."""
    lots, targets = inputs.lots, inputs.targets
    out = np.full(lots.kind.size, -1, dtype=np.int64)
    if targets is None or targets.key.size == 0 or out.size == 0:
        return out
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
    """(K, Q): the date is the first session of the target's calendar period."""
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
    inputs: BatchInputs, valuation: Valuation, vol63: FloatArray, ts: IntArray, lot_target: IntArray
) -> FloatArray:
    """(K, Q) target weights on the dates ``ts`` (NaN before inception)."""
    t = inputs.targets
    assert t is not None
    Q = t.key.size
    held = held_positions(inputs, valuation, vol63, ts)
    exposure = position_exposure(held.positions)
    target = lot_target[held.lot]
    keep = (target >= 0) & np.isfinite(exposure)
    sums = np.bincount(
        held.date[keep] * Q + target[keep], weights=exposure[keep], minlength=ts.size * Q
    ).reshape(ts.size, Q)
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
    lot_target = lot_targets(inputs)
    ts = np.arange(rows.start, rows.stop)
    weight = _weights(inputs, valuation, vol63, ts, lot_target)
    before, has_before = previous_rows(ts)
    previous = _weights(inputs, valuation, vol63, before, lot_target)
    breach = _breach(inputs, weight)
    was = _breach(inputs, previous) & has_before[:, None]
    scheduled = _scheduled(inputs, ts)
    live = np.isfinite(weight)
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
    exposures = LotExposures(inputs, valuation, vol63)
    triggers = {
        "threshold": live & breach & ~was,
        "scheduled": live & scheduled,
    }
    for kind, fired in triggers.items():
        for p in np.unique(t.portfolio):
            cols = np.flatnonzero(t.portfolio == p)
            for kk in np.flatnonzero(fired[:, cols].any(axis=1)):
                row = event_row(
                    inputs, valuation, exposures, lot_target, int(p), int(ts[kk]), kind, cols
                )
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


class LotExposures:
    """Delta-adjusted exposure of every lot (M,) at the close of a calendar row, valued
    once per row however many events the row has."""

    def __init__(self, inputs: BatchInputs, valuation: Valuation, vol63: FloatArray) -> None:
        self.inputs, self.valuation, self.vol63 = inputs, valuation, vol63
        self._rows: dict[int, FloatArray] = {}

    def of(self, t: int) -> FloatArray:
        if t not in self._rows:
            held = held_positions(self.inputs, self.valuation, self.vol63, np.array([t]))
            out = np.zeros(self.inputs.lots.kind.size)
            out[held.lot] = position_exposure(held.positions)
            self._rows[t] = out
        return self._rows[t]


def event_row(
    inputs: BatchInputs,
    valuation: Valuation,
    exposures: LotExposures,
    lot_target: IntArray,
    p: int,
    t: int,
    kind: str,
    cols: IntArray,
) -> dict[str, Any]:
    """The event of portfolio row ``p`` on calendar row ``t``, with its proposal."""
    lots, targets = inputs.lots, inputs.targets
    assert targets is not None
    r = t - valuation.offset
    mine = np.flatnonzero((lots.portfolio == p) & valuation.held[r])
    mine = mine[np.lexsort((lots.position_id[mine], lots.entry_date[mine]))]  # FIFO order
    public = lots.kind[mine] == PUBLIC
    symbols = np.unique(lots.symbol[mine[public]].astype(str))
    n_other = int((~public).sum())
    where = np.searchsorted(symbols, lots.symbol[mine[public]].astype(str))
    instrument = np.empty(mine.size, dtype=np.int64)
    instrument[public] = where
    instrument[~public] = symbols.size + np.arange(n_other)
    N = symbols.size + n_other
    value = valuation.value[r, mine]
    quantity = np.bincount(instrument, weights=lots.quantity[mine], minlength=N).astype(float)
    price = np.ones(N)  # untradable instruments are never traded: their price is unused
    price[instrument[public]] = valuation.price[r, mine[public]]
    lot_exposure = exposures.of(t)
    per_lot = np.nan_to_num(lot_exposure[mine]) / lots.quantity[mine]
    value_unit, exposure_unit = price.copy(), price.copy()
    value_unit[instrument[~public]] = np.nan_to_num(value[~public]) / lots.quantity[mine[~public]]
    exposure_unit[instrument[~public]] = per_lot[~public]
    group = np.full(N, -1, dtype=np.int64)
    local = {int(c): i for i, c in enumerate(cols)}
    for lot_row, inst in zip(mine, instrument, strict=True):
        target = int(lot_target[lot_row])
        if target in local and group[inst] < 0:
            group[inst] = local[target]
    book = rb.Book(
        quantity=quantity,
        price=price,
        exposure_per_unit=exposure_unit,
        value_per_unit=value_unit,
        tradable=np.arange(N) < symbols.size,
        lot_size=np.ones(N),
        cash=float(valuation.nav[r, p] - np.nansum(value)),
    )
    chosen = rb.Targets(targets.weight[cols], targets.lower[cols], targets.upper[cols], group)
    prop = rb.propose(book, chosen, EVENT_CONSTRAINTS)
    # By instrument, each instrument's lots oldest first (``mine`` is in entry order).
    fifo = np.argsort(instrument[public], kind="stable")
    traded = mine[public][fifo]
    gain = rb.fifo_realized_gain(
        prop.trade, price, instrument[public][fifo], lots.quantity[traded], lots.entry_price[traded]
    )
    names = [*symbols.tolist(), *lots.symbol[mine[~public]].astype(str).tolist()]
    day = inputs.sessions[t].astype(object)
    return {
        "portfolio_id": int(inputs.portfolios.id[p]),
        "trigger_key": f"{kind}:{day.isoformat()}",
        "kind": kind,
        "trigger_date": day,
        "proposal": _proposal_json(prop, names, gain, targets.key[cols]),
    }


def _proposal_json(
    prop: rb.Proposal, names: list[str], gain: FloatArray, keys: np.ndarray
) -> dict[str, Any]:
    trades = [
        {
            "symbol": names[i],
            "side": "buy" if prop.trade[i] > 0 else "sell",
            "quantity": float(abs(prop.trade[i])),
            "price": float(abs(prop.notional[i] / prop.trade[i])),
            "notional": float(abs(prop.notional[i])),
            "cost": float(prop.cost[i]),
            "realized_gain": float(gain[i]),
        }
        for i in np.flatnonzero(prop.trade)
    ]
    return {
        "variant": "back_to_target",
        "feasible": prop.feasible,
        "reasons": [f"{r.code}: {r.message}" for r in prop.reasons],
        "trades": trades,
        "before": {"weights": dict(zip(keys.tolist(), finite(prop.weights_before), strict=True))},
        "after": {"weights": dict(zip(keys.tolist(), finite(prop.weights_after), strict=True))},
        "cash_after": prop.cash_after,
        "nav_after": prop.nav_after,
    }
