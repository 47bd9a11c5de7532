"""Data-quality checks on daily price frames.

Row errors (a NaN or non-positive price, conflicting duplicates, a negative volume)
reject the row: it is never stored. Series warnings (gaps, stale or flat series, short
history, split-like jumps, rows on non-sessions, inconsistent OHLC) are reported and the
rows are kept. Every finding has a stable code (:class:`FindingCode`) that the CLI and
the API show as is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pandas as pd

from sigmasight.marketdata.calendar import DateArray, TradingCalendar, to_day_array
from sigmasight.marketdata.models import PRICE_COLUMNS

_PRICE_FIELDS = ("open", "high", "low", "close", "adj_close")
_VALUE_FIELDS = (*_PRICE_FIELDS, "volume")
#: Split ratios a jump is compared with (n-for-1 and 1-for-n).
_SPLIT_RATIOS = (1.5, 2.0, 3.0, 4.0, 5.0, 8.0, 10.0, 20.0)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class FindingCode(StrEnum):
    """Stable codes of data-quality findings (never renamed once released)."""

    NAN_PRICE = "NAN_PRICE"
    NON_POSITIVE_PRICE = "NON_POSITIVE_PRICE"
    NEGATIVE_VOLUME = "NEGATIVE_VOLUME"
    DUPLICATE_DATE = "DUPLICATE_DATE"
    DUPLICATE_ROW = "DUPLICATE_ROW"
    NOT_A_SESSION = "NOT_A_SESSION"
    OHLC_INCONSISTENT = "OHLC_INCONSISTENT"
    GAP = "GAP"
    STALE = "STALE"
    FLAT_PRICE = "FLAT_PRICE"
    SHORT_HISTORY = "SHORT_HISTORY"
    SPLIT_LIKE_JUMP = "SPLIT_LIKE_JUMP"


#: Codes whose rows are rejected (DUPLICATE_ROW rejects the extra copies only).
REJECTING_CODES = frozenset(
    {
        FindingCode.NAN_PRICE,
        FindingCode.NON_POSITIVE_PRICE,
        FindingCode.NEGATIVE_VOLUME,
        FindingCode.DUPLICATE_DATE,
        FindingCode.DUPLICATE_ROW,
    }
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One data-quality problem. ``date`` is None for a finding about a whole series."""

    symbol: str
    date: date | None
    code: FindingCode
    severity: Severity
    message: str


