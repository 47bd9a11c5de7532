"""Plotly figures of the risk-metrics page: returns against VaR, underwater, backtest."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from sigmasight.charts.base import figure_json
from sigmasight.services.analytics import DrawdownsView, RiskMetricsView, VaRBacktestView

#: Line colours of the ex-ante levels (one per confidence) on the return histogram.
_LEVEL_COLOURS = {0.95: "#ef6c00", 0.99: "#c62828"}


def return_histogram(metrics: RiskMetricsView, backtest: VaRBacktestView) -> Any:
    """Bars: the **realized** daily returns (stored time-weighted NAV returns, flows
    removed) of the backtest window. Lines: today's **ex-ante** 1-day historical VaR and
    CVaR (today's holdings on the trailing window) at each confidence, drawn at minus the
    loss (VaR is a positive loss). Each line is a legend entry naming series, horizon,
    method, confidence and window."""
    returns = [-p.loss for p in backtest.points if p.loss is not None]
    bins = 40
    edges = np.histogram_bin_edges(returns, bins) if returns else np.array([0.0, 1.0])
    counts = np.histogram(returns, edges)[0] if returns else np.zeros(1)
    top = 1.1 * max(float(counts.max()), 1.0)
    fig = go.Figure(
        go.Histogram(
            x=returns,
            xbins={
                "start": float(edges[0]),
                "end": float(edges[-1]),
                "size": float(edges[1] - edges[0]),
            },
            name=f"realized daily returns, last {len(returns)} sessions (bars)",
            marker={"color": "#90a4ae"},
        )
    )
    window = metrics.ex_ante.window
    for e in metrics.ex_ante.var:
        if e.method != "historical" or e.scaling != "one_day":
            continue
        for value, label, dash in ((e.var, "VaR", "dash"), (e.cvar, "CVaR", "dot")):
            if value is None:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[-value, -value],
                    y=[0.0, top],
                    mode="lines",
                    line={"dash": dash, "color": _LEVEL_COLOURS.get(e.confidence, "#37474f")},
                    name=(
                        f"ex-ante {label} {100 * e.confidence:g}%, 1 day, historical "
                        f"({window}-session window)"
                    ),
                    hovertemplate=f"{label} {100 * e.confidence:g}%: %{{x:.2%}}<extra></extra>",
                )
            )
    fig.update_layout(
        title={"text": "Realized daily returns (bars) against ex-ante 1-day VaR/CVaR (lines)"},
        bargap=0.02,
    )
    fig.update_xaxes(tickformat=".1%", title="daily return (realized series; lines at −loss)")
    fig.update_yaxes(title="sessions", range=[0, top])
    return figure_json(fig)


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
    return figure_json(fig)


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
    return figure_json(fig)
