"""Rebalancing events of one owner's portfolio: list, read, create (manual), approve,
cancel and complete, each step recorded in the audit trail (who, when, what).

Statuses: ``pending`` → ``approved`` → ``completed``; ``pending`` or ``approved`` →
``cancelled``; a completion that cannot be applied → ``failed`` (with the reason).
Completing applies the proposal's trades as position changes in one transaction, on the
completion date at the proposal's prices: a buy adds a lot; a sell (or a buy back of a
short) closes the symbol's open lots first in first out, splitting a lot that is only
partly closed; the trades' estimated cost is recorded as a withdrawal. Any trade that
cannot be applied (the position changed since the proposal) rolls the whole completion
back; the failure and its reason are then recorded on their own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from sigmasight.analytics.rebalancing import Constraints
from sigmasight.domain.enums import EquityChangeType, InvestmentClass
from sigmasight.services.analytics.rebalancing import proposal_json, proposals
from sigmasight.services.resources.common import (
    ConflictError,
    InvalidError,
    NotFoundError,
    UowFactory,
    detached,
    owned_portfolio,
)
from sigmasight.services.resources.position_rules import (
    FIELD_OF_COLUMN,
    PositionDraft,
    validate_drafts,
)
from sigmasight.storage.models import EquityChange, Position
from sigmasight.storage.rebalancing import RebalancingAudit, RebalancingEvent
from sigmasight.storage.uow import UnitOfWork

#: Where each action may start from.
ALLOWED = {
    "approve": ("pending",),
    "cancel": ("pending", "approved"),
    "complete": ("approved",),
}
_SIX = Decimal("0.000001")


@dataclass(frozen=True)
class EventDetail:
    event: RebalancingEvent
    audit: list[RebalancingAudit]


class ApplyError(Exception):
    """A trade that cannot be applied to the current positions."""


def _owned_event(uow: UnitOfWork, portfolio_id: int, event_id: int) -> RebalancingEvent:
    event = uow.session.scalar(
        select(RebalancingEvent).where(
            RebalancingEvent.portfolio_id == portfolio_id, RebalancingEvent.id == event_id
        )
    )
    if event is None:
        raise NotFoundError("rebalancing event", event_id)
    return event


def _audit(
    uow: UnitOfWork,
    event: RebalancingEvent,
    actor: int,
    now: datetime,
    action: str,
    detail: dict[str, Any],
) -> None:
    uow.session.add(
        RebalancingAudit(event_id=event.id, actor_id=actor, at=now, action=action, detail=detail)
    )


def list_events(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, status: str | None = None
) -> list[RebalancingEvent]:
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        query = select(RebalancingEvent).where(RebalancingEvent.portfolio_id == portfolio_id)
        if status:
            query = query.where(RebalancingEvent.status == status)
        query = query.order_by(RebalancingEvent.trigger_date.desc(), RebalancingEvent.id.desc())
        return detached(uow, list(uow.session.scalars(query)))


def get_event(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, event_id: int
) -> EventDetail:
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        event = _owned_event(uow, portfolio_id, event_id)
        query = select(RebalancingAudit).where(RebalancingAudit.event_id == event_id)
        audit = list(uow.session.scalars(query.order_by(RebalancingAudit.id)))
        detached(uow, [])
        return EventDetail(event, audit)


def create_manual(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    *,
    variant: str,
    constraints: Constraints,
    note: str | None,
    now: datetime,
) -> EventDetail:
    """A manual event carrying the ``variant``'s proposal on the latest snapshot."""
    view = proposals(uow_factory, owner_id, portfolio_id, None, constraints, (variant,))
    if not view.proposals:
        raise InvalidError("NO_TARGETS", "the portfolio has no targets to rebalance to")
    proposal = proposal_json(view.proposals[0])
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        event = RebalancingEvent(
            portfolio_id=portfolio_id,
            trigger_key=f"manual:{uuid.uuid4().hex}",
            kind="manual",
            trigger_date=view.as_of,
            reason=note or "manual",
            proposal=proposal,
            status="pending",
            created_by=owner_id,
            created_at=now,
        )
        uow.session.add(event)
        uow.session.flush()
        _audit(uow, event, owner_id, now, "created", {"variant": variant, "note": note})
        event_id = int(event.id)
        uow.commit()
    return get_event(uow_factory, owner_id, portfolio_id, event_id)


def _transition(event: RebalancingEvent, action: str) -> None:
    if event.status not in ALLOWED[action]:
        allowed = " or ".join(ALLOWED[action])
        raise ConflictError(
            "INVALID_STATUS", f"cannot {action} a {event.status} event (only {allowed})"
        )


def decide(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    event_id: int,
    action: str,
    *,
    note: str | None,
    now: datetime,
) -> EventDetail:
    """Approve or cancel an event."""
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        event = _owned_event(uow, portfolio_id, event_id)
        _transition(event, action)
        before = event.status
        event.status = "approved" if action == "approve" else "cancelled"
        _audit(uow, event, owner_id, now, action, {"from": before, "note": note})
        uow.commit()
    return get_event(uow_factory, owner_id, portfolio_id, event_id)


