"""Errors raised by market-data providers.

Every provider failure is a :class:`ProviderError`, so a :class:`~.chain.ProviderChain`
can record it and move on to the next provider instead of crashing a batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class ProviderError(Exception):
    """A provider could not answer (bad response, no data, server error)."""


class ProviderUnavailable(ProviderError):  # noqa: N818 -- name fixed by the issue
    """The provider cannot be used at all: optional package missing, no API key, unreachable."""


class AuthError(ProviderError):
    """The provider refused the credentials (HTTP 401/403)."""


class ProviderTimeoutError(ProviderError):
    """The provider did not answer in time, after all retries."""


class RateLimitedError(ProviderError):
    """The provider kept answering HTTP 429 after all retries."""

    def __init__(self, message: str, retry_after: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotSupportedError(ProviderError):
    """The provider does not offer this kind of data (e.g. benchmark sector weights)."""


class PartialFetchError(ProviderError):
    """Some symbols failed while others succeeded.

    Parameters
    ----------
    frame : pandas.DataFrame
        Prices of the symbols that succeeded (long format).
    failed : dict[str, str]
        Reason for each symbol that failed.
    """

    def __init__(self, frame: pd.DataFrame, failed: dict[str, str]) -> None:
        first = min(failed) if failed else ""
        super().__init__(
            f"{len(failed)} symbol(s) failed: {', '.join(sorted(failed))}"
            + (f" (first: {first}: {failed[first]})" if failed else "")
        )
        self.frame = frame
        self.failed = failed


class DataFileError(ProviderError):
    """A user's price or securities file is malformed.

    The message names the file and, where known, the row (1-based, header is row 1)
    and the column.
    """

    def __init__(
        self, path: str, message: str, *, row: int | None = None, column: str | None = None
    ) -> None:
        where = path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.row = row
        self.column = column
