"""``sigmasight analytics``: the stored analytics of one portfolio."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from sigmasight.cli.common import console, fail, load_settings, unit_of_work_factory
from sigmasight.services.demo import DEMO_EMAIL

app = typer.Typer(help="Read a portfolio's stored analytics.", no_args_is_help=True)


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
    owner: Annotated[
        str, typer.Option("--owner", help="E-mail of the portfolio owner (default: demo user).")
    ] = DEMO_EMAIL,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Database to use (default: SQLite).")
    ] = None,
) -> None:
    """VaR/CVaR (positive = loss), ratios, drawdowns and risk level of PORTFOLIO_ID."""
    from sigmasight.services import analytics as service

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of must be a date YYYY-MM-DD, not {as_of!r}")
    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        with uow_factory() as uow:
            user = uow.users.get_by_email(owner)
            if user is None:
                fail(f"no user {owner!r}; run `sigmasight demo` to create the demo user")
            owner_id = user.id
        try:
            view = service.risk_metrics(uow_factory, owner_id, portfolio_id, day)
        except (service.PortfolioNotFoundError, service.NoSnapshotError) as exc:
            fail(str(exc))
    _print(view)


def _print(view: object) -> None:
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
