"""Incremental price cache: fetch only the sessions that storage does not hold yet."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from sigmasight.marketdata.calendar import DateArray, TradingCalendar, to_day_array
from sigmasight.marketdata.chain import ProviderChain, ProviderFailure
from sigmasight.marketdata.models import empty_price_frame, unique_symbols
from sigmasight.marketdata.protocol import MarketDataProvider, PriceStore
from sigmasight.marketdata.quality import QualityReport, check_prices


@dataclass(frozen=True, slots=True)
class FetchRange:
    """One provider request: these symbols for the sessions in ``[start, end]``."""

    start: date
    end: date
    symbols: tuple[str, ...]


@dataclass(frozen=True)
class CacheReport:
    """What :meth:`CachedPriceService.ensure_prices` fetched, stored, rejected and missed.

    ``unfilled`` counts, per symbol, the sessions of the requested range that are still
    not stored (before a listing, after a delisting, or not offered by any provider).
    """

    requested: tuple[str, ...]
    ranges: tuple[FetchRange, ...]
    rows_fetched: int
    rows_stored: int
    rows_ignored: int
    quality: QualityReport | None
    rejected: pd.DataFrame = field(repr=False)
    failures: tuple[ProviderFailure, ...]
    missing_symbols: tuple[str, ...]
    unfilled: dict[str, int]

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    @property
    def fetched_anything(self) -> bool:
        return bool(self.ranges)


def missing_ranges(
    sessions: DateArray, stored: DateArray, merge_gap: int = 0
) -> list[tuple[date, date]]:
    """Coalesce the sessions not in ``stored`` into contiguous ranges.

    Parameters
    ----------
    sessions : ndarray of datetime64[D], shape (S,)
        Sessions wanted, ascending.
    stored : ndarray of datetime64[D], shape (k,)
        Dates already stored.
    merge_gap : int
        Two runs of missing sessions separated by at most this many stored sessions
        become one request (fewer calls, a few rows downloaded again).

    Returns
    -------
    list of (first session, last session)
    """
    idx = np.flatnonzero(~np.isin(sessions, stored))
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > merge_gap + 1)
    firsts = np.concatenate(([idx[0]], idx[breaks + 1]))
    lasts = np.concatenate((idx[breaks], [idx[-1]]))
    return [
        (sessions[a].astype(object), sessions[b].astype(object))
        for a, b in zip(firsts, lasts, strict=True)
    ]


class CachedPriceService:
    """Fill a :class:`PriceStore` from a provider chain, fetching only what is missing.

    Parameters
    ----------
    providers : ProviderChain or MarketDataProvider
        Where prices come from; a single provider is wrapped in a chain.
    store : PriceStore
        Where prices are kept.
    calendar : TradingCalendar
        The sessions a symbol is expected to have.
    merge_gap_sessions : int
        See :func:`missing_ranges`.
    max_gap_sessions, stale_sessions : int
        Passed to :func:`~sigmasight.marketdata.quality.check_prices`.
    """

    def __init__(
        self,
        providers: ProviderChain | MarketDataProvider,
        store: PriceStore,
        calendar: TradingCalendar,
        *,
        merge_gap_sessions: int = 0,
        max_gap_sessions: int = 5,
        stale_sessions: int = 10,
    ) -> None:
        self.chain = (
            providers if isinstance(providers, ProviderChain) else ProviderChain([providers])
        )
        self.store = store
        self.calendar = calendar
        self.merge_gap_sessions = merge_gap_sessions
        self.max_gap_sessions = max_gap_sessions
        self.stale_sessions = stale_sessions

    def plan(self, symbols: Sequence[str], start: date, end: date) -> list[FetchRange]:
        """Requests needed to complete ``[start, end]``, symbols with equal ranges grouped."""
        return self._plan(unique_symbols(symbols), start, end)[0]

    def _plan(
        self, symbols: list[str], start: date, end: date
    ) -> tuple[list[FetchRange], dict[str, DateArray], DateArray]:
        sessions = np.asarray(self.calendar.sessions(start, end), dtype="datetime64[D]")
        stored = self.store.stored_dates(symbols, start, end)
        stored_days = {s: to_day_array(sorted(stored.get(s, set()))) for s in symbols}
        groups: dict[tuple[date, date], list[str]] = defaultdict(list)
        for symbol in symbols:
            for rng in missing_ranges(sessions, stored_days[symbol], self.merge_gap_sessions):
                groups[rng].append(symbol)
        ranges = [FetchRange(a, b, tuple(syms)) for (a, b), syms in sorted(groups.items())]
        return ranges, stored_days, sessions

    def ensure_prices(self, symbols: Sequence[str], start: date, end: date) -> CacheReport:
        """Fetch, check and store the missing sessions of ``symbols`` in ``[start, end]``.

        Rows with errors (NaN or non-positive prices, conflicting duplicates) are
        rejected and returned in the report, never stored. Rows on non-sessions or
        already stored are ignored (and flagged by the quality report).
        """
        wanted = unique_symbols(symbols)
        ranges, stored_days, sessions = self._plan(wanted, start, end)
        frames: list[pd.DataFrame] = []
        failures: list[ProviderFailure] = []
        missing: set[str] = set()
        for rng in ranges:
            fetch = self.chain.fetch_prices(rng.symbols, rng.start, rng.end)
            frames.append(fetch.frame)
            failures += fetch.failures
            missing.update(fetch.missing)
        fetched = pd.concat(frames, ignore_index=True) if frames else empty_price_frame()
        quality = (
            check_prices(
                fetched,
                self.calendar,
                max_gap_sessions=self.max_gap_sessions,
                stale_sessions=self.stale_sessions,
            )
            if len(fetched)
            else None
        )
        accepted, rejected = quality.split(fetched) if quality else (fetched, fetched.iloc[:0])
        new_rows = accepted.loc[self._new_mask(accepted, stored_days)]
        written = self.store.upsert_prices(new_rows) if len(new_rows) else 0
        return CacheReport(
            requested=tuple(wanted),
            ranges=tuple(ranges),
            rows_fetched=len(fetched),
            rows_stored=written,
            rows_ignored=len(accepted) - len(new_rows),
            quality=quality,
            rejected=rejected,
            failures=tuple(failures),
            missing_symbols=tuple(sorted(missing)),
            unfilled=self._unfilled(wanted, stored_days, new_rows, sessions.size),
        )

    def _new_mask(self, frame: pd.DataFrame, stored: dict[str, DateArray]) -> npt.NDArray[np.bool_]:
        days = to_day_array(frame["date"]) if len(frame) else np.array([], "datetime64[D]")
        keep = self.calendar.contains_sessions(days)
        for symbol, rows in frame.groupby("symbol", sort=False).indices.items():
            keep[rows] &= ~np.isin(days[rows], stored.get(str(symbol), days[:0]))
        return keep

    @staticmethod
    def _unfilled(
        symbols: list[str], stored: dict[str, DateArray], new_rows: pd.DataFrame, n_sessions: int
    ) -> dict[str, int]:
        added = new_rows.groupby("symbol").size() if len(new_rows) else pd.Series(dtype=int)
        out: dict[str, int] = {}
        for symbol in symbols:
            have = stored[symbol].size + int(added.get(symbol, 0))
            if have < n_sessions:
                out[symbol] = n_sessions - have
        return out
