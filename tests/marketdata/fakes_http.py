"""Replay recorded FMP and Yahoo responses through httpx.MockTransport (no network)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from sigmasight.marketdata.fmp import FMPProvider
from sigmasight.marketdata.http import RetryPolicy
from sigmasight.marketdata.yahoo import YahooProvider

from .conftest import RECORDINGS

Handler = Callable[[httpx.Request], httpx.Response]


def recording(name: str) -> Any:
    return json.loads((RECORDINGS / name).read_text())


def fmp_handler(request: httpx.Request) -> httpx.Response:
    """Behave like FMP: 401 for a bad key, ``{}`` for an unknown symbol, from/to filter."""
    if request.url.params.get("apikey") != "test-key":
        return httpx.Response(401, json=recording("fmp/error_401.json"))
    parts = request.url.path.split("/")
    if parts[3] == "historical-price-full":
        path = RECORDINGS / f"fmp/historical_{parts[4]}.json"
        if not path.exists():
            return httpx.Response(200, json=recording("fmp/historical_unknown.json"))
        body = json.loads(path.read_text())
        lo, hi = request.url.params["from"], request.url.params["to"]
        body["historical"] = [r for r in body["historical"] if lo <= r["date"] <= hi]
        return httpx.Response(200, json=body)
    if parts[3] == "profile":
        wanted = set(parts[4].split(","))
        items = recording("fmp/profile_AAPL_SPY.json")
        return httpx.Response(200, json=[i for i in items if i["symbol"] in wanted])
    return httpx.Response(404, json={})


def yahoo_handler(request: httpx.Request) -> httpx.Response:
    symbol = request.url.path.rsplit("/", 1)[-1]
    files = {"AAPL": "yahoo/chart_AAPL.json", "^GSPC": "yahoo/chart_GSPC.json"}
    if symbol not in files:
        return httpx.Response(404, json=recording("yahoo/chart_unknown_404.json"))
    return httpx.Response(200, json=recording(files[symbol]))


class Sleeps:
    """Records requested sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def fmp_provider(
    handler: Handler = fmp_handler, api_key: str = "test-key", sleeps: Sleeps | None = None
) -> FMPProvider:
    return FMPProvider(
        api_key,
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        retry=RetryPolicy(attempts=4, backoff=0.5, max_backoff=8.0),
        min_interval=0.0,
        sleep=sleeps or Sleeps(),
    )


def yahoo_provider(
    handler: Handler = yahoo_handler, sleeps: Sleeps | None = None, enabled: bool = True
) -> YahooProvider:
    return YahooProvider(
        enabled=enabled,
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        min_interval=0.0,
        sleep=sleeps or Sleeps(),
    )


JAN_START, JAN_END = date(2023, 1, 3), date(2023, 1, 6)
