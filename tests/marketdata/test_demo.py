from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.domain.enums import AssetType
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.demo import DemoProvider, demo_data_dir
from sigmasight.marketdata.errors import ProviderUnavailable
from sigmasight.marketdata.models import GICS_SECTORS
from sigmasight.marketdata.quality import check_prices


def _csv_value(filename: str, day: str, column: str) -> float:
    with gzip.open(demo_data_dir() / filename, "rt") as handle:
        header = handle.readline().strip().split(",")
        for line in handle:
            if line.startswith(day):
                return float(line.strip().split(",")[header.index(column)])
    raise AssertionError(f"{day} not in {filename}")


def test_aapl_close_equals_the_csv_value(demo: DemoProvider) -> None:
    frame = demo.prices(["AAPL"], date(2022, 12, 28), date(2022, 12, 28))
    assert frame["close"].tolist() == [125.674]
    assert frame["adj_close"].tolist() == [125.674]
    assert _csv_value("sp500_dataset.csv.gz", "2022-12-28", "AAPL") == 125.674
    assert frame[["open", "high", "low", "volume"]].isna().all(axis=None)
    assert frame["source"].tolist() == ["demo"]


def test_universe(demo: DemoProvider) -> None:
    stocks = "AAPL AMD BAC BBY CVX GE HD JNJ JPM KO LLY MRK MSFT PEP PFE PG RRC UNH WMT XOM"
    expected = sorted([*stocks.split(), "MTUM", "QUAL", "SIZE", "USMV", "VLUE", "^GSPC"])
    assert demo.universe() == expected


def test_spy_spx_sp500_resolve_to_the_index(demo: DemoProvider) -> None:
    day = date(2022, 12, 28)
    index = demo.prices([MARKET_INDEX_SYMBOL], day, day)
    assert index["close"].tolist() == [3783.22]
    for alias in ("SPY", "spx", "SP500"):
        frame = demo.prices([alias], day, day)
        assert frame["symbol"].tolist() == [alias.upper()]
        assert frame["close"].tolist() == [3783.22]
    (spy,) = demo.profiles(["SPY"])
    assert spy.asset_type is AssetType.ETF
    assert "price index" in spy.name


def test_history_spans_and_sessions(demo: DemoProvider, calendar: TradingCalendar) -> None:
    frame = demo.prices(["^GSPC", "MTUM"], date(1980, 1, 1), date(2030, 1, 1))
    spans = frame.groupby("symbol")["date"].agg(["min", "max", "size"])
    assert list(spans.loc["^GSPC"]) == [date(1990, 1, 2), date(2022, 12, 28), 8313]
    assert list(spans.loc["MTUM"]) == [date(2014, 1, 2), date(2022, 12, 28), 2264]
    # Every demo row is an NYSE session and the series have no gap, NaN or split jump.
    assert check_prices(frame, calendar, max_gap_sessions=0).ok


def test_profiles(demo: DemoProvider) -> None:
    profiles = {p.symbol: p for p in demo.profiles([*demo.universe(), "NOPE"])}
    assert set(profiles) == set(demo.universe())
    assert profiles["AAPL"].sector == "Information Technology"
    assert profiles["XOM"].industry == "Oil, Gas & Consumable Fuels"
    assert profiles["QUAL"].is_etf
    assert profiles[MARKET_INDEX_SYMBOL].asset_type is AssetType.INDEX
    stocks = [p for p in profiles.values() if p.asset_type is AssetType.STOCK]
    assert len(stocks) == 20
    assert all(p.sector in GICS_SECTORS for p in stocks)


def test_sp500_sector_weights(demo: DemoProvider) -> None:
    weights = demo.sector_weights("SPY", date(2023, 6, 30))
    assert {w.sector for w in weights} == set(GICS_SECTORS)
    assert sum(w.weight for w in weights) == pytest.approx(1.0, abs=1e-12)
    tech = next(w for w in weights if w.sector == "Information Technology")
    assert tech.weight == pytest.approx(0.257)  # published 25.7 %, which summed to 100.0
    assert {w.as_of for w in weights} == {date(2022, 12, 30)}  # the date of the figures
    assert all("S&P Dow Jones Indices" in w.source for w in weights)


def test_sector_weights_are_point_in_time(demo: DemoProvider) -> None:
    # The year-end 2022 figures are dated 2022-12-30: never applied to an earlier day,
    # the demo's last session (2022-12-28) included.
    assert demo.sector_weights("^GSPC", date(2022, 12, 28)) == []
    assert demo.sector_weights("^GSPC", date(2022, 12, 29)) == []
    assert len(demo.sector_weights("^GSPC", date(2022, 12, 30))) == 11
    assert demo.sector_weights("QQQ", date(2023, 1, 3)) == []


def test_missing_skfolio_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ProviderUnavailable, match=r"pip install 'sigmasight\[demo\]'"):
        DemoProvider().prices(["AAPL"], date(2022, 1, 3), date(2022, 1, 4))


def test_demo_does_not_import_skfolio(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from datetime import date;"
        "from sigmasight.marketdata.demo import DemoProvider;"
        "DemoProvider().prices(['AAPL'], date(2022, 1, 3), date(2022, 1, 4));"
        "print('skfolio' in sys.modules, 'sklearn' in sys.modules)"
    )
    src = Path(__file__).parents[2] / "src"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(src)},
        cwd=tmp_path,
    )
    assert out.stdout.split() == ["False", "False"]


def test_quality_findings_on_the_whole_demo_universe(
    demo: DemoProvider, calendar: TradingCalendar
) -> None:
    frame = demo.prices(demo.universe(), date(1990, 1, 1), date(2022, 12, 31))
    report = check_prices(frame, calendar)
    assert report.errors == []
    jumps = [(f.symbol, f.date) for f in report.findings if f.code == "SPLIT_LIKE_JUMP"]
    # AAPL fell 52 % on 2000-09-29 (a real crash, kept as a warning); RRC's early-1990
    # series is flat for months, then drops to a third (an artefact of the source data).
    assert jumps == [("AAPL", date(2000, 9, 29)), ("RRC", date(1990, 4, 10))]
    flat = {f.symbol for f in report.findings if f.code == "FLAT_PRICE"}
    assert flat == {"RRC"}
    assert report.counts()["FLAT_PRICE"] == 17