@dataclass(frozen=True)
class QualityReport:
    """Findings of :func:`check_prices` and which rows of the checked frame are rejected.

    ``rejected`` is a boolean mask aligned with the rows of the checked frame (by
    position); ``reasons`` gives the codes that rejected each of those rows.
    """

    findings: tuple[Finding, ...]
    rows_checked: int
    rejected: npt.NDArray[np.bool_] = field(repr=False, compare=False)
    reasons: npt.NDArray[np.object_] = field(repr=False, compare=False)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        """True when nothing was found at all."""
        return not self.findings

    @property
    def rows_rejected(self) -> int:
        return int(self.rejected.sum())

    def counts(self) -> Counter[str]:
        """Number of findings per code."""
        return Counter(f.code.value for f in self.findings)

    def to_frame(self) -> pd.DataFrame:
        """Findings as a frame with columns symbol, date, code, severity, message."""
        return pd.DataFrame(
            [(f.symbol, f.date, f.code.value, f.severity.value, f.message) for f in self],
            columns=["symbol", "date", "code", "severity", "message"],
        )

    def split(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Split the checked frame into (accepted rows, rejected rows with a ``reason``)."""
        if len(frame) != self.rejected.size:
            raise ValueError("split() needs the very frame that was checked")
        accepted = frame.loc[~self.rejected].reset_index(drop=True)
        rejected = frame.loc[self.rejected].reset_index(drop=True)
        rejected["reason"] = pd.Series(self.reasons[self.rejected], dtype=str)
        return accepted, rejected


def check_prices(
    frame: pd.DataFrame,
    calendar: TradingCalendar,
    *,
    as_of: date | None = None,
    max_gap_sessions: int = 5,
    stale_sessions: int = 10,
    min_history: int | None = None,
    split_threshold: float = 1.8,
) -> QualityReport:
    """Check a long price frame and report findings.

    Parameters
    ----------
    frame : pandas.DataFrame
        Price frame (see :mod:`sigmasight.marketdata.models`), n rows, any order.
    calendar : TradingCalendar
        Sessions that gaps and staleness are counted in.
    as_of : datetime.date, optional
        Reference date for staleness; defaults to the latest date in the frame.
    max_gap_sessions : int
        A GAP is more than this many sessions missing between two observations.
    stale_sessions : int
        STALE: the last observation is more than this many sessions before ``as_of``.
        FLAT_PRICE: the price is unchanged over at least this many observations.
    min_history : int, optional
        SHORT_HISTORY when a symbol has fewer valid rows; not checked when None.
    split_threshold : float
        SPLIT_LIKE_JUMP when the day-over-day ratio of adjusted closes
        :math:`r_t = P_t / P_{t-1}` satisfies :math:`r_t \\ge k` or :math:`r_t \\le 1/k`.

    Returns
    -------
    QualityReport
    """
    data = frame.reset_index(drop=True)
    missing = [c for c in PRICE_COLUMNS if c not in data.columns and c != "source"]
    if missing:
        raise ValueError(f"price frame lacks columns {missing}")
    findings: list[Finding] = []
    reasons = np.full(len(data), "", dtype=object)
    days = to_day_array(data["date"]) if len(data) else np.array([], dtype="datetime64[D]")
    findings += _row_errors(data, reasons)
    findings += _duplicates(data, reasons)
    valid = data.loc[reasons == ""].assign(_day=days[reasons == ""])
    valid = valid.sort_values(["symbol", "_day"], kind="stable")
    findings += _not_sessions(valid, calendar)
    findings += _ohlc(valid)
    findings += _gaps(valid, calendar, max_gap_sessions)
    findings += _jumps(valid, split_threshold)
    findings += _flat(valid, stale_sessions)
    findings += _stale(valid, calendar, as_of, stale_sessions)
    if min_history is not None:
        findings += _short(data, valid, min_history)
    findings.sort(key=lambda f: (f.symbol, f.date or date.min, f.code.value))
    return QualityReport(
        findings=tuple(findings),
        rows_checked=len(data),
        rejected=np.asarray(reasons != "", dtype=bool),
        reasons=reasons,
    )


def _days(frame: pd.DataFrame) -> DateArray:
    return np.asarray(frame["_day"].to_numpy()).astype("datetime64[D]")


def _emit(
    rows: pd.DataFrame, code: FindingCode, severity: Severity, messages: list[str]
) -> list[Finding]:
    return [
        Finding(str(s), d, code, severity, m)
        for s, d, m in zip(rows["symbol"], rows["date"], messages, strict=True)
    ]


def _mark(reasons: npt.NDArray[np.object_], mask: npt.NDArray[np.bool_], code: str) -> None:
    reasons[mask] = np.where(reasons[mask] == "", code, reasons[mask] + "," + code)


def _row_errors(data: pd.DataFrame, reasons: npt.NDArray[np.object_]) -> list[Finding]:
    out: list[Finding] = []
    nan = data[["close", "adj_close"]].isna()
    nan_mask = nan.any(axis=1).to_numpy()
    bad = data.loc[nan_mask]
    cols = [", ".join(c for c in nan.columns if row[c]) for _, row in nan.loc[nan_mask].iterrows()]
    out += _emit(bad, FindingCode.NAN_PRICE, Severity.ERROR, [f"{c} is missing" for c in cols])
    _mark(reasons, nan_mask, FindingCode.NAN_PRICE)

    prices = data[list(_PRICE_FIELDS)]
    nonpos = prices.le(0) & prices.notna()
    np_mask = nonpos.any(axis=1).to_numpy()
    rows = data.loc[np_mask]
    msgs = [
        "; ".join(f"{c} = {row[c]:g}" for c in _PRICE_FIELDS if flags[c]) + " (prices must be > 0)"
        for (_, row), (_, flags) in zip(
            rows.iterrows(), nonpos.loc[np_mask].iterrows(), strict=True
        )
    ]
    out += _emit(rows, FindingCode.NON_POSITIVE_PRICE, Severity.ERROR, msgs)
    _mark(reasons, np_mask, FindingCode.NON_POSITIVE_PRICE)

    vol_mask = (data["volume"] < 0).to_numpy()
    rows = data.loc[vol_mask]
    out += _emit(
        rows,
        FindingCode.NEGATIVE_VOLUME,
        Severity.ERROR,
        [f"volume = {v:g} (must be >= 0)" for v in rows["volume"]],
    )
    _mark(reasons, vol_mask, FindingCode.NEGATIVE_VOLUME)
    return out


def _duplicates(data: pd.DataFrame, reasons: npt.NDArray[np.object_]) -> list[Finding]:
    keys = ["symbol", "date"]
    dup_key = data.duplicated(keys, keep=False).to_numpy()
    if not dup_key.any():
        return []
    dups = data.loc[dup_key]
    distinct = dups.drop_duplicates([*keys, *_VALUE_FIELDS]).groupby(keys).size()
    conflicting = distinct[distinct > 1].index
    in_conflict = pd.MultiIndex.from_frame(data[keys]).isin(conflicting) & dup_key
    extra_copy = data.duplicated([*keys, *_VALUE_FIELDS], keep="first").to_numpy() & ~in_conflict
    out: list[Finding] = []
    heads = data.loc[in_conflict].drop_duplicates(keys)
    counts = data.loc[in_conflict].groupby(keys).size()
    msgs = [
        f"{counts[(s, d)]} rows with different values"
        for s, d in zip(heads["symbol"], heads["date"], strict=True)
    ]
    out += _emit(heads, FindingCode.DUPLICATE_DATE, Severity.ERROR, msgs)
    _mark(reasons, in_conflict, FindingCode.DUPLICATE_DATE)
    extra = data.loc[extra_copy]
    out += _emit(
        extra, FindingCode.DUPLICATE_ROW, Severity.WARNING, ["identical copy dropped"] * len(extra)
    )
    _mark(reasons, extra_copy, FindingCode.DUPLICATE_ROW)
    return out


def _not_sessions(valid: pd.DataFrame, calendar: TradingCalendar) -> list[Finding]:
    mask = ~calendar.contains_sessions(_days(valid))
    rows = valid.loc[mask]
    return _emit(
        rows,
        FindingCode.NOT_A_SESSION,
        Severity.WARNING,
        ["not an NYSE session"] * len(rows),
    )


def _ohlc(valid: pd.DataFrame) -> list[Finding]:
    high, low, close, opened = valid["high"], valid["low"], valid["close"], valid["open"]
    bad = (high < low) | (close > high) | (close < low) | (opened > high) | (opened < low)
    rows = valid.loc[bad.to_numpy()]
    msgs = [
        f"low {lo:g}, high {hi:g}, open {o:g}, close {c:g} are inconsistent"
        for lo, hi, o, c in zip(rows["low"], rows["high"], rows["open"], rows["close"], strict=True)
    ]
    return _emit(rows, FindingCode.OHLC_INCONSISTENT, Severity.WARNING, msgs)


def _previous_in_symbol(valid: pd.DataFrame, column: str) -> pd.Series:
    return valid.groupby("symbol", sort=False)[column].shift(1)


def _gaps(valid: pd.DataFrame, calendar: TradingCalendar, max_gap: int) -> list[Finding]:
    pos = pd.Series(calendar.session_positions(_days(valid)), index=valid.index)
    prev_pos = pos.groupby(valid["symbol"], sort=False).shift(1)
    skipped = pos - prev_pos - 1
    mask = (skipped > max_gap).to_numpy()
    rows = valid.loc[mask]
    prev_dates = _previous_in_symbol(valid, "date").loc[mask]
    msgs = [
        f"{int(n)} sessions missing after {p} (more than {max_gap})"
        for n, p in zip(skipped.loc[mask], prev_dates, strict=True)
    ]
    return _emit(rows, FindingCode.GAP, Severity.WARNING, msgs)


def _reference_price(valid: pd.DataFrame) -> pd.Series:
    return valid["adj_close"].fillna(valid["close"])


def _jumps(valid: pd.DataFrame, threshold: float) -> list[Finding]:
    price = _reference_price(valid)
    ratio = price / price.groupby(valid["symbol"], sort=False).shift(1)
    mask = ((ratio >= threshold) | (ratio <= 1.0 / threshold)).to_numpy()
    rows = valid.loc[mask]
    msgs = [_jump_message(float(r)) for r in ratio.loc[mask]]
    return _emit(rows, FindingCode.SPLIT_LIKE_JUMP, Severity.WARNING, msgs)


def _jump_message(ratio: float) -> str:
    """Describe a jump, naming the split ratio it is within 3 % of, if any."""
    message = f"price ratio {ratio:.4f} to the previous observation"
    for n in _SPLIT_RATIOS:
        if abs(ratio * n - 1.0) <= 0.03:
            return message + f" (looks like a {n:g}-for-1 split not adjusted)"
        if abs(ratio / n - 1.0) <= 0.03:
            return message + f" (looks like a 1-for-{n:g} reverse split not adjusted)"
    return message


def _flat(valid: pd.DataFrame, stale_sessions: int) -> list[Finding]:
    price = _reference_price(valid)
    changed = (price != price.groupby(valid["symbol"], sort=False).shift(1)) | ~valid["symbol"].eq(
        valid["symbol"].shift(1)
    )
    run = changed.cumsum()
    runs = (
        valid.assign(_run=run.to_numpy())
        .groupby("_run", sort=False)
        .agg(
            symbol=("symbol", "first"),
            first=("date", "first"),
            date=("date", "last"),
            n=("date", "size"),
        )
    )
    long_runs = runs.loc[runs["n"] >= stale_sessions]
    msgs = [
        f"price unchanged over {n} observations from {d0} to {d1}"
        for n, d0, d1 in zip(long_runs["n"], long_runs["first"], long_runs["date"], strict=True)
    ]
    return _emit(long_runs, FindingCode.FLAT_PRICE, Severity.WARNING, msgs)


def _stale(
    valid: pd.DataFrame, calendar: TradingCalendar, as_of: date | None, stale_sessions: int
) -> list[Finding]:
    if valid.empty:
        return []
    last = valid.groupby("symbol", sort=True).agg(date=("date", "last"), _day=("_day", "last"))
    reference = np.datetime64(as_of, "D") if as_of is not None else _days(valid).max()
    sessions = calendar.session_array
    ref_pos = int(np.searchsorted(sessions, reference, side="right")) - 1
    last_pos = np.searchsorted(sessions, _days(last), side="right") - 1
    lag = ref_pos - last_pos
    stale = last.loc[lag > stale_sessions].assign(symbol=lambda x: x.index)
    ref_text = str(as_of) if as_of is not None else "the latest date in the data"
    msgs = [
        f"last price on {d}, {n} sessions before {ref_text}"
        for d, n in zip(stale["date"], lag[lag > stale_sessions], strict=True)
    ]
    return [
        Finding(f.symbol, None, f.code, f.severity, f.message)
        for f in _emit(stale, FindingCode.STALE, Severity.WARNING, msgs)
    ]


def _short(data: pd.DataFrame, valid: pd.DataFrame, min_history: int) -> list[Finding]:
    counts = valid.groupby("symbol").size().reindex(data["symbol"].unique(), fill_value=0)
    short = counts[counts < min_history]
    return [
        Finding(
            str(s),
            None,
            FindingCode.SHORT_HISTORY,
            Severity.WARNING,
            f"{n} valid observations, fewer than the {min_history} required",
        )
        for s, n in short.items()
    ]
