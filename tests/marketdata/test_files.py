from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigmasight.domain.enums import AssetType
from sigmasight.marketdata.errors import DataFileError
from sigmasight.marketdata.files import FilesProvider

LONG_CSV = """symbol,date,open,high,low,close,volume
aapl,2023-01-03,130.28,130.90,124.17,125.07,112117500
AAPL,2023-01-04,126.89,128.66,125.08,126.36,89113600
MSFT,2023-01-03,243.08,245.75,237.40,239.58,25740000
"""

WIDE_CSV = """Date,AAPL,MSFT
2023-01-03,125.07,239.58
2023-01-04,126.36,
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_long_csv(tmp_path: Path) -> None:
    provider = FilesProvider(_write(tmp_path, "p.csv", LONG_CSV))
    frame = provider.prices(["AAPL", "MSFT"], date(2023, 1, 1), date(2023, 1, 31))
    assert frame["symbol"].tolist() == ["AAPL", "AAPL", "MSFT"]
    assert frame["date"].tolist() == [date(2023, 1, 3), date(2023, 1, 4), date(2023, 1, 3)]
    assert frame["close"].tolist() == [125.07, 126.36, 239.58]
    # Without an adj_close column the close is taken as adjusted.
    assert frame["adj_close"].tolist() == frame["close"].tolist()
    assert frame["volume"].iloc[0] == 112117500.0
    assert set(frame["source"]) == {"files"}


def test_wide_csv_empty_cell_becomes_nan(tmp_path: Path) -> None:
    provider = FilesProvider(_write(tmp_path, "w.csv", WIDE_CSV))
    frame = provider.prices(["MSFT"], date(2023, 1, 1), date(2023, 1, 31))
    assert frame["close"].iloc[0] == 239.58
    assert np.isnan(frame["close"].iloc[1])  # left for the quality check to reject


def test_parquet_long_with_adj_close(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pd.DataFrame(
        {
            "symbol": ["KO", "KO"],
            "date": pd.to_datetime(["2023-01-03", "2023-01-04"]),
            "close": [63.6, 63.8],
            "adj_close": [61.0, 61.2],
        }
    ).to_parquet(path)
    frame = FilesProvider(path).prices(["KO"], date(2023, 1, 4), date(2023, 1, 4))
    assert frame[["close", "adj_close"]].values.tolist() == [[63.8, 61.2]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "symbol,date,close\nAAPL,2023-01-03,12x\n",
            r"p\.csv, row 2, column 'close': not a number",
        ),
        ("symbol,date,close\nAAPL,03/01/2023x,1\n", r"row 2, column 'date': not an ISO date"),
        ("symbol,date,open\nAAPL,2023-01-03,1\n", r"needs a 'close' column"),
        ("when,AAPL\n2023-01-03,1\n", r"no 'date' column"),
        ("symbol,date,close\n,2023-01-03,1\n", r"row 2, column 'symbol': empty symbol"),
    ],
)
def test_malformed_price_files(tmp_path: Path, text: str, message: str) -> None:
    provider = FilesProvider(_write(tmp_path, "p.csv", text))
    with pytest.raises(DataFileError, match=message):
        provider.prices(["AAPL"], date(2023, 1, 1), date(2023, 1, 31))


def test_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="unknown file type"):
        FilesProvider(_write(tmp_path, "p.xlsx", "x")).load_prices()


SECURITIES = """symbol,name,sector,industry,asset_type,market_cap,currency
AAPL,Apple Inc.,Information Technology,"Technology Hardware, Storage & Peripherals",stock,2.1e12,usd
SPY,SPDR S&P 500 ETF Trust,,,ETF,,
"""


def test_securities_file(tmp_path: Path) -> None:
    provider = FilesProvider(securities=_write(tmp_path, "s.csv", SECURITIES))
    aapl, spy = provider.profiles(["aapl", "SPY", "NOPE"])
    assert (aapl.asset_type, aapl.sector, aapl.market_cap, aapl.currency) == (
        AssetType.STOCK,
        "Information Technology",
        2.1e12,
        "USD",
    )
    assert (spy.asset_type, spy.is_etf, spy.sector, spy.currency) == (
        AssetType.ETF,
        True,
        None,
        "USD",
    )


def test_securities_file_rejects_unknown_sector(tmp_path: Path) -> None:
    text = "symbol,sector\nAAPL,Technology\n"
    provider = FilesProvider(securities=_write(tmp_path, "s.csv", text))
    with pytest.raises(DataFileError, match=r"row 2, column 'sector': unknown GICS sector"):
        provider.profiles(["AAPL"])


def test_securities_file_rejects_unknown_asset_type(tmp_path: Path) -> None:
    text = "symbol,asset_type\nAAPL,crypto\n"
    provider = FilesProvider(securities=_write(tmp_path, "s.csv", text))
    with pytest.raises(DataFileError, match=r"column 'asset_type': unknown asset type 'CRYPTO'"):
        provider.profiles(["AAPL"])


WEIGHTS = """benchmark,as_of,sector,weight
^GSPC,2022-12-30,Information Technology,0.6
^GSPC,2022-12-30,Energy,0.4
^GSPC,2023-06-30,Information Technology,0.7
^GSPC,2023-06-30,Energy,0.3
"""


def test_sector_weights_file_is_point_in_time(tmp_path: Path) -> None:
    provider = FilesProvider(sector_weights=_write(tmp_path, "w.csv", WEIGHTS))
    assert provider.sector_weights("^GSPC", date(2022, 12, 29)) == []
    mid = provider.sector_weights("^gspc", date(2023, 3, 31))
    assert [(w.as_of, w.sector, w.weight) for w in mid] == [
        (date(2022, 12, 30), "Information Technology", 0.6),
        (date(2022, 12, 30), "Energy", 0.4),
    ]
    assert {w.as_of for w in provider.sector_weights("^GSPC", date(2024, 1, 1))} == {
        date(2023, 6, 30)
    }


def test_sector_weights_must_sum_to_one(tmp_path: Path) -> None:
    text = "benchmark,as_of,sector,weight\nX,2023-01-03,Energy,0.5\n"
    provider = FilesProvider(sector_weights=_write(tmp_path, "w.csv", text))
    with pytest.raises(DataFileError, match=r"sum to 0\.5000, not 1"):
        provider.sector_weights("X", date(2023, 1, 3))
