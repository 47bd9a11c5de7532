"""Domain failures of the analytics read services; entry points translate them."""

from __future__ import annotations

from datetime import date


class PortfolioNotFoundError(LookupError):
    """The owner has no live portfolio with this id (another user's counts as none)."""

    def __init__(self, portfolio_id: int) -> None:
        super().__init__(f"portfolio {portfolio_id} not found")
        self.portfolio_id = portfolio_id


class NoSnapshotError(LookupError):
    """The batch has not written a snapshot of the portfolio for the date asked."""

    def __init__(self, portfolio_id: int, as_of: date | None, latest: date | None) -> None:
        what = as_of.isoformat() if as_of else f"portfolio {portfolio_id}"
        super().__init__(f"no snapshot for {what}; run the batch")
        self.portfolio_id, self.as_of, self.latest_available = portfolio_id, as_of, latest


class InvalidRangeError(ValueError):
    """A date range whose start is after its end."""


class InvalidParameterError(ValueError):
    """A query parameter outside the values a view knows (a VaR method, a level)."""
