"""Plotly figures of the risk-metrics page: returns against VaR, underwater, backtest."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from sigmasight.services.analytics import DrawdownsView, RiskMetricsView, VaRBacktestView
from sigmasight.web.charts import _json


def return_histogram(metrics: RiskMetricsView, backtest: VaRBacktestView) -> Any:
    """Stored daily realized returns with today's ex-ante 1-day historical VaR and CVaR
    drawn as negative returns (VaR is a positive loss)."""
    returns = [-p.loss for p in backtest.points if p.loss is not None]
    fig = go.Figure(go.Histogram(x=returns, nbinsx=40, name="daily realized returns"))
    for e in metrics.ex_ante.var:
        if e.method != "historical" or e.scaling != "one_day":
            continue
        for value, label, dash in ((e.var, "VaR", "dash"), (e.cvar, "CVaR", "dot")):
            if value is not None:
                fig.add_vline(
                    x=-value,
                    line_dash=dash,
                    annotation_text=f"{label} {100 * e.confidence:g}%",
                    annotation_position="top",
                )
    fig.update_xaxes(tickformat=".1%", title="daily return")
    fig.update_yaxes(title="sessions")
    return _json(fig)


def underwater(view: DrawdownsView) -> Any:
    fig = go.Figure(
        go.Scatter(
            x=[p.date.isoformat() for p in view.underwater],
            y=[p.drawdown for p in view.underwater],
            mode="lines",
            fill="tozeroy",
            name="drawdown",
        )
    )
    fig.update_yaxes(tickformat=".1%", title="below the running peak")
    return _json(fig)


def backtest(view: VaRBacktestView) -> Any:
    days = [p.date.isoformat() for p in view.points]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=days, y=[p.loss for p in view.points], name="realized loss"))
    fig.add_trace(
        go.Scatter(
            x=days,
            y=[p.var for p in view.points],
            mode="lines",
            name=f"1-day VaR {100 * view.confidence:g}% ({view.method}), predicted the day before",
        )
    )
    hits = [p for p in view.points if p.exception]
    fig.add_trace(
        go.Scatter(
            x=[p.date.isoformat() for p in hits],
            y=[p.loss for p in hits],
            mode="markers",
            marker={"symbol": "x", "size": 10, "color": "#c62828"},
            name="exception",
        )
    )
    fig.update_yaxes(tickformat=".1%", title="loss (positive) / VaR")
    return _json(fig)
