from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.models import normalise_price_frame
from sigmasight.marketdata.quality import FindingCode, Severity, check_prices

from .conftest import price_frame


@pytest.fixture
def days(calendar: TradingCalendar) -> list[date]:
    return calendar.sessions(date(2022, 11, 1), date(2022, 12, 30))  # 42 sessions


def _ramp(n: int) -> np.ndarray:
    return 100.0 + np.arange(n, dtype=float)


def test_clean_series_has_no_findings(calendar: TradingCalendar, days: list[date]) -> None:
    report = check_prices(price_frame("AAA", days, _ramp(len(days))), calendar)
    assert report.ok
    assert report.rows_checked == 42
    assert report.rows_rejected == 0


def test_nan_and_non_positive_rows_are_rejected(
    calendar: TradingCalendar, days: list[date]
) -> None:
    closes = _ramp(len(days))
    closes[3], closes[7], closes[9] = np.nan, 0.0, -5.0
    frame = price_frame("AAA", days, closes)
    report = check_prices(frame, calendar)
    by_code = {(f.code, f.date) for f in report.errors}
    assert by_code == {
        (FindingCode.NAN_PRICE, days[3]),
        (FindingCode.NON_POSITIVE_PRICE, days[7]),
        (FindingCode.NON_POSITIVE_PRICE, days[9]),
    }
    accepted, rejected = report.split(frame)
    assert len(accepted) == 39
    assert rejected["date"].tolist() == [days[3], days[7], days[9]]
    assert rejected["reason"].tolist() == ["NAN_PRICE", "NON_POSITIVE_PRICE", "NON_POSITIVE_PRICE"]
    assert "close = -5" in next(f.message for f in report.errors if f.date == days[9])


def test_non_positive_open_is_rejected_even_with_good_close(
    calendar: TradingCalendar, days: list[date]
) -> None:
    opens = _ramp(len(days))
    opens[5] = 0.0
    report = check_prices(price_frame("AAA", days, _ramp(len(days)), open=opens), calendar)
    assert [(f.code, f.date) for f in report.errors] == [(FindingCode.NON_POSITIVE_PRICE, days[5])]


def test_conflicting_duplicates_reject_all_copies(
    calendar: TradingCalendar, days: list[date]
) -> None:
    base = price_frame("AAA", days, _ramp(len(days)))
    conflicting = price_frame("AAA", [days[4]], [999.0])
    identical = base.iloc[[10]]
    frame = pd.concat([base, conflicting, identical], ignore_index=True)
    report = check_prices(frame, calendar)
    assert report.counts() == {"DUPLICATE_DATE": 1, "DUPLICATE_ROW": 1}
    accepted, rejected = report.split(frame)
    # Both rows of days[4] go; only the second identical copy of days[10] goes.
    assert len(rejected) == 3
    assert days[4] not in set(accepted["date"])
    assert (accepted["date"] == days[10]).sum() == 1
    assert not accepted.duplicated(["symbol", "date"]).any()


def test_gap_longer_than_limit(calendar: TradingCalendar, days: list[date]) -> None:
    keep = [d for i, d in enumerate(days) if not 10 <= i < 17]  # 7 sessions missing
    report = check_prices(price_frame("AAA", keep, _ramp(len(keep))), calendar, max_gap_sessions=5)
    (gap,) = report.findings
    assert (gap.code, gap.severity, gap.date) == (FindingCode.GAP, Severity.WARNING, days[17])
    assert gap.message.startswith("7 sessions missing after 2022-11-14")
    assert check_prices(price_frame("AAA", keep, _ramp(len(keep))), calendar, max_gap_sessions=7).ok


def test_weekend_and_holiday_do_not_count_as_gaps(calendar: TradingCalendar) -> None:
    days = [date(2022, 12, 23), date(2022, 12, 27)]  # Christmas weekend + observed holiday
    assert check_prices(price_frame("AAA", days, [1.0, 1.01]), calendar, max_gap_sessions=0).ok


def test_row_on_a_holiday_is_flagged(calendar: TradingCalendar) -> None:
    frame = price_frame("AAA", [date(2022, 12, 23), date(2022, 12, 26)], [1.0, 1.01])
    (finding,) = check_prices(frame, calendar).findings
    assert (finding.code, finding.date) == (FindingCode.NOT_A_SESSION, date(2022, 12, 26))


def test_stale_series_relative_to_as_of(calendar: TradingCalendar, days: list[date]) -> None:
    fresh = price_frame("NEW", days, _ramp(len(days)))
    old = price_frame("OLD", days[:20], _ramp(20))
    report = check_prices(pd.concat([fresh, old]), calendar, stale_sessions=10)
    (stale,) = report.findings
    assert (stale.symbol, stale.code, stale.date) == ("OLD", FindingCode.STALE, None)
    assert "22 sessions before" in stale.message
    # Relative to an explicit as_of a month later, both are stale.
    later = check_prices(pd.concat([fresh, old]), calendar, as_of=date(2023, 2, 1))
    assert {f.symbol for f in later.findings if f.code is FindingCode.STALE} == {"NEW", "OLD"}


