"""``sigmasight analytics stress|greeks|scenarios``: stress tests, option Greeks and your
own stress scenarios, read through the same services as the API and the dashboard.

Heavy modules are imported inside the commands: ``--help`` stays fast."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from sigmasight.cli.common import console, fail, load_settings, unit_of_work_factory
from sigmasight.cli.portfolio import DatabaseOption, OwnerOption, _owner_id

AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default: latest.")
]
ShockOption = Annotated[
    list[str] | None,
    typer.Option("--shock", help="FACTOR=RETURN, e.g. market=-0.1 (repeatable)."),
]
scenarios = typer.Typer(
    rich_markup_mode=None, help="Your own stress scenarios.", no_args_is_help=True
)


def _day(as_of: str | None) -> date | None:
    try:
        return date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of must be a date YYYY-MM-DD, not {as_of!r}")


def _shocks(pairs: list[str] | None) -> dict[str, float]:
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            fail(f"--shock must be FACTOR=RETURN (e.g. market=-0.1), not {pair!r}")
        if not sep:
            fail(f"--shock must be FACTOR=RETURN (e.g. market=-0.1), not {pair!r}")
    return out


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f} %"


def stress(
    portfolio_id: Annotated[int, typer.Argument(help="Portfolio id (see `portfolio list`).")],
    as_of: AsOfOption = None,
    scenario: Annotated[
        str | None,
        typer.Option(help="Show positions of this stored scenario key, or run your saved one."),
    ] = None,
    shock: ShockOption = None,
    rate_bp: Annotated[float, typer.Option(help="Ad-hoc rate change, basis points.")] = 0.0,
    vol_points: Annotated[float, typer.Option(help="Ad-hoc volatility change, points.")] = 0.0,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Stress P&L of PORTFOLIO_ID under every stored scenario (largest loss first); with
    --shock/--rate-bp/--vol-points an ad-hoc scenario; with --scenario one scenario's
    positions (a stored key, else the name of one of your saved scenarios)."""
    from sigmasight.domain.stress import scenario_errors
    from sigmasight.services.analytics import (
        InvalidParameterError,
        NoSnapshotError,
        PortfolioNotFoundError,
    )
    from sigmasight.services.analytics.stress import stress_tests
    from sigmasight.services.analytics.stress_run import run_scenario, scenario_from
    from sigmasight.services.resources import stress_scenarios as saved
    from sigmasight.services.resources.common import NotFoundError

    day, shocks = _day(as_of), _shocks(shock)
    adhoc = bool(shocks) or bool(rate_bp) or bool(vol_points)
    if adhoc and (errors := scenario_errors("ad hoc", shocks, rate_bp, vol_points)):
        fail("; ".join(errors))
    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        owner_id = _owner_id(uow_factory, owner)
        try:
            if adhoc:
                spec = scenario_from("ad hoc", shocks, rate_bp, vol_points)
                run = run_scenario(uow_factory, owner_id, portfolio_id, spec, day)
                _print_positions(run.scenario, run.as_of)
                return
            view = stress_tests(uow_factory, owner_id, portfolio_id, day)
            if scenario is None:
                _print_table(view)
                return
            found = next((s for s in view.scenarios if s.key == scenario), None)
            if found is None:
                row = saved.find_scenario(uow_factory, owner_id, scenario)
                run = run_scenario(uow_factory, owner_id, portfolio_id, saved.as_scenario(row), day)
                found = run.scenario
            _print_positions(found, view.as_of)
        except (
            NoSnapshotError,
            PortfolioNotFoundError,
            InvalidParameterError,
            NotFoundError,
        ) as exc:
            fail(str(exc))


def _print_table(view: object) -> None:
    from rich.table import Table

    from sigmasight.services.analytics.stress import StressView

    assert isinstance(view, StressView)
    table = Table(
        title=f"Portfolio {view.portfolio_id} stress tests on {view.as_of} "
        f"(NAV {view.nav:,.0f}; loss < 0)"
    )
    for column in ("scenario", "kind", "episode", "P&L", "% NAV", "options", "delta-gamma"):
        table.add_column(column, justify="left" if column in ("scenario", "kind") else "right")
    for s in view.scenarios:
        episode = f"{s.start} to {s.end}" if s.start else "-"
        table.add_row(
            f"{s.name} ({s.key})",
            s.kind,
            episode,
            _money(s.pnl),
            _pct(s.pnl_percent),
            _money(s.option_pnl),
            _money(s.option_delta_gamma),
        )
    console.print(table)
    for e in view.excluded:
        console.print(f"excluded: {e.symbol} ({e.reason})", soft_wrap=True)
    if view.not_rate_sensitive:
        names = ", ".join(p.symbol for p in view.not_rate_sensitive)
        reason = view.not_rate_sensitive[0].reason
        console.print(f"not rate-sensitive: {names} ({reason})", soft_wrap=True)


