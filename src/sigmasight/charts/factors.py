"""Plotly figures of the Factors page (JSON-ready dicts, rendered by plotly.min.js)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from sigmasight.charts.base import Z_95, figure_json
from sigmasight.domain.factors import FACTORS
from sigmasight.services.analytics.factors import FactorHistoryPoint, PortfolioFactorView


def loadings(view: PortfolioFactorView) -> Any:
    """Weighted and direct loadings of the active factors, each with a 95 % interval."""
    rows = [f for f in view.factors if f.active]
    names = [f.name for f in rows]
    fig = go.Figure()
    for label, value, se in (
        ("Weighted (sum of securities)", "weighted", "weighted_se"),
        ("Direct (portfolio series)", "direct", "direct_se"),
    ):
        errors = [Z_95 * (getattr(f, se) or 0.0) for f in rows]
        fig.add_trace(
            go.Bar(
                x=[getattr(f, value) for f in rows],
                y=names,
                orientation="h",
                name=label,
                error_x={"type": "data", "array": errors},
            )
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(title="loading per unit of NAV (95% interval)", zeroline=True)
    return figure_json(fig)


def risk_shares(view: PortfolioFactorView) -> Any:
    rows = [f for f in view.factors if f.active]
    names = [*(f.name for f in rows), "Specific"]
    shares = [*(f.risk_share for f in rows), view.risk.specific_share]
    fig = go.Figure(go.Bar(x=names, y=shares, name="Share of variance"))
    fig.update_yaxes(tickformat=".0%", title="share of portfolio variance (Euler)")
    return figure_json(fig)


def loadings_over_time(history: list[FactorHistoryPoint]) -> Any:
    days = [p.date.isoformat() for p in history]
    fig = go.Figure()
    for f in FACTORS:
        values = [p.weighted.get(f.key) for p in history]
        if any(v is not None for v in values):
            fig.add_trace(go.Scatter(x=days, y=values, mode="lines", name=f.name))
    fig.update_yaxes(title="weighted loading")
    return figure_json(fig)
