"""Figures of a portfolio's overview, risk, holdings and security pages."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from sigmasight.charts.base import Z_95, figure_json
from sigmasight.services.analytics import (
    ConcentrationView,
    MarketBetaView,
    SectorView,
    SnapshotSeries,
    VolatilityView,
)
from sigmasight.services.holdings_summary import OverviewHoldings


def volatility_history(view: VolatilityView) -> Any:
    days = [p.date.isoformat() for p in view.history]
    fig = go.Figure()
    for name, values in (
        ("Realized 21d", [p.realized_21d for p in view.history]),
        ("Realized 63d", [p.realized_63d for p in view.history]),
        ("HAR forecast 21d", [p.expected_21d for p in view.history]),
    ):
        fig.add_trace(go.Scatter(x=days, y=values, mode="lines", name=name))
    fig.update_yaxes(tickformat=".0%", title="annualised volatility")
    return figure_json(fig)


def sector_bars(view: SectorView) -> Any:
    buckets = [b for b in view.buckets if (b.net or 0) != 0 or (b.benchmark or 0) != 0]
    active = [b.active or 0.0 for b in buckets]
    fig = go.Figure(
        go.Bar(
            x=active,
            y=[b.sector for b in buckets],
            orientation="h",
            marker_color=["#2e7d32" if a >= 0 else "#c62828" for a in active],
            name="Over / underweight vs benchmark",
        )
    )
    fig.update_xaxes(tickformat=".0%", title="net weight minus benchmark weight", zeroline=True)
    return figure_json(fig)


def weights(view: ConcentrationView) -> Any:
    rows = [h for h in view.holdings if h.weight is not None][:25]
    fig = go.Figure(go.Bar(x=[h.symbol for h in rows], y=[h.weight for h in rows], name="Weight"))
    fig.update_yaxes(tickformat=".0%", title="% of gross market value")
    return figure_json(fig)


def beta_intervals(view: MarketBetaView) -> Any:
    rows = [p for p in view.positions if p.beta is not None and p.std_error is not None]
    fig = go.Figure(
        go.Scatter(
            x=[p.beta for p in rows],
            y=[p.symbol for p in rows],
            mode="markers",
            error_x={"type": "data", "array": [Z_95 * (p.std_error or 0.0) for p in rows]},
            name="Beta ± 95% CI",
        )
    )
    fig.update_xaxes(title="market beta (95% confidence interval)")
    return figure_json(fig)


def nav_history(series: SnapshotSeries) -> Any:
    fig = go.Figure(
        go.Scatter(
            x=[r.date.isoformat() for r in series.rows],
            y=[r.nav for r in series.rows],
            mode="lines",
            name="NAV",
        )
    )
    fig.update_yaxes(title="net asset value")
    return figure_json(fig)


def security_chart(points: list[Any]) -> Any:
    """Price (candlesticks where every bar has OHLC, a line otherwise) with SMA and
    Bollinger overlays, and RSI and MACD panes below, from the stored history."""
    from plotly.subplots import make_subplots

    days = [p.date.isoformat() for p in points]

    def series(name: str) -> list[float | None]:
        return [p.indicators.get(name) for p in points]

    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, row_heights=[0.6, 0.2, 0.2])
    bars = all(p.open is not None and p.high is not None and p.low is not None for p in points)
    if bars and points:
        fig.add_trace(
            go.Candlestick(
                x=days,
                open=[p.open for p in points],
                high=[p.high for p in points],
                low=[p.low for p in points],
                close=[p.close for p in points],
                name="Price",
            ),
            row=1,
            col=1,
        )
    else:
        fig.add_trace(go.Scatter(x=days, y=[p.close for p in points], name="Close"), row=1, col=1)
    for name, label, dash in (
        ("sma_20", "SMA 20", "solid"),
        ("sma_50", "SMA 50", "solid"),
        ("sma_200", "SMA 200", "solid"),
        ("bb_upper", "Bollinger upper", "dot"),
        ("bb_lower", "Bollinger lower", "dot"),
    ):
        line = {"width": 1, "dash": dash}
        fig.add_trace(go.Scatter(x=days, y=series(name), name=label, line=line), row=1, col=1)
    fig.add_trace(go.Scatter(x=days, y=series("rsi_14"), name="RSI 14"), row=2, col=1)
    fig.update_yaxes(range=[0, 100], title="RSI", row=2, col=1)
    fig.add_trace(go.Scatter(x=days, y=series("macd"), name="MACD"), row=3, col=1)
    fig.add_trace(go.Scatter(x=days, y=series("macd_signal"), name="Signal"), row=3, col=1)
    fig.add_trace(go.Bar(x=days, y=series("macd_hist"), name="Histogram"), row=3, col=1)
    fig.update_yaxes(title="MACD", row=3, col=1)
    fig.update_xaxes(rangeslider_visible=False)
    fig.update_layout(height=640)
    return figure_json(fig)


def allocation(view: OverviewHoldings) -> Any:
    """Market value by sector (private holdings and cash apart) as a share of NAV; a
    short side is a negative bar."""
    buckets = list(reversed(view.allocation))  # largest at the top of a horizontal bar
    weights = [b.weight for b in buckets]
    fig = go.Figure(
        go.Bar(
            x=weights,
            y=[b.name for b in buckets],
            orientation="h",
            marker_color=["#1565c0" if (w or 0) >= 0 else "#c62828" for w in weights],
            name="Share of NAV",
        )
    )
    fig.update_xaxes(tickformat=".0%", title="market value, % of NAV", zeroline=True)
    return figure_json(fig)


def rolling_volatility_and_beta(series: SnapshotSeries) -> Any:
    """The stored snapshots' 21-session realized volatility (left axis) and direct beta
    (right axis)."""
    days = [r.date.isoformat() for r in series.rows]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=days, y=[r.volatility_21d for r in series.rows],
                             name="volatility 21d (annualised)", mode="lines"))  # fmt: skip
    fig.add_trace(go.Scatter(x=days, y=[r.beta_direct for r in series.rows], name="beta (direct)",
                             mode="lines", yaxis="y2"))  # fmt: skip
    fig.update_layout(yaxis={"tickformat": ".0%", "title": "volatility"},
                      yaxis2={"overlaying": "y", "side": "right", "title": "beta"})  # fmt: skip
    return figure_json(fig)
