"""``sigmasight portfolio``: import, template, list, show."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sigmasight.cli.common import UowFactory, console, fail, load_settings, unit_of_work_factory
from sigmasight.domain.enums import AccountType
from sigmasight.web.formatting import label, money, num, quantity

if TYPE_CHECKING:
    from sigmasight.config import Settings
    from sigmasight.services.portfolio_import import RowError

app = typer.Typer(
    rich_markup_mode=None, help="Import and inspect portfolios.", no_args_is_help=True
)

OwnerOption = Annotated[
    str | None,
    typer.Option("--owner", help="E-mail of the portfolio owner (default: the demo user)."),
]
DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", help="Database to use (default: SQLite).")
]


def _owner_id(uow_factory: UowFactory, email: str | None) -> int:
    from sigmasight.services.demo import DEMO_EMAIL

    email = email or DEMO_EMAIL
    with uow_factory() as uow:
        user = uow.users.get_by_email(email)
        if user is None:
            fail(f"no user {email!r}; run `sigmasight demo` to create the demo user")
        return user.id


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV file (see `sigmasight portfolio template`).")],
    name: Annotated[str, typer.Option("--name", help="Name of the new portfolio.")],
    equity: Annotated[
        str,
        typer.Option(
            "--equity",
            help="Starting equity: the account's NAV at inception (required, above 0).",
        ),
    ],
    account_type: Annotated[
        AccountType, typer.Option("--account-type", help="Account type.")
    ] = AccountType.TAXABLE,
    today: Annotated[
        str | None,
        typer.Option("--today", help="Date that counts as today for validation (YYYY-MM-DD)."),
    ] = None,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
    compute: Annotated[
        bool,
        typer.Option(
            "--compute/--no-compute",
            help="Compute the history now (default), or leave the queued run to a worker.",
        ),
    ] = True,
) -> None:
    """Create a portfolio from FILE, then compute its history from its first entry date
    (at most the last 366 days of stored prices). Any bad row means nothing is written;
    every bad row is listed with its line, column, code and message."""
    from sigmasight.services.portfolios import PortfolioSpec, import_portfolio, parse_equity

    if not file.is_file():
        fail(f"no such file: {file}")
    try:
        equity_balance = parse_equity(equity)
    except ValueError as exc:
        fail(f"--equity: {exc}")
    try:
        as_of = date.fromisoformat(today) if today else date.today()
    except ValueError as exc:
        fail(f"--today: {exc}")
    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        spec = PortfolioSpec(name, account_type, equity_balance)
        owner_id = _owner_id(uow_factory, owner)
        outcome = import_portfolio(uow_factory, owner_id, spec, file.read_bytes(), today=as_of)
        if not outcome.ok:
            _print_errors(outcome.errors)
            fail(f"{len(outcome.errors)} error(s) in {file}; nothing was imported", code=1)
        pid = outcome.portfolio_id
        console.print(f"Imported {outcome.positions} positions into portfolio {pid}.")
        assert pid is not None
        _compute(uow_factory, settings, owner_id, pid, run_now=compute)


def _compute(
    uow_factory: UowFactory, settings: Settings, owner_id: int, portfolio_id: int, *, run_now: bool
) -> None:
    """Queue the new portfolio's history (the API's queue) and run it here if asked."""
    from sigmasight.services.scheduling import latest_computation, schedule_portfolio
    from sigmasight.services.worker import run_next

    secret = settings.jwt_secret.get_secret_value()
    now = datetime.now(UTC)
    queued = schedule_portfolio(uow_factory, secret, owner_id, portfolio_id, now=now)
    if queued.run_id is None:
        console.print(f"Not computed: {queued.reason}.")
        return
    span = f"{queued.start} to {queued.end}"
    if not run_now:
        console.print(f"Queued run {queued.run_id} ({span}) for `sigmasight worker`.")
        return
    run_next(uow_factory, settings, clock=lambda: datetime.now(UTC), run_id=queued.run_id)
    done = latest_computation(uow_factory, owner_id, portfolio_id)
    assert done is not None
    detail = f": {done.reason}" if done.reason else ""
    console.print(f"Computed {span}: {done.status}{detail}.")


def _print_errors(errors: tuple[RowError, ...]) -> None:
    from rich.table import Table

    table = Table(title="Import errors")
    for column in ("line", "column", "code", "message"):
        table.add_column(column)
    for error in errors:
        table.add_row(str(error.row or "-"), error.column or "-", error.code, error.message)
    console.print(table)


@app.command()
def template(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write an annotated example portfolio file."""
    from sigmasight.services.portfolio_import import portfolio_template_csv

    text = portfolio_template_csv()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote {output}")


@app.command("list")
def list_(owner: OwnerOption = None, database_url: DatabaseOption = None) -> None:
    """List the owner's portfolios."""
    from rich.table import Table

    from sigmasight.services.portfolios import list_portfolios

    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        summaries = list_portfolios(uow_factory, _owner_id(uow_factory, owner))
    table = Table(title=f"Portfolios of {owner or 'the demo user'}")
    for column in ("id", "name", "account", "equity", "benchmark", "positions"):
        table.add_column(column)
    for s in summaries:
        table.add_row(
            str(s.id),
            s.name,
            label(s.account_type),
            money(float(s.equity_balance)),
            s.benchmark,
            str(s.positions),
        )
    console.print(table)


@app.command()
def show(
    portfolio_id: Annotated[int, typer.Argument(help="Portfolio id (see `portfolio list`).")],
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Show one portfolio and its positions."""
    from rich.table import Table

    from sigmasight.services.portfolios import show_portfolio

    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        found = show_portfolio(uow_factory, _owner_id(uow_factory, owner), portfolio_id)
    if found is None:
        fail(f"no portfolio {portfolio_id} for {owner or 'the demo user'}")
    summary, positions = found
    table = Table(title=f"{summary.name} ({label(summary.account_type)}, {summary.benchmark})")
    for column in ("symbol", "type", "class", "quantity", "entry", "entry date", "exit", "option"):
        table.add_column(column)
    for p in positions:
        strike = num(float(p.strike)) if p.strike is not None else ""
        option = f"{p.underlying_symbol} {strike} {p.expiry}" if p.expiry else ""
        exit_price = num(float(p.exit_price)) if p.exit_price is not None else "–"
        exit_ = f"{exit_price} on {p.exit_date}" if p.exit_date else ""
        table.add_row(
            p.symbol,
            label(p.position_type),
            label(p.investment_class),
            quantity(p.quantity),
            num(float(p.entry_price)),
            p.entry_date.isoformat(),
            exit_,
            option,
        )
    console.print(table)
