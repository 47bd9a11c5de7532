"""Plotly figures of the rebalancing page: allocation against target bands, drift."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from sigmasight.charts.base import figure_json
from sigmasight.services.analytics.rebalancing import ProposalView, TargetDrift


def allocation_bands(targets: list[TargetDrift], proposal: ProposalView | None) -> Any:
    """Bars: each target's weight now (and after the proposal); markers: the target with
    its band as an error bar."""
    keys = [t.key for t in targets]
    fig = go.Figure()
    if proposal is not None:
        fig.add_trace(
            go.Bar(x=keys, y=[proposal.before.weights.get(k) for k in keys], name="weight now")
        )
        fig.add_trace(
            go.Bar(
                x=keys,
                y=[proposal.after.weights.get(k) for k in keys],
                name=f"after {proposal.variant}",
                marker={"color": "#90a4ae"},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=keys,
            y=[t.target_weight for t in targets],
            mode="markers",
            name="target (band: min to max)",
            marker={"symbol": "diamond", "size": 11, "color": "#ef6c00"},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [t.max_weight - t.target_weight for t in targets],
                "arrayminus": [t.target_weight - t.min_weight for t in targets],
                "color": "#ef6c00",
            },
        )
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%", title="weight (delta-adjusted exposure / NAV)")
    return figure_json(fig)


def drift_lines(targets: list[TargetDrift]) -> Any:
    """Each target's stored weight over time, its target dotted."""
    fig = go.Figure()
    for t in targets:
        days = [p.day.isoformat() for p in t.history]
        fig.add_trace(go.Scatter(x=days, y=[p.weight for p in t.history], mode="lines", name=t.key))
        if days:
            fig.add_trace(
                go.Scatter(
                    x=[days[0], days[-1]],
                    y=[t.target_weight] * 2,
                    mode="lines",
                    line={"dash": "dot"},
                    name=f"{t.key} target",
                )
            )
    fig.update_yaxes(tickformat=".0%", title="weight")
    return figure_json(fig)
