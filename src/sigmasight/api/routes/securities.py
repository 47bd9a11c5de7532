"""Securities and daily prices: public market data, read-only, for signed-in users."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from sigmasight.api.deps import UowFactoryDep, get_current_user, utcnow
from sigmasight.api.errors import ApiError, not_found
from sigmasight.api.schemas_resources import (
    MAX_ID,
    IsoDate,
    PriceHistory,
    PricePublic,
    SecurityPublic,
    error_responses,
    service_errors,
)
from sigmasight.domain.positions import is_market_symbol
from sigmasight.services.resources import market
from sigmasight.storage.models import Security

router = APIRouter(
    tags=["market data"],
    dependencies=[Depends(get_current_user), Depends(service_errors)],
    responses=error_responses(404, 422),
)
#: Days of prices returned when no start is given.
DEFAULT_PRICE_DAYS = 365
MAX_SYMBOLS = 500
#: Bounds that keep date arithmetic away from ``date.min`` and ``date.max``.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def _symbol(text: str) -> str:
    """A symbol from the path: one that is not shaped like a ticker names nothing."""
    symbol = text.strip().upper()
    if not is_market_symbol(symbol):
        raise not_found("security", text)
    return symbol


@router.get("/securities", response_model=list[SecurityPublic])
def list_securities(
    uow_factory: UowFactoryDep,
    symbols: Annotated[
        list[str] | None,
        Query(max_length=MAX_SYMBOLS, description="Only these: repeat it or separate by commas."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[Security]:
    """Known securities by symbol, one page at a time."""
    wanted = None
    if symbols is not None:
        given = {s.strip().upper() for text in symbols for s in text.split(",")}
        if len(given) > MAX_SYMBOLS:
            raise ApiError(422, "TOO_MANY_SYMBOLS", f"Ask for at most {MAX_SYMBOLS} symbols.")
        wanted = sorted(s for s in given if is_market_symbol(s))  # others can name nothing
    return market.find_securities(uow_factory, wanted, limit=limit, offset=offset)


@router.get("/securities/{symbol}", response_model=SecurityPublic)
def get_security(symbol: str, uow_factory: UowFactoryDep) -> Security:
    return market.get_security(uow_factory, _symbol(symbol))


@router.get("/prices/{symbol}", response_model=PriceHistory)
def get_prices(
    symbol: str,
    uow_factory: UowFactoryDep,
    start: Annotated[
        IsoDate | None, Query(ge=EARLIEST, le=LATEST, description="Default: a year before end.")
    ] = None,
    end: Annotated[
        IsoDate | None,
        Query(
            ge=EARLIEST,
            le=LATEST,
            description="Default: the symbol's last stored price (today if it has none).",
        ),
    ] = None,
) -> PriceHistory:
    """Stored daily prices in ``[start, end]``: at most 5,000 rows (422 TOO_MANY_ROWS).
    Without dates: the year of data up to the last stored price."""
    symbol = _symbol(symbol)
    stored = market.last_price_date(uow_factory, symbol) if end is None else None
    last = end or max(stored or utcnow().date(), start or EARLIEST)
    first = start or last - timedelta(days=DEFAULT_PRICE_DAYS)
    rows = market.price_history(uow_factory, symbol, first, last)
    prices = [PricePublic.model_validate(row) for row in rows]
    return PriceHistory(symbol=symbol, start=first, end=last, prices=prices)
