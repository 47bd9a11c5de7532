"""The FastAPI application factory and ``sigmasight serve``."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import text

from sigmasight import __version__
from sigmasight.api.answers import AnswerCache
from sigmasight.api.errors import install_error_handlers, log
from sigmasight.api.http_headers import ResponseHeaders
from sigmasight.api.login import LoginGuard
from sigmasight.api.readers import ReaderChecks
from sigmasight.api.routes import (
    analytics,
    asset_metrics,
    auth,
    batch_runs,
    equity_changes,
    factors,
    limits,
    performance,
    portfolios,
    positions,
    rebalancing,
    securities,
    stress_scenarios,
    tags,
    targets,
)
from sigmasight.config import Settings
from sigmasight.storage.db import make_engine, make_reader_engine, make_session_factory
from sigmasight.storage.uow import UnitOfWork
from sigmasight.web.setup import install_web

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. Settings are validated first: outside development the default
    JWT secret is refused, so the app never starts with it."""
    settings = settings or Settings()
    engine = make_engine(settings.resolved_database_url)
    reader_engine = make_reader_engine(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # What start-up allocated (modules, the app) lives as long as the process: frozen,
        # a full collection walks only what requests allocate, not every module's objects.
        gc.collect()
        gc.freeze()
        yield
        engine.dispose()
        reader_engine.dispose()

    # Swagger UI (/docs) and ReDoc (/redoc) from files of the installed fastapi-offline
    # package, not a CDN: the docs work offline.
    app = FastAPIOffline(
        title="SigmaSight API",
        version=__version__,
        description="Point-in-time portfolio risk analytics. Errors are JSON "
        "`{code, message, details}` with stable codes.",
        lifespan=lifespan,
    )
    session_factory = make_session_factory(engine)
    app.state.settings = settings
    app.state.engine = engine
    app.state.reader_engine = reader_engine
    app.state.uow_factory = lambda: UnitOfWork(session_factory)
    app.state.login_guard = LoginGuard(engine, settings)
    app.state.answers = AnswerCache()
    app.state.reader_checks = ReaderChecks(reader_engine)
    install_error_handlers(app)
    _health(app)
    for module in (
        analytics,  # first: the hot path, matched before every other route
        performance,
        auth,
        portfolios,
        positions,
        tags,
        equity_changes,
        securities,
        batch_runs,
        factors,
        asset_metrics,
        stress_scenarios,
        targets,
        rebalancing,
        limits,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    install_web(app, settings)
    app.add_middleware(ResponseHeaders, public_url=settings.public_url)
    return app


def _health(app: FastAPI) -> None:
    @app.get("/health/live", tags=["health"], summary="The process is up")
    def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready", tags=["health"], summary="The database answers")
    def ready() -> JSONResponse:
        # The answer says ready or not and nothing else: a driver's message names hosts,
        # ports, users and database names, which a public probe must not learn. The
        # reason goes to the server's log.
        try:
            with app.state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("not ready: the database does not answer", error=repr(exc))
            body = {"code": "NOT_READY", "message": "not ready", "details": None}
            return JSONResponse(body, 503)
        return JSONResponse({"status": "ok"})
