"""Market data: providers behind one protocol, a fallback chain, an incremental cache,
data-quality checks and the NYSE trading calendar.

Heavy or optional pieces (the online providers and their HTTP client) are imported from
their own modules, e.g. ``from sigmasight.marketdata.fmp import FMPProvider``.
"""

from sigmasight.marketdata.cache import CachedPriceService, CacheReport, FetchRange
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import PriceFetch, ProviderChain, ProviderFailure
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.marketdata.errors import (
    AuthError,
    DataFileError,
    NotSupportedError,
    PartialFetchError,
    ProviderError,
    ProviderTimeoutError,
    ProviderUnavailable,
    RateLimitedError,
)
from sigmasight.marketdata.files import FilesProvider
from sigmasight.marketdata.models import (
    GICS_SECTORS,
    PRICE_COLUMNS,
    SectorWeight,
    SecurityProfile,
)
from sigmasight.marketdata.protocol import MarketDataProvider, PriceStore
from sigmasight.marketdata.quality import (
    Finding,
    FindingCode,
    QualityReport,
    Severity,
    check_prices,
)

__all__ = [
    "GICS_SECTORS",
    "PRICE_COLUMNS",
    "AuthError",
    "CacheReport",
    "CachedPriceService",
    "DataFileError",
    "DemoProvider",
    "FetchRange",
    "FilesProvider",
    "Finding",
    "FindingCode",
    "MarketDataProvider",
    "NotSupportedError",
    "PartialFetchError",
    "PriceFetch",
    "PriceStore",
    "ProviderChain",
    "ProviderError",
    "ProviderFailure",
    "ProviderTimeoutError",
    "ProviderUnavailable",
    "QualityReport",
    "RateLimitedError",
    "SectorWeight",
    "SecurityProfile",
    "Severity",
    "TradingCalendar",
    "check_prices",
]
