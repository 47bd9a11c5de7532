"""A chain of providers with per-symbol fallback.

Each provider is asked for the symbols that no earlier provider served. A provider
failure is recorded (which provider, which symbols, why) and the next provider is
tried; symbols that no provider has are reported. The chain never raises a provider
error itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import pandas as pd

from sigmasight.marketdata.errors import PartialFetchError, ProviderError
from sigmasight.marketdata.models import (
    SectorWeight,
    SecurityProfile,
    empty_price_frame,
    unique_symbols,
)
from sigmasight.marketdata.protocol import MarketDataProvider

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ProviderFailure:
    """A provider that failed for some symbols, and why."""

    provider: str
    symbols: tuple[str, ...]
    kind: str
    message: str


@dataclass(frozen=True)
class PriceFetch:
    """Prices gathered by the chain, with what went wrong on the way."""

    frame: pd.DataFrame
    served_by: dict[str, str]
    failures: tuple[ProviderFailure, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class ProfileFetch:
    profiles: list[SecurityProfile]
    failures: tuple[ProviderFailure, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class WeightsFetch:
    weights: list[SectorWeight]
    served_by: str | None
    failures: tuple[ProviderFailure, ...]


def _failure(provider: str, symbols: Sequence[str], exc: Exception) -> ProviderFailure:
    if not isinstance(exc, ProviderError):
        # A bug or an unforeseen response shape in a provider must not stop a batch.
        logger.exception("provider %s raised an unexpected error", provider)
    return ProviderFailure(provider, tuple(symbols), type(exc).__name__, str(exc))


class ProviderChain:
    """Try providers in order, symbol by symbol.

    Parameters
    ----------
    providers : sequence of MarketDataProvider
        Highest priority first.
    """

    name = "chain"

    def __init__(self, providers: Sequence[MarketDataProvider]) -> None:
        if not providers:
            raise ValueError("a provider chain needs at least one provider")
        self.providers = list(providers)

    def fetch_prices(self, symbols: Sequence[str], start: date, end: date) -> PriceFetch:
        """Prices of ``symbols`` in ``[start, end]``, each from the first provider that has it."""
        remaining = unique_symbols(symbols)
        frames: list[pd.DataFrame] = []
        served: dict[str, str] = {}
        failures: list[ProviderFailure] = []
        for provider in self.providers:
            if not remaining:
                break
            try:
                frame = provider.prices(remaining, start, end)
            except PartialFetchError as exc:
                frame = exc.frame
                failures += [
                    ProviderFailure(provider.name, (s,), "PartialFetchError", why)
                    for s, why in sorted(exc.failed.items())
                ]
            except Exception as exc:
                failures.append(_failure(provider.name, remaining, exc))
                continue
            frame = frame.loc[
                frame["symbol"].isin(remaining) & (frame["date"] >= start) & (frame["date"] <= end)
            ]
            got = set(frame["symbol"].unique())
            served.update(dict.fromkeys(sorted(got), provider.name))
            frames.append(frame)
            remaining = [s for s in remaining if s not in got]
        frames = [f for f in frames if not f.empty]
        out = pd.concat(frames, ignore_index=True) if frames else empty_price_frame()
        out = out.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
        return PriceFetch(out, served, tuple(failures), tuple(remaining))

    def prices(self, symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
        return self.fetch_prices(symbols, start, end).frame

    def fetch_profiles(self, symbols: Sequence[str]) -> ProfileFetch:
        """Profiles of ``symbols``, each from the first provider that knows it."""
        remaining = unique_symbols(symbols)
        found: list[SecurityProfile] = []
        failures: list[ProviderFailure] = []
        for provider in self.providers:
            if not remaining:
                break
            profiles = self._attempt(provider, remaining, failures, provider.profiles)
            if profiles is None:
                continue
            profiles = [p for p in profiles if p.symbol in remaining]
            found += profiles
            got = {p.symbol for p in profiles}
            remaining = [s for s in remaining if s not in got]
        return ProfileFetch(found, tuple(failures), tuple(remaining))

    def profiles(self, symbols: Sequence[str]) -> list[SecurityProfile]:
        return self.fetch_profiles(symbols).profiles

    def fetch_sector_weights(self, benchmark: str, as_of: date) -> WeightsFetch:
        """Sector weights from the first provider that has a snapshot on or before ``as_of``."""
        failures: list[ProviderFailure] = []
        for provider in self.providers:
            try:
                weights = provider.sector_weights(benchmark, as_of)
            except Exception as exc:
                failures.append(_failure(provider.name, [benchmark], exc))
                continue
            if weights:
                return WeightsFetch(weights, provider.name, tuple(failures))
        return WeightsFetch([], None, tuple(failures))

    def sector_weights(self, benchmark: str, as_of: date) -> list[SectorWeight]:
        return self.fetch_sector_weights(benchmark, as_of).weights

    @staticmethod
    def _attempt(
        provider: MarketDataProvider,
        symbols: list[str],
        failures: list[ProviderFailure],
        call: Callable[[list[str]], T],
    ) -> T | None:
        try:
            return call(symbols)
        except Exception as exc:
            failures.append(_failure(provider.name, symbols, exc))
            return None
