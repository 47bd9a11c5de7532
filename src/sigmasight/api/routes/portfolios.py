"""Portfolios: list, create, read, change, soft delete, and create one from a CSV file."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response, UploadFile, status

from sigmasight.api.deps import CurrentUser, SettingsDep, UowFactoryDep, utcnow
from sigmasight.api.schemas_resources import (
    IdPath,
    PortfolioCreate,
    PortfolioName,
    PortfolioPublic,
    PortfolioUpdate,
    error_responses,
    service_errors,
)
from sigmasight.domain.enums import AccountType
from sigmasight.services.portfolio_import import DEFAULT_MAX_BYTES
from sigmasight.services.portfolios import PortfolioSpec
from sigmasight.services.resources import portfolios as service
from sigmasight.services.resources.portfolios import PortfolioView
from sigmasight.services.scheduling import schedule_portfolio

router = APIRouter(
    prefix="/portfolios",
    tags=["portfolios"],
    dependencies=[Depends(service_errors)],
    responses=error_responses(404, 409, 422),
)


def read_upload(file: UploadFile) -> bytes:
    """The upload's bytes, one past the import's size limit at most (the parser then
    reports FILE_TOO_LARGE without the whole body being held in memory)."""
    return file.file.read(DEFAULT_MAX_BYTES + 1)


@router.get("", response_model=list[PortfolioPublic])
def list_portfolios(user: CurrentUser, uow_factory: UowFactoryDep) -> list[PortfolioView]:
    """Your live portfolios, by id."""
    return service.list_portfolios(uow_factory, user.id)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PortfolioPublic)
def create_portfolio(
    body: PortfolioCreate, user: CurrentUser, uow_factory: UowFactoryDep
) -> PortfolioView:
    """A new empty portfolio (409 PORTFOLIO_EXISTS if you have one of that name)."""
    return service.create_portfolio(uow_factory, user.id, PortfolioSpec(**body.values()))


@router.post("/import", status_code=status.HTTP_201_CREATED, response_model=PortfolioPublic)
def import_portfolio(
    file: UploadFile,
    name: Annotated[PortfolioName, Form()],
    equity_balance: Annotated[
        Decimal,
        Form(
            gt=0,
            max_digits=18,
            decimal_places=2,
            description="Starting equity: the book's NAV at inception (required, above 0).",
        ),
    ],
    user: CurrentUser,
    uow_factory: UowFactoryDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    account_type: Annotated[AccountType, Form()] = AccountType.TAXABLE,
) -> PortfolioView:
    """A new portfolio from a CSV file (see ``sigmasight portfolio template``), all rows
    or none: any bad row gives 422 IMPORT_ERRORS listing every {row, column, code,
    message}, and nothing is written. Its history is then queued for computation (from
    its first entry date, at most 366 days): the run is in the ``Link`` header
    (``rel="computation"``), or ``X-Computation-Not-Queued`` says why there is none."""
    spec = PortfolioSpec(name, account_type, equity_balance)
    created = service.import_new_portfolio(
        uow_factory, user.id, spec, read_upload(file), today=utcnow().date()
    )
    secret = settings.jwt_secret.get_secret_value()
    queued = schedule_portfolio(uow_factory, secret, user.id, created.id, now=utcnow())
    if queued.run_id is not None:
        url = request.url_for("get_run", run_id=queued.run_id).path
        response.headers["Link"] = f'<{url}>; rel="computation"'
    else:
        response.headers["X-Computation-Not-Queued"] = str(queued.reason)
    return created


@router.get("/{portfolio_id}", response_model=PortfolioPublic)
def get_portfolio(
    portfolio_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> PortfolioView:
    return service.get_portfolio(uow_factory, user.id, portfolio_id)


@router.patch("/{portfolio_id}", response_model=PortfolioPublic)
def update_portfolio(
    portfolio_id: IdPath, body: PortfolioUpdate, user: CurrentUser, uow_factory: UowFactoryDep
) -> PortfolioView:
    """Change the fields sent; a new name must be free (409 PORTFOLIO_EXISTS)."""
    return service.update_portfolio(uow_factory, user.id, portfolio_id, body.changes())


@router.delete("/{portfolio_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_portfolio(
    portfolio_id: IdPath, user: CurrentUser, uow_factory: UowFactoryDep
) -> Response:
    """Soft delete: the portfolio disappears from the API and its name becomes free."""
    service.delete_portfolio(uow_factory, user.id, portfolio_id, now=utcnow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