def _print_positions(s: object, as_of: date) -> None:
    from rich.table import Table

    from sigmasight.services.analytics.stress import ScenarioResult

    assert isinstance(s, ScenarioResult)
    table = Table(title=f"{s.name} on {as_of}: P&L {_money(s.pnl)} ({_pct(s.pnl_percent)} of NAV)")
    for column in ("position", "symbol", "method", "P&L", "delta-gamma"):
        table.add_column(column, justify="left" if column != "P&L" else "right")
    for p in sorted(s.positions, key=lambda p: p.pnl if p.pnl is not None else 0.0):
        table.add_row(str(p.position_id), p.symbol, p.method, _money(p.pnl), _money(p.delta_gamma))
    console.print(table)
    moves = ", ".join(f"{k} {100 * v:+.2f} %" for k, v in s.factor_moves.items())
    console.print(f"factor moves: {moves}", soft_wrap=True)


def greeks(
    portfolio_id: Annotated[int, typer.Argument(help="Portfolio id (see `portfolio list`).")],
    as_of: AsOfOption = None,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Black-Scholes-Merton Greeks of each option of PORTFOLIO_ID, per contract and per
    position, with the inputs used and the units."""
    from rich.table import Table

    from sigmasight.services.analytics import NoSnapshotError, PortfolioNotFoundError
    from sigmasight.services.analytics.greeks import option_greeks

    day = _day(as_of)
    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        owner_id = _owner_id(uow_factory, owner)
        try:
            view = option_greeks(uow_factory, owner_id, portfolio_id, day)
        except (NoSnapshotError, PortfolioNotFoundError) as exc:
            fail(str(exc))
    table = Table(title=f"Portfolio {view.portfolio_id} option Greeks on {view.as_of}")
    names = ("delta", "gamma", "vega", "theta", "rho")
    for column in ("symbol", "contracts", "spot", "strike", "expiry", "vol", "rate", *names):
        table.add_column(column, justify="left" if column == "symbol" else "right")
    for o in view.options:
        table.add_row(
            o.symbol,
            f"{o.contracts:g}",
            f"{o.spot:.2f}" if o.spot is not None else "-",
            f"{o.strike:g}",
            str(o.expiry),
            _pct(o.volatility),
            _pct(o.rate),
            *(
                f"{getattr(o.position, n):,.2f}" if getattr(o.position, n) is not None else "-"
                for n in names
            ),
        )
    console.print(table)
    console.print("position figures (per contract x contracts):", soft_wrap=True)
    for name, unit in view.units.items():
        console.print(f"  {name}: {unit}", soft_wrap=True)
    for name, source in view.inputs.items():
        console.print(f"  {name}: {source}", soft_wrap=True)


@scenarios.command("list")
def list_scenarios(owner: OwnerOption = None, database_url: DatabaseOption = None) -> None:
    """Your saved scenarios."""
    from sigmasight.services.resources import stress_scenarios as saved

    with unit_of_work_factory(load_settings(database_url)) as uow_factory:
        rows = saved.list_scenarios(uow_factory, _owner_id(uow_factory, owner))
    for r in rows:
        shocks = ", ".join(f"{k}={v:g}" for k, v in r.shocks.items()) or "-"
        console.print(
            f"{r.id}  {r.name}: shocks {shocks}; rate {r.rate_bp:g} bp; vol {r.vol_points:g} pts",
            soft_wrap=True,
        )


@scenarios.command("add")
def add_scenario(
    name: Annotated[str, typer.Argument(help="Name, unique among your scenarios.")],
    shock: ShockOption = None,
    rate_bp: Annotated[float, typer.Option(help="Rate change, basis points.")] = 0.0,
    vol_points: Annotated[float, typer.Option(help="Volatility change, points.")] = 0.0,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Save a hypothetical scenario (validated as the API validates it)."""
    from sigmasight.domain.stress import scenario_errors
    from sigmasight.services.resources import stress_scenarios as saved
    from sigmasight.services.resources.common import ConflictError

    shocks = _shocks(shock)
    if errors := scenario_errors(name, shocks, rate_bp, vol_points):
        fail("; ".join(errors))
    fields = {"name": name, "shocks": shocks, "rate_bp": rate_bp, "vol_points": vol_points}
    with unit_of_work_factory(load_settings(database_url)) as uow_factory:
        try:
            row = saved.create_scenario(uow_factory, _owner_id(uow_factory, owner), fields)
        except ConflictError as exc:
            fail(exc.message)
    console.print(f"saved scenario {row.id}: {row.name}")


@scenarios.command("remove")
def remove_scenario(
    name: Annotated[str, typer.Argument(help="Name of the scenario.")],
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Delete one of your scenarios."""
    from sigmasight.services.resources import stress_scenarios as saved
    from sigmasight.services.resources.common import NotFoundError

    with unit_of_work_factory(load_settings(database_url)) as uow_factory:
        owner_id = _owner_id(uow_factory, owner)
        try:
            row = saved.find_scenario(uow_factory, owner_id, name)
            saved.delete_scenario(uow_factory, owner_id, row.id)
        except NotFoundError as exc:
            fail(exc.message)
    console.print(f"removed scenario {name}")


def register(app: typer.Typer) -> None:
    """Add the commands to ``sigmasight analytics``."""
    app.command("stress")(stress)
    app.command("greeks")(greeks)
    app.add_typer(scenarios, name="scenarios")
