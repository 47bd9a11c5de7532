"""A user's own stress scenarios: list, create, read, replace, delete (owner-scoped)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from sigmasight.domain.stress import Scenario, ScenarioKind
from sigmasight.services.resources.common import (
    ConflictError,
    NotFoundError,
    UowFactory,
    commit_or_conflict,
    detached,
)
from sigmasight.storage.history_stress import UserStressScenario
from sigmasight.storage.uow import UnitOfWork


def _owned(uow: UnitOfWork, owner_id: int, scenario_id: int) -> UserStressScenario:
    found = uow.session.scalar(
        select(UserStressScenario).where(
            UserStressScenario.user_id == owner_id, UserStressScenario.id == scenario_id
        )
    )
    if found is None:
        raise NotFoundError("stress scenario", scenario_id)
    return found


def _taken(name: object) -> ConflictError:
    return ConflictError("SCENARIO_EXISTS", f"You already have a scenario named {name!r}.")


def list_scenarios(uow_factory: UowFactory, owner_id: int) -> list[UserStressScenario]:
    with uow_factory() as uow:
        rows = uow.session.scalars(
            select(UserStressScenario)
            .where(UserStressScenario.user_id == owner_id)
            .order_by(UserStressScenario.name)
        ).all()
        return detached(uow, list(rows))


def get_scenario(uow_factory: UowFactory, owner_id: int, scenario_id: int) -> UserStressScenario:
    with uow_factory() as uow:
        return detached(uow, [_owned(uow, owner_id, scenario_id)])[0]


def find_scenario(uow_factory: UowFactory, owner_id: int, name: str) -> UserStressScenario:
    with uow_factory() as uow:
        found = uow.session.scalar(
            select(UserStressScenario).where(
                UserStressScenario.user_id == owner_id, UserStressScenario.name == name
            )
        )
        if found is None:
            raise NotFoundError("stress scenario", name)
        return detached(uow, [found])[0]


def create_scenario(
    uow_factory: UowFactory, owner_id: int, fields: Mapping[str, Any]
) -> UserStressScenario:
    """A new scenario (``name``, ``shocks``, ``rate_bp``, ``vol_points``, validated by
    the caller's schema); names are unique per user."""
    with uow_factory() as uow:
        row = UserStressScenario(user_id=owner_id, **fields)
        uow.session.add(row)
        commit_or_conflict(uow, _taken(fields.get("name")))
        return detached(uow, [row])[0]


def replace_scenario(
    uow_factory: UowFactory, owner_id: int, scenario_id: int, fields: Mapping[str, Any]
) -> UserStressScenario:
    with uow_factory() as uow:
        row = _owned(uow, owner_id, scenario_id)
        for name, value in fields.items():
            setattr(row, name, value)
        commit_or_conflict(uow, _taken(fields.get("name")))
        return detached(uow, [row])[0]


def delete_scenario(uow_factory: UowFactory, owner_id: int, scenario_id: int) -> None:
    with uow_factory() as uow:
        uow.session.delete(_owned(uow, owner_id, scenario_id))
        uow.commit()


def as_scenario(row: UserStressScenario) -> Scenario:
    """The stored scenario as a hypothetical :class:`Scenario` keyed ``user:<id>``."""
    return Scenario(
        f"user:{row.id}",
        row.name,
        ScenarioKind.HYPOTHETICAL,
        shocks={k: float(v) for k, v in row.shocks.items()},
        rate_bp=row.rate_bp,
        vol_points=row.vol_points,
    )
