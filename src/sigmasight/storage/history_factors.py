"""Factor-exposure history: security loadings once per symbol/date/method/window and
one portfolio row per portfolio and date (docs/methodology.md, "Factor exposures").

Position rows are derived on reading (a held position's security row times its
delta-adjusted exposure), as for beta. Factor keys in the JSON columns are the keys of
:data:`sigmasight.domain.factors.FACTORS`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.storage.models import SYMBOL, Base


class SecurityFactorExposure(Base):
    __tablename__ = "security_factor_exposures"

    symbol: Mapped[str] = mapped_column(String(SYMBOL), primary_key=True)
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    method: Mapped[str] = mapped_column(String(16), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: factor key -> {loading, std_error, t_stat, p_value, vif}; active factors only
    factors: Mapped[dict[str, Any]] = mapped_column(JSON)
    intercept: Mapped[float | None] = mapped_column(Float)
    r_squared: Mapped[float | None] = mapped_column(Float)
    adj_r_squared: Mapped[float | None] = mapped_column(Float)
    residual_vol: Mapped[float | None] = mapped_column(Float)
    condition_number: Mapped[float | None] = mapped_column(Float)
    observations: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(24))
    #: diagnostics over their thresholds, e.g. ["vif:quality", "condition_number"]
    flags: Mapped[list[str]] = mapped_column(JSON)


class PortfolioFactorExposure(Base):
    __tablename__ = "portfolio_factor_exposures"

    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    calc_date: Mapped[date] = mapped_column(Date, primary_key=True)
    window: Mapped[int] = mapped_column(Integer)
    nav: Mapped[float | None] = mapped_column(Float)
    #: factor key -> why the factor is not estimated on this date
    absent: Mapped[dict[str, str]] = mapped_column(JSON)
    #: each estimator's portfolio figures (batch/factors.py, ``portfolio_method_rows``);
    #: read the per-factor ones with :func:`factor_figures`
    ols: Mapped[dict[str, Any]] = mapped_column(JSON)
    ridge: Mapped[dict[str, Any]] = mapped_column(JSON)


#: Per-factor figures of an estimator, stored as columns under ``factors`` (one list
#: per figure, entry k for ``factors["keys"][k]``).
PER_FACTOR = (
    "weighted",
    "weighted_se",
    "direct",
    "direct_se",
    "direct_t",
    "direct_p",
    "difference",
    "exposure",
    "risk_contribution",
    "risk_share",
)


def factor_figures(stored: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """An estimator's stored per-factor figures as ``{factor_key: {figure: value}}``
    (rows store them as columns; rows written before that are already this mapping)."""
    factors: dict[str, Any] = stored["factors"]
    if "keys" not in factors:
        return factors
    names = [n for n in factors if n != "keys"]
    return {key: {n: factors[n][k] for n in names} for k, key in enumerate(factors["keys"])}
