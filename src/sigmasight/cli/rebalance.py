"""``sigmasight rebalance``: targets, proposals, events, risk limits and alerts of a
portfolio, through the same services as the API.

Heavy modules (rich, the services, cvxpy) are imported inside the commands: `--help`
stays fast."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

import typer

from sigmasight.cli.common import console, fail, load_settings, unit_of_work_factory
from sigmasight.cli.portfolio import DatabaseOption, OwnerOption, _owner_id

app = typer.Typer(
    rich_markup_mode=None,
    help="Target allocations, rebalancing proposals and events, risk limits and alerts.",
    no_args_is_help=True,
)
PortfolioArg = Annotated[int, typer.Argument(help="Portfolio id (see `portfolio list`).")]
T = TypeVar("T")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f} %"


@contextmanager
def _refusals() -> Iterator[None]:
    """A service's refusal as a one-line error (with each detail), exit code 2."""
    from sigmasight.services.analytics import NoSnapshotError, PortfolioNotFoundError
    from sigmasight.services.resources import ResourceError

    try:
        yield
    except ResourceError as exc:
        details = exc.details if isinstance(exc.details, list) else []
        lines = [f"{exc.code}: {exc.message}"]
        lines += [f"  {d.get('code')}: {d.get('message')}" for d in details]
        fail("\n".join(lines))
    except (PortfolioNotFoundError, NoSnapshotError) as exc:
        fail(str(exc))


def _run(database_url: str | None, owner: str | None, action: Callable[[Any, int], T]) -> T:
    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory, _refusals():
        return action(uow_factory, _owner_id(uow_factory, owner))


