"""History of the correlations family (docs/methodology.md, "Correlations").

- ``asset_correlations``: one row per pair of securities held together in some
  portfolio on the date (each pair once, ``symbol_a < symbol_b``), with the pairwise-
  complete correlation and its observation count for each horizon the batch's price
  panel covers (1m, 3m, 6m, 1y) and the rolling 20- and 60-session windows. The t
  statistic, p-value and Fisher interval depend on the correlation and its count only,
  and are derived on read. The 3y matrix (756 sessions, longer than the panel the
  daily run loads) is computed on demand from the stored closes.
- ``portfolio_correlation_summaries``: one row per portfolio and date.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.storage.models import SYMBOL, Base

#: Stored windows: column suffix -> sessions (the horizons of ``analytics.correlations``
#: the panel covers, then the rolling windows).
PAIR_WINDOWS: dict[str, int] = {"1m": 21, "3m": 63, "6m": 126, "1y": 252, "20d": 20, "60d": 60}


class AssetCorrelation(Base):
    __tablename__ = "asset_correlations"

    symbol_a: Mapped[str] = mapped_column(String(SYMBOL), primary_key=True)
    symbol_b: Mapped[str] = mapped_column(String(SYMBOL), primary_key=True)
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    corr_1m: Mapped[float | None] = mapped_column(Float)
    corr_3m: Mapped[float | None] = mapped_column(Float)
    corr_6m: Mapped[float | None] = mapped_column(Float)
    corr_1y: Mapped[float | None] = mapped_column(Float)
    corr_20d: Mapped[float | None] = mapped_column(Float)
    corr_60d: Mapped[float | None] = mapped_column(Float)
    obs_1m: Mapped[int] = mapped_column(SmallInteger)
    obs_3m: Mapped[int] = mapped_column(SmallInteger)
    obs_6m: Mapped[int] = mapped_column(SmallInteger)
    obs_1y: Mapped[int] = mapped_column(SmallInteger)
    obs_20d: Mapped[int] = mapped_column(SmallInteger)
    obs_60d: Mapped[int] = mapped_column(SmallInteger)


class PortfolioCorrelationSummary(Base):
    __tablename__ = "portfolio_correlation_summaries"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    #: sessions of the window and those where every held security has a return
    window: Mapped[int] = mapped_column(Integer)
    observations: Mapped[int] = mapped_column(Integer)
    #: distinct securities held (private holdings excluded; an option counts as its underlying)
    securities: Mapped[int] = mapped_column(Integer)
    average_correlation: Mapped[float | None] = mapped_column(Float)
    market_correlation: Mapped[float | None] = mapped_column(Float)
    effective_bets: Mapped[float | None] = mapped_column(Float)
    effective_bets_method: Mapped[str] = mapped_column(String(16))
