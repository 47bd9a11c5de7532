"""The raw inputs of a batch, read back from storage as plain pandas objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sigmasight.storage.history import BenchmarkSectorWeight
from sigmasight.storage.models import DailyPrice, EquityChange, Portfolio, Position, Security

MARKET = "^GSPC"


@dataclass(frozen=True)
class Raw:
    closes: pd.DataFrame  # session x symbol: adjusted close where stored, else close
    positions: pd.DataFrame  # one row per lot (not deleted)
    equity: dict[int, float]  # portfolio id -> starting equity
    flows: pd.DataFrame  # portfolio_id, day, amount (contributions +, withdrawals -)
    sectors: dict[str, str | None]
    etfs: set[str]
    benchmark_dates: list[date]  # dates of the stored S&P 500 sector weights, ascending

    @property
    def returns(self) -> pd.DataFrame:
        """Simple returns, row D the return into session D (NaN where a close is missing)."""
        return self.closes.pct_change(fill_method=None)

    def sessions(self) -> list[date]:
        return list(self.closes.index)


def _num(value: object) -> float:
    return float("nan") if value is None else float(value)  # type: ignore[arg-type]


def read_raw(engine: Engine) -> Raw:
    with Session(engine) as session:
        prices = session.execute(
            select(
                DailyPrice.symbol,
                DailyPrice.date,
                func.coalesce(DailyPrice.adj_close, DailyPrice.close),
            )
        ).all()
        lots = session.scalars(select(Position).where(Position.deleted_at.is_(None))).all()
        positions = pd.DataFrame(
            [
                {
                    "id": p.id,
                    "portfolio_id": p.portfolio_id,
                    "symbol": p.symbol,
                    "position_type": p.position_type.value,
                    "investment_class": p.investment_class.value,
                    "quantity": _num(p.quantity),
                    "entry_price": _num(p.entry_price),
                    "entry_date": p.entry_date,
                    "exit_price": _num(p.exit_price),
                    "exit_date": p.exit_date,
                    "underlying": p.underlying_symbol,
                    "strike": _num(p.strike),
                    "expiry": p.expiry,
                }
                for p in lots
            ]
        )
        equity = {
            p.id: float(p.equity_balance)
            for p in session.scalars(select(Portfolio).where(Portfolio.deleted_at.is_(None)))
        }
        flows = pd.DataFrame(
            [
                {
                    "portfolio_id": c.portfolio_id,
                    "day": c.change_date,
                    "amount": float(c.amount)
                    * (1 if c.change_type.value == "CONTRIBUTION" else -1),
                }
                for c in session.scalars(select(EquityChange))
            ],
            columns=["portfolio_id", "day", "amount"],
        )
        securities = session.scalars(select(Security)).all()
        benchmark_dates = sorted(
            set(
                session.scalars(
                    select(BenchmarkSectorWeight.as_of).where(
                        BenchmarkSectorWeight.benchmark == MARKET
                    )
                )
            )
        )
    frame = pd.DataFrame(prices, columns=["symbol", "date", "close"])
    closes = frame.pivot(index="date", columns="symbol", values="close").sort_index()
    return Raw(
        closes=closes,
        positions=positions,
        equity=equity,
        flows=flows,
        sectors={s.symbol: s.sector for s in securities},
        etfs={s.symbol for s in securities if s.is_etf},
        benchmark_dates=benchmark_dates,
    )
