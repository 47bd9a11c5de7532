"""The small protocols the market-data layer is built on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol, runtime_checkable

import pandas as pd

from sigmasight.marketdata.models import SectorWeight, SecurityProfile


@runtime_checkable
class MarketDataProvider(Protocol):
    """A source of daily prices, security profiles and benchmark sector weights.

    Contract (checked for every provider by ``tests/marketdata/test_contract.py``):

    * ``prices`` returns a frame in the shape of :mod:`sigmasight.marketdata.models`,
      rows with ``start <= date <= end`` only, sorted by (symbol, date), no duplicate
      (symbol, date). A symbol the provider does not know is simply absent.
    * ``profiles`` returns one profile per known symbol; unknown symbols are absent.
    * ``sector_weights`` returns the latest snapshot published on or before ``as_of``
      (point in time), or an empty list.
    * Failures are :class:`~sigmasight.marketdata.errors.ProviderError` subclasses.
    """

    name: str

    def prices(self, symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
        """Daily prices of ``symbols`` for sessions in ``[start, end]``."""
        ...

    def profiles(self, symbols: Sequence[str]) -> list[SecurityProfile]:
        """Name, asset type, GICS sector and industry of each known symbol."""
        ...

    def sector_weights(self, benchmark: str, as_of: date) -> list[SectorWeight]:
        """Sector weights of ``benchmark`` published on or before ``as_of``."""
        ...


class PriceStore(Protocol):
    """The part of storage the price cache needs (implemented by ``storage/``)."""

    def stored_dates(self, symbols: Sequence[str], start: date, end: date) -> dict[str, set[date]]:
        """Dates already stored for each symbol within ``[start, end]``."""
        ...

    def upsert_prices(self, frame: pd.DataFrame) -> int:
        """Insert or update rows of a price frame; return the number of rows written."""
        ...
