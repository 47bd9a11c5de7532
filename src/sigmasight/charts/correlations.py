"""Plotly figures of the Correlations page (JSON-ready dicts, rendered by plotly.min.js)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from sigmasight.charts.base import figure_json
from sigmasight.services.analytics.correlations import (
    CorrelationMatrixView,
    RiskContributionsView,
    RollingCorrelationView,
)


def heatmap(view: CorrelationMatrixView) -> Any:
    """The matrix in clustering order, -1 (blue) to +1 (red); nulls left blank.

    The CSP forbids inline style attributes: the one-pixel gaps keep Plotly on its
    full-resolution drawing (without them it probes the browser with a ``style``
    attribute), and the colour bar (which sets one) is left out; the page states the
    scale in words."""
    symbols = list(view.symbols)
    fig = go.Figure(
        go.Heatmap(
            z=view.matrix,
            x=symbols,
            y=symbols,
            zmin=-1.0,
            zmax=1.0,
            colorscale="RdBu",
            xgap=1,
            ygap=1,
            showscale=False,
            reversescale=True,
            hovertemplate="%{y} / %{x}: %{z:.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return figure_json(fig)


def rolling(view: RollingCorrelationView) -> Any:
    days = [d.isoformat() for d in view.dates]
    fig = go.Figure(
        go.Scatter(x=days, y=list(view.correlations), mode="lines", name=f"{view.a} / {view.b}")
    )
    fig.update_yaxes(range=[-1, 1], title=f"{view.window}-session correlation")
    return figure_json(fig)


def contributions(view: RiskContributionsView) -> Any:
    """Component contributions as bars (negative: a hedge)."""
    rows = list(view.contributions)
    fig = go.Figure(
        go.Bar(x=[c.key for c in rows], y=[c.component for c in rows], name="component")
    )
    fig.update_yaxes(tickformat=".1%", title=f"contribution to {view.measure}")
    return figure_json(fig)
