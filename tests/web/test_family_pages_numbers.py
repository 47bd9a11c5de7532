"""The figures the risk-metrics, factors and security pages show, against an independent
recomputation from the raw stored closes and positions (tests/reference: empyrical,
scipy, statsmodels, scikit-learn, pandas), not against the API that reads the same rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import create_engine

from tests.api.conftest import BATCH_END
from tests.reference.assets import AssetReference
from tests.reference.books import BookReference
from tests.reference.factors import FACTORS, FactorReference
from tests.reference.raw import Raw, read_raw
from tests.reference.risk import RiskReference
from tests.web.test_dashboard_numbers import BOOKS, _login, _shows, _value

FUND = 3
#: Securities of the long/short fund: a long, a short, and a short's underlying of a put.
SYMBOLS = ("MSFT", "BBY", "AAPL")


@pytest.fixture(scope="module")
def web_raw(sqlite_api_url: str) -> Raw:
    engine = create_engine(sqlite_api_url)
    try:
        return read_raw(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def web_books(web_raw: Raw) -> BookReference:
    return BookReference(web_raw)


@pytest.fixture(scope="module")
def web_risk(web_books: BookReference) -> RiskReference:
    return RiskReference(web_books)


@pytest.fixture(scope="module")
def web_factors(web_books: BookReference) -> FactorReference:
    return FactorReference(web_books)


@pytest.fixture(scope="module")
def web_assets(web_raw: Raw) -> AssetReference:
    return AssetReference(web_raw)


def _close(text: str, expected: float, digits: int, scale: float = 1.0) -> None:
    assert abs(_value(text) - scale * expected) <= 0.5 * 10**-digits + 1e-9, (text, expected)


@pytest.mark.parametrize("portfolio", BOOKS)
def test_risk_metrics_and_factors_pages(
    page: Any,
    live_server: str,
    web_risk: RiskReference,
    web_factors: FactorReference,
    web_books: BookReference,
    web_assets: AssetReference,
    portfolio: int,
) -> None:
    """The VaR & drawdowns page, the overview's VaR and trend cards and the factors page
    (headline cards and every row of the loadings table) of one book, one login."""
    _login(page, live_server)
    _risk_metrics_page(page, live_server, web_risk.row(portfolio, BATCH_END), portfolio)
    _trend_card(page, web_books, web_assets, portfolio)
    _factors_page(page, live_server, web_factors.portfolio_row(portfolio, BATCH_END), portfolio)


def _risk_metrics_page(page: Any, base: str, expected: dict[str, Any], portfolio: int) -> None:
    page.goto(f"{base}/portfolios/{portfolio}/risk-metrics")
    _shows(page, "var99", expected["var_99_1d"], 2, percent=True)
    assert page.get_by_test_id("risk-level").inner_text().strip() == expected["risk_level"]
    _shows(page, "sharpe", expected["sharpe"], 2)
    _shows(page, "max-drawdown", expected["max_drawdown"], 1, percent=True)
    page.goto(f"{base}/portfolios/{portfolio}")
    _shows(page, "var99", expected["var_99_1d"], 2, percent=True)


def _trend_card(page: Any, books: BookReference, assets: AssetReference, portfolio: int) -> None:
    """The overview (open) shows, of the held securities with a 200-session SMA, how many
    close above it, and their median 1-year return, from the reference's figures."""
    held = {lot.column for lot in books.held(portfolio, BATCH_END) if lot.column is not None}
    rows = [assets.row(symbol, BATCH_END) for symbol in sorted(held)]
    with_sma = [r for r in rows if r["sma_200"] is not None]
    above = sum(float(r["close"]) > float(r["sma_200"]) for r in with_sma)  # type: ignore[arg-type]
    text = page.get_by_test_id("above-sma200").inner_text().strip()
    assert text == f"{above} of {len(with_sma)}"
    years = sorted(float(r["return_1y"]) for r in rows if r["return_1y"] is not None)  # type: ignore[arg-type]
    card = page.locator(".card:has([data-testid=above-sma200]) .muted").inner_text()
    _close(card.split("median 1y return")[1].split("%")[0], 100 * float(np.median(years)), 1)


def _factors_page(page: Any, base: str, row: dict[str, Any], portfolio: int) -> None:
    ols: dict[str, Any] = row["ols"]
    page.goto(f"{base}/portfolios/{portfolio}/factors")
    _shows(page, "factor-market", ols["factors"]["market"]["weighted"], 2)
    _shows(page, "factor-vol", ols["risk"]["total_volatility"], 1, percent=True)
    _shows(page, "factor-r2", ols["direct"]["r_squared"], 2)
    table = page.locator("section:has(h2:text('Loadings: weighted vs direct')) tbody tr")
    assert table.count() == len(FACTORS)
    absent: dict[str, str] = row["absent"]
    for i, (key, _, _) in enumerate(FACTORS):
        cells = table.nth(i).locator("td").all_inner_texts()
        if key in absent:
            assert cells[1].strip() == f"absent: {absent[key]}"
            continue
        figures = ols["factors"][key]
        _close(cells[1], figures["weighted"], 3)
        _close(cells[2], figures["direct"], 3)
        _close(cells[3], figures["difference"], 4)
        _close(cells[4], figures["exposure"], 0)
        _close(cells[5], figures["risk_share"], 1, scale=100)


def test_security_pages(page: Any, live_server: str, web_assets: AssetReference) -> None:
    """RSI, 1-year return, volatility and drawdown on the security page of a long, a
    short and a put's underlying of the long/short fund."""
    _login(page, live_server)
    for symbol in SYMBOLS:
        expected = web_assets.row(symbol, BATCH_END)
        page.goto(f"{live_server}/portfolios/{FUND}/securities/{symbol}")
        _shows(page, "sec-rsi", expected["rsi_14"], 1)
        _shows(page, "sec-1y", expected["return_1y"], 1, percent=True)
        _shows(page, "sec-vol", expected["volatility_1y"], 1, percent=True)
        _shows(page, "sec-mdd", expected["max_drawdown_1y"], 1, percent=True)