def complete(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    event_id: int,
    *,
    now: datetime,
) -> EventDetail:
    """Apply an approved event's trades, all or nothing; a failure is recorded."""
    failure: str | None = None
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        event = _owned_event(uow, portfolio_id, event_id)
        _transition(event, "complete")
        if not event.proposal.get("feasible", False):
            raise InvalidError("INFEASIBLE_PROPOSAL", "an infeasible proposal cannot be applied")
        try:
            changes = apply_trades(uow, portfolio_id, event.proposal["trades"], now.date())
        except ApplyError as exc:
            failure = str(exc)
        else:
            event.status = "completed"
            event.post_state = {"applied_on": now.date().isoformat(), **changes}
            _audit(uow, event, owner_id, now, "completed", changes)
            uow.commit()
    if failure is not None:  # the changes were rolled back: record why, on its own
        with uow_factory() as uow:
            event = _owned_event(uow, portfolio_id, event_id)
            event.status, event.failure = "failed", failure
            _audit(uow, event, owner_id, now, "failed", {"reason": failure})
            uow.commit()
    return get_event(uow_factory, owner_id, portfolio_id, event_id)


def _open_lots(uow: UnitOfWork, portfolio_id: int, symbol: str, day: date) -> list[Position]:
    held = uow.positions.for_portfolio(portfolio_id, held_on=day)
    lots = [p for p in held if p.symbol == symbol and p.investment_class is InvestmentClass.PUBLIC]
    return sorted(lots, key=lambda p: (p.entry_date, p.id))


def apply_trades(
    uow: UnitOfWork, portfolio_id: int, trades: list[dict[str, Any]], day: date
) -> dict[str, Any]:
    """Every trade as position changes (flushed, not committed); what changed."""
    opened: list[int] = []
    closed: list[int] = []
    cost = Decimal(0)
    for trade in trades:
        signed = Decimal(str(trade["quantity"])) * (1 if trade["side"] == "buy" else -1)
        price = Decimal(str(trade["price"])).quantize(_SIX)
        left = _close_fifo(uow, portfolio_id, trade["symbol"], signed, price, day, closed)
        if left != 0:
            opened.append(_open_lot(uow, portfolio_id, trade["symbol"], left, price, day))
        cost += Decimal(str(trade["cost"]))
    if cost > 0:
        uow.session.add(
            EquityChange(
                portfolio_id=portfolio_id,
                change_type=EquityChangeType.WITHDRAWAL,
                amount=cost.quantize(Decimal("0.01")),
                change_date=day,
                notes="rebalancing: estimated trading costs",
            )
        )
    uow.session.flush()
    quantities: dict[str, float] = {}
    for p in uow.positions.for_portfolio(portfolio_id, held_on=day):
        quantities[p.symbol] = quantities.get(p.symbol, 0.0) + float(p.quantity)
    return {"opened": opened, "closed": closed, "cost": float(cost), "positions": quantities}


def _close_fifo(
    uow: UnitOfWork,
    portfolio_id: int,
    symbol: str,
    signed: Decimal,
    price: Decimal,
    day: date,
    closed: list[int],
) -> Decimal:
    """Close open lots of the other direction, oldest first; the quantity left over (to
    open as a new lot). A sell never opens a short: selling more than is held fails."""
    lots = _open_lots(uow, portfolio_id, symbol, day)
    other = [p for p in lots if (p.quantity > 0) == (signed < 0)]
    held = sum((p.quantity for p in other), Decimal(0))
    if signed < 0 and held < -signed:
        raise ApplyError(f"sell of {-signed} {symbol}: only {held} held now")
    left = signed
    for lot in other:
        if left == 0:
            break
        used = min(abs(left), abs(lot.quantity))
        part = used if lot.quantity > 0 else -used
        if used < abs(lot.quantity):  # split: the closed part becomes its own lot
            lot.quantity -= part
            lot = _copy_lot(uow, lot, part)
        lot.exit_date, lot.exit_price = day, price
        closed.append(int(lot.id))
        left += part
    return left


def _copy_lot(uow: UnitOfWork, lot: Position, quantity: Decimal) -> Position:
    fields = (
        "portfolio_id",
        "symbol",
        "position_type",
        "investment_class",
        "investment_subtype",
        "entry_price",
        "entry_date",
        "modified_duration",
        "convexity",
        "notes",
    )
    copy = Position(**{f: getattr(lot, f) for f in fields}, quantity=quantity, tags=list(lot.tags))
    uow.session.add(copy)
    uow.session.flush()
    return copy


def _open_lot(
    uow: UnitOfWork, portfolio_id: int, symbol: str, quantity: Decimal, price: Decimal, day: date
) -> int:
    """A new lot, checked by the rules every position obeys."""
    draft = PositionDraft(symbol=symbol, quantity=quantity, entry_price=price, entry_date=day)
    parsed = validate_drafts([draft], today=day)[0]
    position = Position(portfolio_id=portfolio_id, tags=[], notes="rebalancing")
    for field in (*FIELD_OF_COLUMN.values(), "position_type"):
        if field != "option_type":  # stored as the position type
            setattr(position, field, getattr(parsed, field))
    uow.session.add(position)
    uow.session.flush()
    return int(position.id)
