"""``sigmasight analytics``: analytics of a stored portfolio, read from the batch's history.

Heavy modules (rich, the services) are imported inside the commands: `--help` stays fast."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from sigmasight.cli.common import console, fail, load_settings, unit_of_work_factory
from sigmasight.cli.portfolio import DatabaseOption, OwnerOption, _owner_id

app = typer.Typer(
    rich_markup_mode=None, help="Read a portfolio's stored analytics.", no_args_is_help=True
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f} %"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@app.command("risk")
def risk(
    portfolio_id: Annotated[int, typer.Argument(help="Portfolio id (see `portfolio list`).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default: latest.")
    ] = None,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """VaR/CVaR (positive = loss), ratios, drawdowns and risk level of PORTFOLIO_ID."""
    from sigmasight.services import analytics as service

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of must be a date YYYY-MM-DD, not {as_of!r}")
    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        owner_id = _owner_id(uow_factory, owner)
        try:
            view = service.risk_metrics(uow_factory, owner_id, portfolio_id, day)
        except (service.PortfolioNotFoundError, service.NoSnapshotError) as exc:
            fail(str(exc))
    _print(view)


def _print(view: object) -> None:
    from rich.table import Table

    from sigmasight.services.analytics import RiskMetricsView

    assert isinstance(view, RiskMetricsView)
    ex, rz = view.ex_ante, view.realized
    console.print(
        f"[bold]Portfolio {view.portfolio_id}[/] on {view.as_of}: NAV {view.nav:,.2f}, "
        f"risk level {view.risk_level or '-'}, diversification ratio "
        f"{_num(view.diversification_ratio)}"
    )
    table = Table(
        title=f"VaR / CVaR of the ex-ante series ({ex.observations} of {ex.window} sessions; "
        "positive = loss)"
    )
    for column in ("method", "level", "horizon", "scaling", "VaR", "CVaR", "VaR amount"):
        table.add_column(column)
    for e in ex.var:
        table.add_row(
            e.method,
            f"{100 * e.confidence:g} %",
            f"{e.horizon_days}d",
            e.scaling,
            _pct(e.var),
            _pct(e.cvar),
            "-" if e.var_amount is None else f"{e.var_amount:,.0f}",
        )
    console.print(table)
    console.print(
        f"Realized series ({rz.observations} of {rz.window} sessions, risk-free "
        f"{_pct(rz.risk_free_rate)} a year): Sharpe {_num(rz.sharpe)}, Sortino "
        f"{_num(rz.sortino)}, Treynor {_num(rz.treynor)}, Calmar {_num(rz.calmar)}, "
        f"Omega {_num(rz.omega)}, max drawdown {_pct(rz.max_drawdown)}, current "
        f"{_pct(rz.current_drawdown)}"
    )
    for note in view.notes:
        console.print(f"note: {note}")


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "—" if value is None else format(value, spec)


@app.command("factors")
def factors(
    portfolio_id: Annotated[int, typer.Argument(help="Portfolio id (see `portfolio list`).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default: latest).")
    ] = None,
    method: Annotated[str, typer.Option(help="Estimator: ols or ridge.")] = "ols",
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Factor loadings (weighted vs direct), currency exposures and share of risk."""
    from rich.table import Table

    from sigmasight.services.analytics import NoSnapshotError, PortfolioNotFoundError
    from sigmasight.services.analytics.factors import portfolio_factor_exposures

    if method not in ("ols", "ridge"):
        fail(f"unknown method {method!r} (use ols or ridge)")
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of must be a date YYYY-MM-DD, got {as_of!r}")
    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        try:
            view = portfolio_factor_exposures(
                uow_factory, _owner_id(uow_factory, owner), portfolio_id, day, method
            )
        except (NoSnapshotError, PortfolioNotFoundError) as exc:
            fail(str(exc))
    title = (
        f"Portfolio {view.portfolio_id} factor exposures on {view.as_of} "
        f"({view.method}, {view.window} sessions, {view.observations} returns)"
    )
    table = Table(title=title)
    for column in ("factor", "weighted", "direct", "difference", "exposure", "risk share"):
        table.add_column(column, justify="left" if column == "factor" else "right")
    for f in view.factors:
        if not f.active:
            table.add_row(f.name, "absent", "", "", "", "")
            continue
        table.add_row(
            f.name,
            _fmt(f.weighted),
            _fmt(f.direct),
            _fmt(f.difference, ".2e"),
            _fmt(f.exposure, ",.0f"),
            _fmt(f.risk_share, ".1%"),
        )
    console.print(table)
    for f in view.factors:
        if not f.active:
            console.print(f"{f.name} absent: {f.reason}", soft_wrap=True)
    risk = view.risk
    console.print(
        f"total volatility {_fmt(risk.total_volatility, '.1%')}, specific share "
        f"{_fmt(risk.specific_share, '.1%')}; direct R² {_fmt(view.diagnostics.r_squared)}"
    )


@app.command("correlations")
def correlations(
    portfolio_id: Annotated[int, typer.Argument(help="Portfolio id (see `portfolio list`).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default: latest).")
    ] = None,
    horizon: Annotated[str, typer.Option(help="1m, 3m, 6m, 1y or 3y.")] = "1y",
    measure: Annotated[str, typer.Option(help="Contributions to volatility, var or cvar.")] = (
        "volatility"
    ),
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Correlation matrix of the held securities (clustered order) and each position's
    Euler contribution to the book's volatility, VaR or CVaR."""
    from rich.table import Table

    from sigmasight.services.analytics import (
        InvalidParameterError,
        NoSnapshotError,
        PortfolioNotFoundError,
    )
    from sigmasight.services.analytics.correlations import correlation_matrix, risk_contributions

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of must be a date YYYY-MM-DD, got {as_of!r}")
    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        try:
            owner_id = _owner_id(uow_factory, owner)
            matrix = correlation_matrix(uow_factory, owner_id, portfolio_id, day, horizon)
            split = risk_contributions(uow_factory, owner_id, portfolio_id, day, measure)
        except (NoSnapshotError, PortfolioNotFoundError, InvalidParameterError) as exc:
            fail(str(exc))
    table = Table(
        title=f"Portfolio {matrix.portfolio_id} correlations on {matrix.as_of} "
        f"({matrix.horizon}, {matrix.window} sessions, at least {matrix.min_observations})"
    )
    table.add_column("")
    for symbol in matrix.symbols:
        table.add_column(symbol, justify="right")
    for symbol, row in zip(matrix.symbols, matrix.matrix, strict=True):
        table.add_row(symbol, *(_fmt(v, ".2f") for v in row))
    console.print(table)
    shares = Table(
        title=f"Contributions to {split.measure} (total {_fmt(split.total, '.2%')}, "
        f"{split.observations} sessions)"
    )
    for column in ("position", "weight", "marginal", "component", "share"):
        shares.add_column(column, justify="left" if column == "position" else "right")
    for c in split.contributions:
        shares.add_row(
            c.key,
            _fmt(c.weight, ".1%"),
            _fmt(c.marginal, ".4f"),
            _fmt(c.component, ".2%"),
            _fmt(c.percent, ".1%"),
        )
    console.print(shares)


def _register_stress() -> None:
    from sigmasight.cli import stress

    stress.register(app)


_register_stress()
# The performance family's commands live in their own module.
from sigmasight.cli.performance import benchmarks_app, performance  # noqa: E402

app.command("performance")(performance)
app.add_typer(benchmarks_app, name="benchmarks")
