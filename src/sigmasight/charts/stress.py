"""Plotly figure of the Stress page: the waterfall of one scenario's P&L by position or
by sector, ending in the book's total."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import plotly.graph_objects as go

from sigmasight.charts.base import figure_json
from sigmasight.services.analytics.stress import ScenarioResult

GROUPINGS = ("position", "sector")


def contributions(scenario: ScenarioResult, by: str) -> list[tuple[str, float]]:
    """(label, P&L) by position (``symbol #id``) or by sector (Unclassified for none),
    largest loss first; positions without a P&L are left out (counted in ``missing``)."""
    sums: dict[str, float] = defaultdict(float)
    for p in scenario.positions:
        if p.pnl is None:
            continue
        key = f"{p.symbol} #{p.position_id}" if by == "position" else p.sector or "Unclassified"
        sums[key] += p.pnl
    return sorted(sums.items(), key=lambda kv: (kv[1], kv[0]))


def waterfall(scenario: ScenarioResult, by: str) -> Any:
    """Each position's (sector's) P&L under ``scenario`` as a step, then the total."""
    parts = contributions(scenario, by)
    fig = go.Figure(
        go.Waterfall(
            x=[label for label, _ in parts] + ["Total"],
            y=[value for _, value in parts] + [scenario.pnl],
            measure=["relative"] * len(parts) + ["total"],
            decreasing={"marker": {"color": "#c62828"}},
            increasing={"marker": {"color": "#2e7d32"}},
            totals={"marker": {"color": "#455a64"}},
            name=f"{scenario.name}: P&L by {by}",
        )
    )
    fig.update_layout(yaxis_title="P&L (loss < 0)", showlegend=False)
    return figure_json(fig)
