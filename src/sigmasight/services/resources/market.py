"""Securities and daily prices: public market data (no owner), read-only and bounded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import exists, func, select

from sigmasight.services.resources.common import InvalidError, NotFoundError, UowFactory, detached
from sigmasight.storage.models import DailyPrice, Security

#: Most price rows one request returns.
MAX_PRICE_ROWS = 5_000


def find_securities(
    uow_factory: UowFactory, symbols: Sequence[str] | None, *, limit: int, offset: int
) -> list[Security]:
    """Securities ordered by symbol, optionally only ``symbols``, one page at a time."""
    query = select(Security).order_by(Security.symbol).limit(limit).offset(offset)
    if symbols is not None:
        query = query.where(Security.symbol.in_(list(symbols)))
    with uow_factory() as uow:
        return detached(uow, list(uow.session.scalars(query)))


def get_security(uow_factory: UowFactory, symbol: str) -> Security:
    with uow_factory() as uow:
        security = uow.securities.get(symbol)
        if security is None:
            raise NotFoundError("security", symbol)
        return detached(uow, [security])[0]


def price_history(uow_factory: UowFactory, symbol: str, start: date, end: date) -> list[DailyPrice]:
    """Stored daily prices of ``symbol`` in ``[start, end]`` by date.

    Raises
    ------
    InvalidError
        ``BAD_RANGE`` if ``start > end``; ``TOO_MANY_ROWS`` beyond :data:`MAX_PRICE_ROWS`.
    NotFoundError
        If the symbol has neither a security row nor any stored price.
    """
    if start > end:
        raise InvalidError("BAD_RANGE", f"start {start} is after end {end}.")
    query = (
        select(DailyPrice)
        .where(DailyPrice.symbol == symbol, DailyPrice.date.between(start, end))
        .order_by(DailyPrice.date)
        .limit(MAX_PRICE_ROWS + 1)  # one more than allowed tells "too many" without a count
    )
    with uow_factory() as uow:
        priced = uow.session.scalar(select(exists().where(DailyPrice.symbol == symbol)))
        if not priced and uow.securities.get(symbol) is None:
            raise NotFoundError("security", symbol)
        rows = list(uow.session.scalars(query))
        if len(rows) > MAX_PRICE_ROWS:
            message = f"More than {MAX_PRICE_ROWS:,} prices match; ask for a shorter range."
            raise InvalidError("TOO_MANY_ROWS", message, {"limit": MAX_PRICE_ROWS})
        return detached(uow, rows)


def last_price_date(uow_factory: UowFactory, symbol: str) -> date | None:
    """Date of the last stored price of ``symbol`` (``None`` when it has none)."""
    with uow_factory() as uow:
        return uow.session.scalar(
            select(func.max(DailyPrice.date)).where(DailyPrice.symbol == symbol)
        )
