"""Financial Modeling Prep (FMP) provider: daily prices and company profiles.

Endpoints: ``/api/v3/historical-price-full/{symbol}?from=&to=&apikey=`` and
``/api/v3/profile/{symbols}?apikey=``. FMP labels sectors in its own scheme; they are
mapped to the closest GICS sector (:data:`FMP_TO_GICS`), which is approximate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Final

import httpx
import pandas as pd

from sigmasight.domain.enums import AssetType
from sigmasight.marketdata.errors import (
    AuthError,
    NotSupportedError,
    ProviderError,
    ProviderUnavailable,
)
from sigmasight.marketdata.http import (
    DEFAULT_TIMEOUT,
    JsonHttp,
    RateLimiter,
    RetryPolicy,
    fetch_each,
    json_body,
)
from sigmasight.marketdata.models import (
    GICS_SECTORS,
    SectorWeight,
    SecurityProfile,
    normalise_price_frame,
    unique_symbols,
)

FMP_BASE_URL: Final = "https://financialmodelingprep.com"
#: FMP sector label -> GICS sector. Labels already in GICS spelling map to themselves.
FMP_TO_GICS: Final[dict[str, str]] = {
    "Technology": "Information Technology",
    "Healthcare": "Health Care",
    "Financial Services": "Financials",
    "Consumer Cyclical": "Consumer Discretionary",
    "Consumer Defensive": "Consumer Staples",
    "Basic Materials": "Materials",
    **{s: s for s in GICS_SECTORS},
}
_PROFILE_BATCH: Final = 50


class FMPProvider:
    """Prices and profiles from FMP.

    Parameters
    ----------
    api_key : str
        From settings (``fmp_api_key``); empty means the provider is unavailable.
    client : httpx.Client, optional
        Injected in tests (``httpx.MockTransport``); by default one with a timeout.
    min_interval : float
        Seconds between requests (rate limit).
    sleep, clock : callables
        Injected in tests so retries and the rate limit do not wait.
    """

    name = "fmp"

    def __init__(
        self,
        api_key: str,
        *,
        client: httpx.Client | None = None,
        base_url: str = FMP_BASE_URL,
        retry: RetryPolicy | None = None,
        min_interval: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_key = api_key.strip()
        self.base_url = base_url.rstrip("/")
        self.http = JsonHttp(
            self.name,
            client or httpx.Client(timeout=DEFAULT_TIMEOUT),
            retry=retry,
            limiter=RateLimiter(min_interval, clock=clock, sleep=sleep),
            sleep=sleep,
        )

    def _require_key(self) -> None:
        if not self.api_key:
            raise ProviderUnavailable("fmp: no API key (set fmp_api_key in the settings)")

    def _get(self, path: str, params: dict[str, str]) -> Any | None:
        response = self.http.get(f"{self.base_url}{path}", {**params, "apikey": self.api_key})
        if response.status_code == 404:
            return None
        body = json_body(response, self.name)
        if isinstance(body, dict) and "Error Message" in body:
            message = f"fmp: {body['Error Message']}"
            if "api key" in message.lower():
                raise AuthError(message)
            raise ProviderError(message)
        return body

    def prices(self, symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
        self._require_key()
        return fetch_each(symbols, lambda s: self._history(s, start, end))

    def _history(self, symbol: str, start: date, end: date) -> pd.DataFrame | None:
        params = {"from": start.isoformat(), "to": end.isoformat()}
        body = self._get(f"/api/v3/historical-price-full/{symbol}", params)
        if not body or not body.get("historical"):
            return None
        try:
            rows = pd.DataFrame(body["historical"])
            frame = rows.rename(columns={"adjClose": "adj_close"}).assign(symbol=symbol)
            frame = frame[["symbol", "date", "open", "high", "low", "close", "adj_close", "volume"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError(f"fmp: unexpected price response for {symbol}: {exc}") from exc
        frame = normalise_price_frame(frame, source=self.name)
        return frame.loc[(frame["date"] >= start) & (frame["date"] <= end)]

    def profiles(self, symbols: Sequence[str]) -> list[SecurityProfile]:
        self._require_key()
        wanted = unique_symbols(symbols)
        out: list[SecurityProfile] = []
        for i in range(0, len(wanted), _PROFILE_BATCH):
            batch = wanted[i : i + _PROFILE_BATCH]
            body = self._get(f"/api/v3/profile/{','.join(batch)}", {}) or []
            if not isinstance(body, list):
                raise ProviderError(f"fmp: unexpected profile response: {str(body)[:80]}")
            out += [_profile(item) for item in body if str(item.get("symbol")) in batch]
        return out

    def sector_weights(self, benchmark: str, as_of: date) -> list[SectorWeight]:
        raise NotSupportedError(
            "fmp: only today's ETF sector weights exist, not point-in-time benchmark weights"
        )


def _profile(item: dict[str, Any]) -> SecurityProfile:
    if item.get("isEtf"):
        asset_type = AssetType.ETF
    elif item.get("isFund"):
        asset_type = AssetType.MUTUAL_FUND
    else:
        asset_type = AssetType.STOCK
    sector = (
        FMP_TO_GICS.get(str(item.get("sector") or "")) if asset_type is AssetType.STOCK else None
    )
    cap = item.get("mktCap")
    return SecurityProfile(
        symbol=str(item["symbol"]),
        name=str(item.get("companyName") or item["symbol"]),
        asset_type=asset_type,
        sector=sector,
        industry=(item.get("industry") or None) if asset_type is AssetType.STOCK else None,
        market_cap=float(cap) if cap else None,
        currency=str(item.get("currency") or "USD"),
        is_etf=asset_type is AssetType.ETF,
    )
