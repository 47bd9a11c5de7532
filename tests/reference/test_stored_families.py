"""Every stored figure of the risk-metrics, factor and asset-metrics families against an
independent recomputation from the raw stored closes and positions.

The demo backfill (tests/reference/conftest.py, built once per session) is read back
table by table; each row is recomputed by ``tests/reference/risk.py`` (empyrical-reloaded,
quantstats, scipy), ``factors.py`` (statsmodels, scikit-learn) and ``assets.py``
(pandas), never by the package's analytics. Every column is compared, every value of a
JSON column included; an unreferenced column fails the test.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine

from sigmasight.storage.history import SecurityVolatility
from sigmasight.storage.history_assets import AssetPerformanceMetric
from sigmasight.storage.history_factors import (
    PortfolioFactorExposure,
    SecurityFactorExposure,
    factor_figures,
)
from sigmasight.storage.history_risk import PortfolioRiskMetrics
from tests.reference.assets import AssetReference
from tests.reference.compare import mismatches
from tests.reference.conftest import stored_rows
from tests.reference.factors import FactorReference
from tests.reference.risk import RiskReference
from tests.reference.test_stored_figures import BOOKS, DATES

#: Risk and factor rows are compared on these (first, middle, last and the book events);
#: per-symbol tables on the first, middle and last.
FIRST, MIDDLE, LAST = DATES[0], DATES[3], DATES[-1]
BOOK_DATES = [(p, d) for p in sorted(BOOKS) for d in DATES]


def _records(frame: object) -> list[dict[str, object]]:
    return [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")  # type: ignore[attr-defined]
    ]


def _one(engine: Engine, model: type, **where: object) -> dict[str, object]:
    found = _records(stored_rows(engine, model, **where))
    assert len(found) == 1, (model, where, len(found))
    return found[0]


def _symbols(engine: Engine, day: date) -> set[str]:
    """The run's securities: every symbol with a stored volatility on ``day``."""
    return {str(s) for s in stored_rows(engine, SecurityVolatility, calc_date=day).symbol}


# -- portfolio_risk_metrics -----------------------------------------------------------


@pytest.mark.parametrize(("portfolio", "day"), BOOK_DATES)
def test_every_risk_metric_column_equals_empyrical_and_scipy(
    demo_engine: Engine, risk: RiskReference, portfolio: int, day: date
) -> None:
    stored = _one(demo_engine, PortfolioRiskMetrics, portfolio_id=portfolio, calc_date=day)
    expected = risk.row(portfolio, day)
    expected["notes"] = risk.notes(expected)
    assert set(stored) == set(expected) | {"portfolio_id", "calc_date"}, "unreferenced column"
    # the JSON columns as entries (they are stored as columns; see storage/history_risk.py)
    shaped = PortfolioRiskMetrics(var=stored["var"], drawdowns=stored["drawdowns"])
    var, drawdowns = shaped.var_entries, shaped.drawdown_entries
    assert [e["scaling"] for e in var] == [e["scaling"] for e in expected["var"]]  # type: ignore[union-attr]
    for got, want in zip(var, expected["var"], strict=True):  # type: ignore[call-overload]
        assert not mismatches(got, want), (got["method"], got["confidence"], mismatches(got, want))
    assert len(drawdowns) == len(expected["drawdowns"])  # type: ignore[arg-type]
    for got, want in zip(drawdowns, expected["drawdowns"], strict=True):  # type: ignore[call-overload]
        assert not mismatches(got, want), mismatches(got, want)
    scalars = {k: v for k, v in expected.items() if k not in {"var", "drawdowns"}}
    assert not mismatches(stored, scalars), mismatches(stored, scalars)


def test_risk_rows_start_at_each_book_inception(demo_engine: Engine, risk: RiskReference) -> None:
    """A row for every book on every backfill session from its inception, none before."""
    rows = stored_rows(demo_engine, PortfolioRiskMetrics)
    sessions = [d for d in risk.sessions if FIRST <= d <= LAST]
    for portfolio in BOOKS:
        start = risk.books.inception(portfolio)
        got = sorted(rows.calc_date[rows.portfolio_id == portfolio])
        assert got == [d for d in sessions if d >= start]


# -- security_factor_exposures -----------------------------------------------------------


