"""Your own stress scenarios: list, create, read, replace, delete. Run one on a portfolio
with ``POST /analytics/portfolio/{id}/stress-tests/run`` (same body)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from sigmasight.api.deps import CurrentUser, UowFactoryDep
from sigmasight.api.schemas_resources import IdPath, error_responses, service_errors
from sigmasight.api.schemas_stress import StressScenarioIn, StressScenarioPublic
from sigmasight.services.resources import stress_scenarios as service
from sigmasight.storage.history_stress import UserStressScenario

router = APIRouter(
    prefix="/stress-scenarios",
    tags=["stress scenarios"],
    dependencies=[Depends(service_errors)],
    responses=error_responses(404, 409, 422),
)


@router.get("", response_model=list[StressScenarioPublic])
def list_scenarios(user: CurrentUser, uow_factory: UowFactoryDep) -> list[UserStressScenario]:
    """Your scenarios, by name."""
    return service.list_scenarios(uow_factory, user.id)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=StressScenarioPublic)
def create_scenario(
    body: StressScenarioIn, user: CurrentUser, uow_factory: UowFactoryDep
) -> UserStressScenario:
    """A new scenario (409 SCENARIO_EXISTS if you have one of that name)."""
    return service.create_scenario(uow_factory, user.id, body.model_dump())


@router.get("/{scenario_id}", response_model=StressScenarioPublic)
def get_scenario(
    scenario_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> UserStressScenario:
    return service.get_scenario(uow_factory, user.id, scenario_id)


@router.put("/{scenario_id}", response_model=StressScenarioPublic)
def replace_scenario(
    scenario_id: IdPath, body: StressScenarioIn, user: CurrentUser, uow_factory: UowFactoryDep
) -> UserStressScenario:
    """Replace a scenario's name and shocks."""
    return service.replace_scenario(uow_factory, user.id, scenario_id, body.model_dump())


@router.delete("/{scenario_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_scenario(scenario_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep) -> Response:
    service.delete_scenario(uow_factory, user.id, scenario_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
