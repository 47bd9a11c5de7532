"""Stored JSON shapes of the history tables: compact on disk, the same entries on read."""

from __future__ import annotations

import numpy as np
import orjson

from sigmasight.analytics import risk_metrics as rm
from sigmasight.storage.db import json_text
from sigmasight.storage.history_factors import factor_figures
from sigmasight.storage.history_risk import (
    VAR_LAYOUT,
    VAR_LAYOUTS,
    PortfolioRiskMetrics,
    var_entries,
)


def test_the_batch_var_table_has_the_stored_layout() -> None:
    rng = np.random.default_rng(3)
    table = rm.var_table(rng.normal(0, 0.01, (300, 2)))
    labels = tuple((e.method, e.confidence, e.horizon_days, e.scaling) for e in table)
    assert labels == VAR_LAYOUTS[VAR_LAYOUT]


def test_var_entries_from_the_layout_and_from_old_entries() -> None:
    labels = VAR_LAYOUTS[VAR_LAYOUT]
    var = np.arange(len(labels), dtype=float) / 100
    var[3] = np.nan
    stored = {"layout": VAR_LAYOUT, "var": var, "cvar": var * 2}
    read = orjson.loads(json_text(stored))  # as the database gives it back
    entries = var_entries(read)
    assert [(e["method"], e["confidence"], e["horizon_days"], e["scaling"]) for e in entries] == [
        tuple(x) for x in labels
    ]
    assert entries[3]["var"] is None
    assert entries[3]["cvar"] is None
    assert entries[5]["var"] == 0.05
    assert entries[5]["cvar"] == 0.1
    old = [dict(e) for e in entries]
    assert var_entries(old) == old


def test_drawdown_entries_from_columns_and_from_old_entries() -> None:
    row = PortfolioRiskMetrics()
    row.drawdowns = {
        "peak": ["2022-01-03", "2022-05-02"],
        "depth": [-0.2, -0.05],
        "recovered": [False, True],
    }
    assert row.drawdown_entries == [
        {"peak": "2022-01-03", "depth": -0.2, "recovered": False},
        {"peak": "2022-05-02", "depth": -0.05, "recovered": True},
    ]
    row.drawdowns = {"peak": [], "depth": [], "recovered": []}
    assert row.drawdown_entries == []
    old = [{"peak": "2022-01-03", "depth": -0.2}]
    row.drawdowns = old
    assert row.drawdown_entries == old


def test_factor_figures_from_columns_and_from_old_mapping() -> None:
    stored = {
        "factors": {"keys": ["market", "momentum"], "weighted": [1.1, None], "direct": [1.0, 0.2]}
    }
    assert factor_figures(stored) == {
        "market": {"weighted": 1.1, "direct": 1.0},
        "momentum": {"weighted": None, "direct": 0.2},
    }
    old = {"factors": {"market": {"weighted": 1.1}}}
    assert factor_figures(old) == {"market": {"weighted": 1.1}}