@pytest.mark.parametrize("method", ["ols", "ridge"])
@pytest.mark.parametrize("day", [FIRST, MIDDLE, LAST])
def test_every_security_factor_column_equals_statsmodels_and_sklearn(
    demo_engine: Engine, factors: FactorReference, day: date, method: str
) -> None:
    rows = _records(stored_rows(demo_engine, SecurityFactorExposure, calc_date=day, method=method))
    assert {str(r["symbol"]) for r in rows} == _symbols(demo_engine, day)
    exact = []
    for row in rows:
        expected = factors.security_row(str(row["symbol"]), day, method)
        assert row["window"] == 252
        assert set(row) == set(expected) | {"symbol", "calc_date", "method", "window"}
        if method == "ols" and expected["r_squared"] == pytest.approx(1.0, abs=1e-12):
            exact.append(row["symbol"])
            row, expected = _exact_fit(row, expected)
        assert not mismatches(row, expected), (row["symbol"], mismatches(row, expected))
    # The factor legs themselves (the S&P 500, MTUM, QUAL, USMV) and nothing else.
    assert set(exact) <= {"^GSPC", "MTUM", "QUAL", "SIZE", "USMV", "VLUE"}


#: Largest stored residual volatility / standard error of an exact fit (R^2 = 1): the
#: batch's SSR = Syy - 2 b.c + b'Gb cancels to ~1e-16 of Syy, so its square root is
#: ~1e-8 where the two-pass residuals of statsmodels give ~1e-14 (docs/PERFORMANCE
#: notes the cancellation); t and p of an exact fit are ratios of rounding noise.
EXACT_FIT_NOISE = 1e-7


def _exact_fit(
    row: dict[str, object], expected: dict[str, object]
) -> tuple[dict[str, object], dict[str, object]]:
    """A security that is a factor leg: every figure but the noise-level ones compared,
    those bounded by :data:`EXACT_FIT_NOISE`."""
    assert abs(float(row["residual_vol"])) < EXACT_FIT_NOISE  # type: ignore[arg-type]
    got_factors = dict(row["factors"])  # type: ignore[call-overload]
    want_factors = dict(expected["factors"])  # type: ignore[call-overload]
    for key in want_factors:
        got = dict(got_factors[key])
        assert abs(float(got.pop("std_error"))) < EXACT_FIT_NOISE
        got.pop("t_stat"), got.pop("p_value")
        got_factors[key] = got
        want_factors[key] = {
            k: v
            for k, v in want_factors[key].items()
            if k not in {"std_error", "t_stat", "p_value"}
        }
    drop = {"residual_vol", "factors"}
    return (
        {**{k: v for k, v in row.items() if k not in drop}, "factors": got_factors},
        {**{k: v for k, v in expected.items() if k not in drop}, "factors": want_factors},
    )


# -- portfolio_factor_exposures -------------------------------------------------------------


@pytest.mark.parametrize(("portfolio", "day"), BOOK_DATES)
def test_every_portfolio_factor_value_equals_the_reference(
    demo_engine: Engine, factors: FactorReference, portfolio: int, day: date
) -> None:
    stored = _one(demo_engine, PortfolioFactorExposure, portfolio_id=portfolio, calc_date=day)
    expected = factors.portfolio_row(portfolio, day)
    assert set(stored) == set(expected) | {"portfolio_id", "calc_date"}, "unreferenced column"
    for method in ("ols", "ridge"):
        got, want = stored.pop(method), expected.pop(method)
        assert set(got) == set(want)  # type: ignore[arg-type]
        for part in ("direct", "risk"):
            assert not mismatches(got[part], want[part]), (
                method,
                part,
                mismatches(got[part], want[part]),
            )  # type: ignore[index]
        per_factor = factor_figures(got)  # type: ignore[arg-type]
        assert set(per_factor) == set(want["factors"])  # type: ignore[index]
        for key, figures in want["factors"].items():  # type: ignore[index]
            assert not mismatches(per_factor[key], figures), (
                method,
                key,
                mismatches(per_factor[key], figures),
            )
        counts = {k: want[k] for k in ("positions_covered", "positions_held")}  # type: ignore[index]
        assert not mismatches(got, counts), mismatches(got, counts)
    assert not mismatches(stored, expected), mismatches(stored, expected)


# -- asset_performance_metrics -----------------------------------------------------------


@pytest.mark.parametrize("day", [FIRST, MIDDLE, LAST])
def test_every_asset_metric_column_equals_pandas(
    demo_engine: Engine, assets: AssetReference, day: date
) -> None:
    rows = _records(stored_rows(demo_engine, AssetPerformanceMetric, calc_date=day))
    assert {str(r["symbol"]) for r in rows} == _symbols(demo_engine, day)
    for row in rows:
        expected = assets.row(str(row["symbol"]), day)
        assert set(row) == set(expected) | {"symbol", "calc_date"}, "unreferenced column"
        assert not mismatches(row, expected), (row["symbol"], mismatches(row, expected))