def test_flat_price_run(calendar: TradingCalendar, days: list[date]) -> None:
    closes = _ramp(len(days))
    closes[5:17] = 50.0  # 12 equal observations
    report = check_prices(price_frame("AAA", days, closes), calendar, stale_sessions=10)
    flat = [f for f in report.findings if f.code is FindingCode.FLAT_PRICE]
    assert len(flat) == 1
    assert flat[0].date == days[16]
    assert "over 12 observations" in flat[0].message


def test_split_like_jump_names_the_ratio(calendar: TradingCalendar, days: list[date]) -> None:
    closes = np.full(len(days), 400.0)
    closes += np.arange(len(days)) * 0.1  # avoid a flat run
    closes[20:] = closes[20:] / 4.0  # unadjusted 4-for-1 split
    report = check_prices(price_frame("AAA", days, closes), calendar)
    (jump,) = report.findings
    assert (jump.code, jump.date) == (FindingCode.SPLIT_LIKE_JUMP, days[20])
    assert "4-for-1 split" in jump.message
    assert report.rows_rejected == 0  # a warning: the rows are kept


def test_ordinary_large_move_below_threshold_is_not_a_split(
    calendar: TradingCalendar, days: list[date]
) -> None:
    closes = _ramp(len(days))
    closes[20:] *= 0.6  # a 40 % crash: ratio 0.6 > 1 / 1.8
    assert check_prices(price_frame("AAA", days, closes), calendar).ok


def test_short_history(calendar: TradingCalendar, days: list[date]) -> None:
    frame = pd.concat(
        [price_frame("LONG", days, _ramp(len(days))), price_frame("TINY", days[-30:], _ramp(30))]
    )
    report = check_prices(frame, calendar, min_history=40)
    assert [(f.symbol, f.code) for f in report.findings] == [("TINY", FindingCode.SHORT_HISTORY)]
    assert report.findings[0].message == "30 valid observations, fewer than the 40 required"


def test_inconsistent_ohlc(calendar: TradingCalendar, days: list[date]) -> None:
    c = _ramp(3)
    frame = price_frame("AAA", days[:3], c, high=c + 1, low=[c[0] - 1, c[1] + 2, c[2] - 1])
    (finding,) = check_prices(frame, calendar).findings
    assert (finding.code, finding.date) == (FindingCode.OHLC_INCONSISTENT, days[1])


def test_findings_frame_and_split_guard(calendar: TradingCalendar, days: list[date]) -> None:
    closes = _ramp(len(days))
    closes[0] = np.nan
    frame = price_frame("AAA", days, closes)
    report = check_prices(frame, calendar)
    table = report.to_frame()
    assert table.columns.tolist() == ["symbol", "date", "code", "severity", "message"]
    assert table.iloc[0].tolist() == [
        "AAA",
        days[0],
        "NAN_PRICE",
        "error",
        "close, adj_close is missing",
    ]
    with pytest.raises(ValueError, match="very frame"):
        report.split(frame.iloc[1:])


def test_empty_frame(calendar: TradingCalendar) -> None:
    report = check_prices(price_frame("AAA", [], []), calendar, min_history=5)
    assert report.ok
    assert report.rows_checked == 0


def test_many_symbols_are_checked_vectorised(calendar: TradingCalendar) -> None:
    days = calendar.sessions(date(2015, 1, 1), date(2022, 12, 30))
    rng = np.random.default_rng(7)
    n_symbols = 300
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_symbols, len(days))), axis=1))
    symbols = np.repeat([f"S{i:03d}" for i in range(n_symbols)], len(days))
    frame = normalise_price_frame(
        pd.DataFrame({"symbol": symbols, "date": days * n_symbols, "close": closes.ravel()})
    )
    frame.loc[123, "close"] = np.nan
    report = check_prices(frame, calendar)
    assert report.counts() == {"NAN_PRICE": 1}
    assert report.rows_checked == n_symbols * len(days)


def test_open_outside_the_day_s_range(calendar: TradingCalendar, days: list[date]) -> None:
    c = _ramp(3)
    frame = price_frame("AAA", days[:3], c, high=c + 1, low=c - 1, open=[c[0], c[1] + 5, c[2]])
    (finding,) = check_prices(frame, calendar).findings
    assert (finding.code, finding.date) == (FindingCode.OHLC_INCONSISTENT, days[1])
    assert "open" in finding.message
