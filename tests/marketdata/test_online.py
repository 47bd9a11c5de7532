"""FMP and Yahoo specifics: errors, retries, backoff, rate limit, parsing."""

from __future__ import annotations

from datetime import date

import httpx
import numpy as np
import pytest

from sigmasight.domain.enums import AssetType
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.marketdata.errors import (
    AuthError,
    NotSupportedError,
    PartialFetchError,
    ProviderTimeoutError,
    ProviderUnavailable,
    RateLimitedError,
)
from sigmasight.marketdata.http import RateLimiter, RetryPolicy, redact

from .fakes_http import (
    JAN_END,
    JAN_START,
    Sleeps,
    fmp_handler,
    fmp_provider,
    recording,
    yahoo_handler,
    yahoo_provider,
)

DEC = (date(2022, 12, 1), date(2022, 12, 28))


def test_fmp_parses_recorded_history() -> None:
    frame = fmp_provider().prices(["AAPL"], JAN_START, JAN_END)
    assert frame["date"].tolist() == [date(2023, 1, d) for d in (3, 4, 5, 6)]  # FMP is newest first
    first = frame.iloc[0]
    assert (first["open"], first["high"], first["low"], first["close"]) == (
        130.28,
        130.90,
        124.17,
        125.07,
    )
    assert (first["adj_close"], first["volume"]) == (124.22, 112117500.0)


def test_fmp_unauthorized_is_auth_error_and_chain_moves_on() -> None:
    bad = fmp_provider(api_key="wrong")
    with pytest.raises(AuthError, match="HTTP 401, the API key was refused"):
        bad.prices(["AAPL"], *DEC)
    fetch = ProviderChain([bad, DemoProvider()]).fetch_prices(["AAPL"], *DEC)
    assert fetch.served_by == {"AAPL": "demo"}
    (failure,) = fetch.failures
    assert (failure.provider, failure.kind) == ("fmp", "AuthError")
    assert "wrong" not in failure.message  # the key never shows in messages


def test_fmp_without_key_is_unavailable() -> None:
    with pytest.raises(ProviderUnavailable, match="no API key"):
        fmp_provider(api_key="").prices(["AAPL"], JAN_START, JAN_END)
    with pytest.raises(ProviderUnavailable, match="no API key"):
        fmp_provider(api_key=" ").profiles(["AAPL"])


def test_fmp_error_message_in_a_200_body() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"Error Message": "Invalid API KEY. Get one."})

    with pytest.raises(AuthError, match="Invalid API KEY"):
        fmp_provider(handler).prices(["AAPL"], JAN_START, JAN_END)


def test_retry_with_backoff_on_503_then_success() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) <= 2:
            return httpx.Response(503, text="Service Unavailable")
        return fmp_handler(request)

    sleeps = Sleeps()
    frame = fmp_provider(handler, sleeps=sleeps).prices(["MSFT"], JAN_START, JAN_END)
    assert len(frame) == 4
    assert len(calls) == 3
    assert sleeps.calls == [0.5, 1.0]  # 0.5 * 2 ** (k - 1)


def test_persistent_5xx_gives_up_with_a_clear_error() -> None:
    sleeps = Sleeps()
    provider = fmp_provider(lambda r: httpx.Response(502, text="Bad Gateway"), sleeps=sleeps)
    with pytest.raises(ProviderUnavailable, match=r"fmp: HTTP 502 on .*apikey=\*\*\*: Bad Gateway"):
        provider.prices(["AAPL"], JAN_START, JAN_END)
    assert sleeps.calls == [0.5, 1.0, 2.0]
    assert provider.http.requests == 4


