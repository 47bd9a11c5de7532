"""``sigmasight analytics``: analytics of a stored portfolio, read from the batch's history."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from sigmasight.cli.common import console, fail, load_settings, unit_of_work_factory
from sigmasight.cli.portfolio import DatabaseOption, OwnerOption, _owner_id
from sigmasight.services.demo import DEMO_EMAIL

app = typer.Typer(help="Analytics of a portfolio (the batch must have run for the date).")


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "—" if value is None else format(value, spec)


@app.command("factors")
def factors(
    portfolio_id: Annotated[int, typer.Argument(help="Portfolio id (see `portfolio list`).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default: latest).")
    ] = None,
    method: Annotated[str, typer.Option(help="Estimator: ols or ridge.")] = "ols",
    owner: OwnerOption = DEMO_EMAIL,
    database_url: DatabaseOption = None,
) -> None:
    """Factor loadings (weighted vs direct), currency exposures and share of risk."""
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
