"""The factor registry: every factor SigmaSight estimates, with its definition."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from sigmasight.api.deps import get_current_user
from sigmasight.api.schemas_factors import FactorOut
from sigmasight.services.analytics.factors import factor_registry

router = APIRouter(tags=["factors"], dependencies=[Depends(get_current_user)])


@router.get("/factors", response_model=list[FactorOut])
def factors() -> list[FactorOut]:
    """Key, name, kind, proxy or long/short legs and description of every factor."""
    return [FactorOut.model_validate(f) for f in factor_registry()]
