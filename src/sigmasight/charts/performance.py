"""Plotly figures of the Performance page: cumulative returns against the benchmarks,
the monthly-returns heatmap and the rolling tracking error."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from sigmasight.charts.base import figure_json
from sigmasight.services.analytics.attribution import AttributionView
from sigmasight.services.analytics.performance import PerformancePage

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def cumulative(page: PerformancePage) -> Any:
    """The portfolio's time-weighted return and each benchmark's, from the close before
    the first stored session of the period."""
    fig = go.Figure()
    for curve, width in ((page.portfolio, 3), *((b, 1.5) for b in page.benchmarks)):
        fig.add_trace(
            go.Scatter(
                x=[d.isoformat() for d in curve.dates],
                y=list(curve.cumulative),
                mode="lines",
                name=curve.name,
                line={"width": width},
            )
        )
    fig.update_yaxes(tickformat=".1%", title="cumulative return (TWR)")
    return figure_json(fig)


def monthly_heatmap(page: PerformancePage) -> Any:
    years = sorted({m.year for m in page.months})
    z: list[list[float | None]] = [[None] * 12 for _ in years]
    for m in page.months:
        z[years.index(m.year)][m.month - 1] = m.total
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(MONTHS),
            y=[str(y) for y in years],
            colorscale="RdYlGn",
            zmid=0.0,
            hovertemplate="%{y} %{x}: %{z:.2%}<extra></extra>",
            texttemplate="%{z:.1%}",
            xgap=1,
            ygap=1,
            # no colour bar: plotly styles it inline, which the CSP refuses; each cell
            # carries its value as text instead
            showscale=False,
        )
    )
    fig.update_yaxes(type="category")
    return figure_json(fig)


def rolling_tracking_error(page: PerformancePage) -> Any:
    fig = go.Figure(
        go.Scatter(
            x=[p.date.isoformat() for p in page.tracking],
            y=[p.tracking_error for p in page.tracking],
            mode="lines",
            name=f"tracking error vs {page.primary}, 63 sessions, annualised",
        )
    )
    fig.update_yaxes(tickformat=".1%", title="annualised tracking error")
    return figure_json(fig)


def attribution_bars(view: AttributionView) -> Any:
    """Each estimated factor's contribution and the specific remainder, in return."""
    shown = [c for c in view.factors if c.contribution is not None]
    names = [c.name for c in shown] + ["Specific"]
    values = [c.contribution for c in shown] + [view.specific]
    fig = go.Figure(
        go.Bar(x=names, y=values, name="contribution to the period's TWR",
               hovertemplate="%{x}: %{y:.2%}<extra></extra>")
    )  # fmt: skip
    fig.update_yaxes(tickformat=".2%", title="contribution to return")
    return figure_json(fig)
