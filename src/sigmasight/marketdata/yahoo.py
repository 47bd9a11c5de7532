"""Yahoo Finance provider, through the public chart endpoint.

``GET https://query1.finance.yahoo.com/v8/finance/chart/{symbol}?period1=&period2=
&interval=1d&events=div,split`` returns OHLCV and the split- and dividend-adjusted
close. Calling it with httpx directly (rather than through yfinance) keeps the HTTP
layer small and lets the tests replay recorded JSON. The endpoint is unofficial and
may change or throttle; the chain then moves on to the next provider.

Profiles come from the chart metadata (name, instrument type, currency): the chart
endpoint has no GICS sector, industry or market cap, so those are None.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import httpx
import pandas as pd

from sigmasight.domain.enums import AssetType
from sigmasight.marketdata.errors import NotSupportedError, ProviderError, ProviderUnavailable
from sigmasight.marketdata.http import (
    DEFAULT_TIMEOUT,
    JsonHttp,
    RateLimiter,
    RetryPolicy,
    fetch_each,
    json_body,
)
from sigmasight.marketdata.models import (
    SectorWeight,
    SecurityProfile,
    normalise_price_frame,
    unique_symbols,
)

YAHOO_BASE_URL: Final = "https://query1.finance.yahoo.com"
_INSTRUMENT_TYPES: Final = {
    "EQUITY": AssetType.STOCK,
    "ETF": AssetType.ETF,
    "INDEX": AssetType.INDEX,
    "MUTUALFUND": AssetType.MUTUAL_FUND,
}
# Yahoo answers 429 to clients without a browser-like agent.
_HEADERS: Final = {"User-Agent": "Mozilla/5.0 (compatible; sigmasight)"}


def _epoch(day: date) -> str:
    return str(int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()))


class YahooProvider:
    """Prices (and basic profiles) from Yahoo's chart endpoint.

    Parameters
    ----------
    enabled : bool
        ``yahoo_enabled`` from the settings; when False the provider is unavailable.
    client : httpx.Client, optional
        Injected in tests (``httpx.MockTransport``).
    min_interval : float
        Seconds between requests (rate limit).
    sleep, clock : callables
        Injected in tests so retries and the rate limit do not wait.
    """

    name = "yahoo"

    def __init__(
        self,
        *,
        enabled: bool = True,
        client: httpx.Client | None = None,
        base_url: str = YAHOO_BASE_URL,
        retry: RetryPolicy | None = None,
        min_interval: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = enabled
        self.base_url = base_url.rstrip("/")
        self.http = JsonHttp(
            self.name,
            client or httpx.Client(timeout=DEFAULT_TIMEOUT, headers=_HEADERS),
            retry=retry,
            limiter=RateLimiter(min_interval, clock=clock, sleep=sleep),
            sleep=sleep,
        )

    def _require_enabled(self) -> None:
        if not self.enabled:
            raise ProviderUnavailable("yahoo: disabled in the settings (yahoo_enabled)")

    def _chart(self, symbol: str, params: dict[str, str]) -> dict[str, Any] | None:
        response = self.http.get(f"{self.base_url}/v8/finance/chart/{symbol}", params)
        if response.status_code == 404:
            return None
        body = json_body(response, self.name)
        try:
            chart = body["chart"]
            if chart.get("error"):
                raise ProviderError(f"yahoo: {symbol}: {chart['error'].get('description')}")
            results = chart["result"]
        except (KeyError, TypeError, AttributeError) as exc:
            raise ProviderError(f"yahoo: unexpected chart response for {symbol}") from exc
        return results[0] if results else None

    def prices(self, symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
        self._require_enabled()
        params = {
            "period1": _epoch(start),
            "period2": _epoch(end + timedelta(days=1)),
            "interval": "1d",
            "events": "div,split",
        }
        return fetch_each(symbols, lambda s: self._history(s, params, start, end))

    def _history(
        self, symbol: str, params: dict[str, str], start: date, end: date
    ) -> pd.DataFrame | None:
        result = self._chart(symbol, params)
        if result is None or not result.get("timestamp"):
            return None
        try:
            frame = _chart_frame(symbol, result)
        except (KeyError, TypeError, IndexError, ValueError) as exc:
            raise ProviderError(f"yahoo: unexpected chart data for {symbol}: {exc}") from exc
        return frame.loc[(frame["date"] >= start) & (frame["date"] <= end)]

    def profiles(self, symbols: Sequence[str]) -> list[SecurityProfile]:
        self._require_enabled()
        out: list[SecurityProfile] = []
        for symbol in unique_symbols(symbols):
            result = self._chart(symbol, {"range": "5d", "interval": "1d"})
            if result is not None:
                out.append(_profile(symbol, result.get("meta", {})))
        return out

    def sector_weights(self, benchmark: str, as_of: date) -> list[SectorWeight]:
        raise NotSupportedError("yahoo: benchmark sector weights are not offered")


def _chart_frame(symbol: str, result: dict[str, Any]) -> pd.DataFrame:
    tz = result.get("meta", {}).get("exchangeTimezoneName") or "America/New_York"
    # Bars are stamped at the session open; the local date is the session.
    stamps = pd.to_datetime(pd.Series(result["timestamp"], dtype="int64"), unit="s", utc=True)
    quote = result["indicators"]["quote"][0]
    adjusted = result["indicators"].get("adjclose") or [{}]
    frame = pd.DataFrame(
        {
            "symbol": symbol,
            "date": stamps.dt.tz_convert(tz).dt.date,
            "open": quote.get("open"),
            "high": quote.get("high"),
            "low": quote.get("low"),
            "close": quote["close"],
            "volume": quote.get("volume"),
        }
    )
    if adjusted[0].get("adjclose") is not None:
        frame["adj_close"] = adjusted[0]["adjclose"]
    return normalise_price_frame(frame, source="yahoo")


def _profile(symbol: str, meta: dict[str, Any]) -> SecurityProfile:
    asset_type = _INSTRUMENT_TYPES.get(str(meta.get("instrumentType", "")), AssetType.OTHER)
    return SecurityProfile(
        symbol=symbol,
        name=str(meta.get("longName") or meta.get("shortName") or symbol),
        asset_type=asset_type,
        sector=None,
        industry=None,
        market_cap=None,
        currency=str(meta.get("currency") or "USD"),
        is_etf=asset_type is AssetType.ETF,
    )