def test_rate_limited_honours_retry_after() -> None:
    responses = iter([httpx.Response(429, headers={"Retry-After": "3"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(responses, None) or fmp_handler(request)

    sleeps = Sleeps()
    assert len(fmp_provider(handler, sleeps=sleeps).prices(["AAPL"], JAN_START, JAN_END)) == 4
    assert sleeps.calls == [3.0]


def test_rate_limited_forever_raises_rate_limited() -> None:
    provider = fmp_provider(lambda r: httpx.Response(429))
    with pytest.raises(RateLimitedError):
        provider.prices(["AAPL"], JAN_START, JAN_END)


def test_timeout_is_retried_then_reported_and_chain_moves_on() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    sleeps = Sleeps()
    slow = fmp_provider(handler, sleeps=sleeps)
    with pytest.raises(ProviderTimeoutError, match="fmp: timed out"):
        slow.prices(["AAPL"], JAN_START, JAN_END)
    assert len(sleeps.calls) == 3
    fetch = ProviderChain([slow, yahoo_provider()]).fetch_prices(["AAPL"], JAN_START, JAN_END)
    assert fetch.served_by == {"AAPL": "yahoo"}
    assert [f.kind for f in fetch.failures] == ["ProviderTimeoutError"]


def test_unreachable_host_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("name resolution failed", request=request)

    with pytest.raises(ProviderUnavailable, match=r"yahoo: unreachable \(ConnectError\)"):
        yahoo_provider(handler).prices(["AAPL"], JAN_START, JAN_END)


def test_auth_failure_midway_keeps_what_was_fetched() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "MSFT" in request.url.path:
            return httpx.Response(403, json={"Error Message": "Exclusive Endpoint"})
        return fmp_handler(request)

    with pytest.raises(PartialFetchError) as info:
        fmp_provider(handler).prices(["AAPL", "MSFT", "KO"], JAN_START, JAN_END)
    assert set(info.value.frame["symbol"]) == {"AAPL"}
    assert sorted(info.value.failed) == ["KO", "MSFT"]


def test_malformed_json_for_one_symbol_is_a_symbol_failure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "MSFT" in request.url.path:
            return httpx.Response(200, text="<html>oops</html>")
        return fmp_handler(request)

    with pytest.raises(PartialFetchError) as info:
        fmp_provider(handler).prices(["AAPL", "MSFT"], JAN_START, JAN_END)
    assert "not JSON" in info.value.failed["MSFT"]
    assert len(info.value.frame) == 4


def test_fmp_profiles_map_sectors_to_gics() -> None:
    aapl, spy = fmp_provider().profiles(["AAPL", "SPY", "NOPE"])
    assert (aapl.sector, aapl.industry, aapl.market_cap) == (
        "Information Technology",
        "Consumer Electronics",
        2.05e12,
    )
    assert (spy.asset_type, spy.is_etf, spy.sector) == (AssetType.ETF, True, None)


def test_online_providers_do_not_offer_sector_weights() -> None:
    with pytest.raises(NotSupportedError):
        fmp_provider().sector_weights("^GSPC", date(2023, 1, 3))
    with pytest.raises(NotSupportedError):
        yahoo_provider().sector_weights("^GSPC", date(2023, 1, 3))


def test_yahoo_parses_chart() -> None:
    frame = yahoo_provider().prices(["AAPL", "^GSPC"], JAN_START, JAN_END)
    aapl = frame.loc[frame["symbol"] == "AAPL"]
    assert aapl["date"].tolist() == [date(2023, 1, d) for d in (3, 4, 5, 6)]
    assert aapl["close"].tolist() == [125.07, 126.36, 125.02, 129.62]
    assert aapl["adj_close"].tolist() == [124.22, 125.50, 124.17, 128.74]
    gspc = frame.loc[frame["symbol"] == "^GSPC"]
    assert gspc["close"].iloc[-1] == 3895.08


def test_yahoo_request_parameters() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return yahoo_handler(request)

    yahoo_provider(handler).prices(["AAPL"], JAN_START, JAN_END)
    params = dict(seen[0].params)
    # period1 = 2023-01-03T00:00Z, period2 = the day after the end (exclusive bound).
    assert params == {
        "period1": "1672704000",
        "period2": "1673049600",
        "interval": "1d",
        "events": "div,split",
    }


def test_yahoo_null_bars_become_nan() -> None:
    body = recording("yahoo/chart_AAPL.json")
    body["chart"]["result"][0]["indicators"]["quote"][0]["close"][1] = None
    body["chart"]["result"][0]["indicators"]["adjclose"][0]["adjclose"][1] = None
    provider = yahoo_provider(lambda r: httpx.Response(200, json=body))
    frame = provider.prices(["AAPL"], JAN_START, JAN_END)
    assert np.isnan(frame["close"].iloc[1])  # kept, so the quality check rejects it visibly


def test_yahoo_profiles_from_chart_meta() -> None:
    aapl, gspc = yahoo_provider().profiles(["AAPL", "^GSPC", "NOPE"])
    assert (aapl.name, aapl.asset_type, aapl.sector) == ("Apple Inc.", AssetType.STOCK, None)
    assert gspc.asset_type is AssetType.INDEX


def test_yahoo_disabled_is_unavailable() -> None:
    with pytest.raises(ProviderUnavailable, match="yahoo_enabled"):
        yahoo_provider(enabled=False).prices(["AAPL"], JAN_START, JAN_END)


def test_rate_limiter_spaces_requests() -> None:
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(0.25, clock=lambda: now[0], sleep=sleep)
    limiter.wait()
    now[0] += 0.1
    limiter.wait()
    now[0] += 1.0
    limiter.wait()
    assert sleeps == [pytest.approx(0.15)]


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(backoff=1.0, max_backoff=5.0)
    assert [policy.wait(k) for k in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert policy.wait(1, retry_after="60") == 5.0


def test_redact_hides_keys() -> None:
    assert redact("https://x/y?from=1&apikey=SECRET&to=2") == "https://x/y?from=1&apikey=***&to=2"
