"""Read-side analytics use cases: the batch's persisted history for one owner's portfolio.

Every figure for a date comes from what the batch stored for that date (the portfolio
snapshot row, the security-level beta and volatility rows, the closes); nothing here
re-estimates a model. Where a table needs a position's value, the position is marked as
the batch marks it (docs/methodology.md, "Valuation and P&L") from the same stored
inputs, so the values of a day's positions add up to that day's NAV minus cash.

The API, the dashboard and the CLI call these functions, so a number is the same
wherever it is shown. Failures are domain exceptions that entry points translate.
The queries live in :class:`sigmasight.storage.history_repository.HistoryRepository`.
"""

from sigmasight.services.analytics.betas import MarketBetaView, PositionBeta, market_beta
from sigmasight.services.analytics.errors import (
    InvalidRangeError,
    NoSnapshotError,
    PortfolioNotFoundError,
)
from sigmasight.services.analytics.holdings import ConcentrationView, HoldingWeight, concentration
from sigmasight.services.analytics.overview import (
    Counts,
    Exposures,
    Overview,
    portfolio_overview,
)
from sigmasight.services.analytics.risk import PositionRisk, PositionRiskView, position_risk
from sigmasight.services.analytics.sectors import (
    SectorBucket,
    SectorSums,
    SectorView,
    sector_exposure,
)
from sigmasight.services.analytics.series import SnapshotPoint, SnapshotSeries, snapshot_series
from sigmasight.services.analytics.views import (
    BETA_METHOD,
    CONCENTRATION_BASIS,
    DEFAULT_HISTORY_ROWS,
    MAX_SERIES_ROWS,
    PRICE_LOOKBACK_DAYS,
    SECTOR_CONVENTION,
    DirectBeta,
    UowFactory,
    VolatilitySummary,
    WeightedBeta,
)
from sigmasight.services.analytics.volatility_history import (
    VolatilityPoint,
    VolatilityView,
    volatility,
)

__all__ = [
    "BETA_METHOD",
    "CONCENTRATION_BASIS",
    "DEFAULT_HISTORY_ROWS",
    "MAX_SERIES_ROWS",
    "PRICE_LOOKBACK_DAYS",
    "SECTOR_CONVENTION",
    "ConcentrationView",
    "Counts",
    "DirectBeta",
    "Exposures",
    "HoldingWeight",
    "InvalidRangeError",
    "MarketBetaView",
    "NoSnapshotError",
    "Overview",
    "PortfolioNotFoundError",
    "PositionBeta",
    "PositionRisk",
    "PositionRiskView",
    "SectorBucket",
    "SectorSums",
    "SectorView",
    "SnapshotPoint",
    "SnapshotSeries",
    "UowFactory",
    "VolatilityPoint",
    "VolatilitySummary",
    "VolatilityView",
    "WeightedBeta",
    "concentration",
    "market_beta",
    "portfolio_overview",
    "position_risk",
    "sector_exposure",
    "snapshot_series",
    "volatility",
]

from sigmasight.services.analytics.errors import InvalidParameterError
from sigmasight.services.analytics.risk_metrics import (
    DrawdownsView,
    RiskMetricsView,
    VaRBacktestView,
    drawdowns,
    risk_metrics,
    var_backtest,
)

__all__ += [
    "DrawdownsView",
    "InvalidParameterError",
    "RiskMetricsView",
    "VaRBacktestView",
    "drawdowns",
    "risk_metrics",
    "var_backtest",
]
