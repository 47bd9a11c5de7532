"""The return histogram says which series is realized and which lines are ex-ante."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from sigmasight.charts.risk import return_histogram
from sigmasight.services.analytics.risk_metrics import (
    BacktestPoint,
    ExAnte,
    Realized,
    RiskMetricsView,
    VaRBacktestView,
    VaREntry,
)


def _views(losses: np.ndarray) -> tuple[RiskMetricsView, VaRBacktestView]:
    levels = ((0.95, float(np.quantile(losses, 0.95)), 0.031), (0.99, 0.035, 0.042))
    entries = (
        *(VaREntry("historical", c, 1, "one_day", v, cv, None, None) for c, v, cv in levels),
        VaREntry("parametric", 0.99, 1, "one_day", 0.03, 0.034, None, None),
    )
    ex_ante = ExAnte(504, 504, 0.0, 0.2, -0.3, 2.0, entries)
    realized = Realized(504, 504, 0.0, *([None] * 12))
    view = RiskMetricsView(1, date(2022, 12, 28), 1e6, ex_ante, realized, None, None, None, "", ())
    start = date(2022, 1, 3)
    points = tuple(
        BacktestPoint(start + timedelta(days=i), float(x), 0.03, bool(x > 0.03))
        for i, x in enumerate(losses)
    )
    backtest = VaRBacktestView(
        1, date(2022, 12, 28), "historical", 0.99, len(points), 0, 2.5, *([None] * 7), points, ""
    )
    return view, backtest


def test_histogram_names_the_realized_bars_and_the_ex_ante_lines() -> None:
    losses = np.random.default_rng(3).standard_t(4, 250) * 0.01
    figure = return_histogram(*_views(losses))
    bars, *lines = figure["data"]
    assert bars["type"] == "histogram"
    assert "realized daily returns" in bars["name"]
    assert "250 sessions" in bars["name"]
    names = [trace["name"] for trace in lines]
    assert names == [
        f"ex-ante {kind} {level}%, 1 day, historical (504-session window)"
        for level in (95, 99)
        for kind in ("VaR", "CVaR")
    ]
    # each line stands at minus the loss and spans the tallest bar
    counts = np.histogram(-losses, np.histogram_bin_edges(-losses, 40))[0]
    assert lines[0]["x"] == [-np.quantile(losses, 0.95)] * 2
    assert min(trace["y"][1] for trace in lines) >= counts.max()
    layout = figure["layout"]
    assert "realized series" in layout["xaxis"]["title"]["text"]
    assert layout["yaxis"]["title"]["text"] == "sessions"
    assert "ex-ante 1-day VaR/CVaR (lines)" in layout["title"]["text"]


def test_histogram_without_returns_still_draws_its_lines() -> None:
    view, backtest = _views(np.array([0.01]))
    empty = VaRBacktestView(
        *[getattr(backtest, f) for f in VaRBacktestView.__dataclass_fields__][:-2], (), ""
    )
    figure = return_histogram(view, empty)
    assert figure["data"][0]["name"].startswith("realized daily returns, last 0 sessions")
    assert len(figure["data"]) == 5