def _table(
    title: str, columns: list[str], rows: list[list[str]], no_wrap: tuple[str, ...] = ()
) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, no_wrap=column in no_wrap)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@app.command("targets")
def targets(
    portfolio_id: PortfolioArg,
    as_of: Annotated[
        str | None, typer.Option(help="The versions valid on YYYY-MM-DD (default: current)")
    ] = None,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """List the portfolio's targets (weights of NAV) and the date each applies from."""
    from sigmasight.services.resources import targets as service

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        fail(str(exc))
    rows = _run(database_url, owner, lambda f, o: service.list_targets(f, o, portfolio_id, day))
    _table(
        f"Targets of portfolio {portfolio_id}" + (f" on {day.isoformat()}" if day else ""),
        ["id", "level", "key", "target", "band", "threshold", "frequency", "valid"],
        [
            [
                str(t.id),
                t.level.value,
                t.key,
                _pct(t.target_weight),
                f"{_pct(t.min_weight)} - {_pct(t.max_weight)}",
                "-" if t.threshold is None else f"{t.threshold_kind.value} {t.threshold:g}",
                t.frequency.value,
                t.effective_from.isoformat()
                + (f" to {t.effective_to.isoformat()}" if t.effective_to else " on"),
            ]
            for t in rows
        ],
        no_wrap=("valid",),
    )


@app.command("target-add")
def target_add(
    portfolio_id: PortfolioArg,
    level: Annotated[str, typer.Option(help="symbol, sector, asset_class or tag")],
    key: Annotated[str, typer.Option(help="The symbol, sector, class or tag name")],
    target: Annotated[float, typer.Option(help="Target weight (0.25 = 25 % of NAV)")],
    min_weight: Annotated[float, typer.Option("--min", help="Lower edge of the band")],
    max_weight: Annotated[float, typer.Option("--max", help="Upper edge of the band")],
    threshold: Annotated[float | None, typer.Option(help="Drift that triggers")] = None,
    relative: Annotated[bool, typer.Option(help="Threshold relative to the target")] = False,
    frequency: Annotated[str, typer.Option(help="none, monthly, quarterly...")] = "none",
    effective_from: Annotated[
        str | None,
        typer.Option(help="First date it applies to, YYYY-MM-DD (default: today, UTC)"),
    ] = None,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Add a target; every rule is checked against the portfolio's targets with it.
    Targets are point in time: the batch uses it for dates from ``--effective-from``."""
    from sigmasight.domain.rebalancing import RebalanceFrequency, TargetLevel, ThresholdKind
    from sigmasight.services.resources import targets as service

    try:
        draft = service.TargetDraft(
            level=TargetLevel(level),
            key=key,
            target_weight=target,
            min_weight=min_weight,
            max_weight=max_weight,
            threshold_kind=None
            if threshold is None
            else (ThresholdKind.RELATIVE if relative else ThresholdKind.ABSOLUTE),
            threshold=threshold,
            frequency=RebalanceFrequency(frequency),
        )
        day = date.fromisoformat(effective_from) if effective_from else datetime.now(UTC).date()
    except ValueError as exc:
        fail(str(exc))
    row = _run(database_url, owner, lambda f, o: service.add_target(f, o, portfolio_id, draft, day))
    console.print(
        f"Target {row.id} added: {row.level.value} {row.key} at {_pct(row.target_weight)}"
    )


@app.command("proposals")
def proposals(
    portfolio_id: PortfolioArg,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
    variant: Annotated[str | None, typer.Option(help="Only this variant")] = None,
    max_turnover: Annotated[float | None, typer.Option(help="Σ|notional| / NAV")] = None,
    min_trade: Annotated[float, typer.Option(help="Smallest notional traded")] = 0.0,
    cost_bps: Annotated[float, typer.Option(help="Cost per trade, bp")] = 5.0,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The proposals for the portfolio's targets, with before/after risk."""
    from sigmasight.analytics.rebalancing import Constraints
    from sigmasight.services.analytics import rebalancing as service

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of must be a date YYYY-MM-DD, not {as_of!r}")
    if variant is not None and variant not in service.ALL_VARIANTS:
        fail(f"--variant must be one of {', '.join(service.ALL_VARIANTS)}")
    constraints = Constraints(
        cost_rate=cost_bps / 10_000,
        min_trade=min_trade,
        max_turnover=float("inf") if max_turnover is None else max_turnover,
    )
    variants = (variant,) if variant else service.ALL_VARIANTS
    view = _run(
        database_url,
        owner,
        lambda f, o: service.proposals(f, o, portfolio_id, day, constraints, variants),
    )
    if not view.proposals:
        console.print(f"Portfolio {portfolio_id} has no targets.")
    for p in view.proposals:
        state = "feasible" if p.feasible else "NOT feasible"
        console.print(f"[bold]{p.variant}[/] on {view.as_of}: {state}")
        for reason in p.reasons:
            console.print(f"  {reason}")
        _table(
            "Trades",
            ["symbol", "side", "quantity", "price", "notional", "cost", "realized gain"],
            [
                [
                    t.symbol,
                    t.side,
                    f"{t.quantity:g}",
                    f"{t.price:,.2f}",
                    f"{t.notional:,.2f}",
                    f"{t.cost:,.2f}",
                    f"{t.realized_gain:,.2f}",
                ]
                for t in p.trades
            ],
        )
        b, a = p.before, p.after
        _table(
            "Before / after",
            ["", "volatility", "beta", "VaR 95 (loss)", *b.weights],
            [
                [
                    "before",
                    _pct(b.volatility),
                    f"{b.beta or 0:.2f}",
                    _pct(b.var_95),
                    *(_pct(w) for w in b.weights.values()),
                ],
                [
                    "after",
                    _pct(a.volatility),
                    f"{a.beta or 0:.2f}",
                    _pct(a.var_95),
                    *(_pct(w) for w in a.weights.values()),
                ],
            ],
        )


@app.command("events")
def events(
    portfolio_id: PortfolioArg,
    status: Annotated[str | None, typer.Option(help="Only this status")] = None,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The portfolio's rebalancing events, latest first."""
    from sigmasight.services.resources import rebalancing_events as service

    rows = _run(database_url, owner, lambda f, o: service.list_events(f, o, portfolio_id, status))
    _table(
        f"Rebalancing events of portfolio {portfolio_id}",
        ["id", "date", "kind", "status", "trades", "reason"],
        [
            [
                str(e.id),
                e.trigger_date.isoformat(),
                e.kind,
                e.status,
                str(len(e.proposal.get("trades", []))),
                e.reason,
            ]
            for e in rows
        ],
    )


@app.command("event-create")
def event_create(
    portfolio_id: PortfolioArg,
    variant: Annotated[str, typer.Option(help="Proposal variant")] = "back_to_target",
    note: Annotated[str | None, typer.Option(help="Why")] = None,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """A manual, pending event with the variant's proposal on the latest snapshot."""
    from sigmasight.analytics.rebalancing import Constraints
    from sigmasight.services.resources import rebalancing_events as service

    found = _run(
        database_url,
        owner,
        lambda f, o: service.create_manual(
            f,
            o,
            portfolio_id,
            variant=variant,
            constraints=Constraints(),
            note=note,
            now=datetime.now(UTC),
        ),
    )
    console.print(f"Event {found.event.id} created: {found.event.status}")


def _decision(action: str) -> Callable[..., None]:
    def command(
        portfolio_id: PortfolioArg,
        event_id: Annotated[int, typer.Argument(help="Event id (see `rebalance events`).")],
        owner: OwnerOption = None,
        database_url: DatabaseOption = None,
    ) -> None:
        from sigmasight.services.resources import rebalancing_events as service

        now = datetime.now(UTC)

        def act(f: Any, o: int) -> Any:
            if action == "complete":
                return service.complete(f, o, portfolio_id, event_id, now=now)
            return service.decide(f, o, portfolio_id, event_id, action, note=None, now=now)

        found = _run(database_url, owner, act)
        failure = f" ({found.event.failure})" if found.event.failure else ""
        console.print(f"Event {event_id}: {found.event.status}{failure}")

    command.__doc__ = f"{action.capitalize()} an event (recorded in its audit trail)."
    return command


for _action in ("approve", "cancel", "complete"):
    app.command(_action)(_decision(_action))


@app.command("limits")
def limits(
    portfolio_id: PortfolioArg, owner: OwnerOption = None, database_url: DatabaseOption = None
) -> None:
    """The portfolio's risk limits."""
    from sigmasight.services.resources import limits as service

    rows = _run(database_url, owner, lambda f, o: service.list_limits(f, o, portfolio_id))
    _table(
        f"Risk limits of portfolio {portfolio_id}",
        ["id", "metric", "key", "lower", "upper"],
        [[str(x.id), x.metric, x.key, f"{x.lower}", f"{x.upper}"] for x in rows],
    )


@app.command("limit-add")
def limit_add(
    portfolio_id: PortfolioArg,
    metric: Annotated[str, typer.Option(help="var_95, volatility, beta, sector_weight, ...")],
    key: Annotated[str, typer.Option(help="The sector of a sector_weight limit")] = "",
    lower: Annotated[float | None, typer.Option()] = None,
    upper: Annotated[float | None, typer.Option()] = None,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Add a risk limit; the batch records an alert on each date it is breached."""
    from sigmasight.domain.rebalancing import RiskLimitMetric
    from sigmasight.services.resources import limits as service

    try:
        kind = RiskLimitMetric(metric)
    except ValueError:
        fail(f"--metric must be one of {', '.join(m.value for m in RiskLimitMetric)}")
    row = _run(
        database_url,
        owner,
        lambda f, o: service.add_limit(f, o, portfolio_id, kind, key, lower, upper),
    )
    console.print(f"Limit {row.id} added: {row.metric} {row.key}".rstrip())


@app.command("alerts")
def alerts(
    portfolio_id: PortfolioArg, owner: OwnerOption = None, database_url: DatabaseOption = None
) -> None:
    """Breaches of the portfolio's limits recorded by the batch, latest first."""
    from sigmasight.services.resources import limits as service

    rows = _run(database_url, owner, lambda f, o: service.list_alerts(f, o, portfolio_id))
    _table(
        f"Alerts of portfolio {portfolio_id}",
        ["date", "metric", "key", "value", "lower", "upper"],
        [
            [a.calc_date.isoformat(), a.metric, a.key, f"{a.value:.4f}", f"{a.lower}", f"{a.upper}"]
            for a in rows
        ],
    )
