"""Unit of work: one transaction, committed only when told, rolled back otherwise."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from sigmasight.storage.models import DataRevision
from sigmasight.storage.repositories import (
    EquityChangeRepository,
    PortfolioRepository,
    PositionRepository,
    PriceRepository,
    SecurityRepository,
    TagRepository,
    UserRepository,
)

_ADVANCE_REVISION = (
    update(DataRevision).where(DataRevision.id == 1).values(value=DataRevision.value + 1)
)


class UnitOfWork:
    """Use as a context manager; leaving it without :meth:`commit` rolls everything back.

    Only the unit of work commits: repositories flush but never commit, so a service that
    raises half-way leaves nothing behind.
    """

    session: Session

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.users = UserRepository(self.session)
        self.portfolios = PortfolioRepository(self.session)
        self.positions = PositionRepository(self.session)
        self.tags = TagRepository(self.session)
        self.equity_changes = EquityChangeRepository(self.session)
        self.securities = SecurityRepository(self.session)
        self.prices = PriceRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        """Commit, advancing the data revision in the same transaction (see
        :class:`DataRevision`): a reader that saw the old revision cached what it read
        before this commit, and will not serve it again."""
        self.session.execute(_ADVANCE_REVISION)
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
