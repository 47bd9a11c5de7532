"""Mount the dashboard on the API app: sessions, static files, pages, HTML errors."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.status import HTTP_303_SEE_OTHER

from sigmasight.config import Settings
from sigmasight.web.manage import router as manage_router
from sigmasight.web.routes import LoginRequiredError, router

STATIC = Path(__file__).with_name("static")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def install_web(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.jwt_secret.get_secret_value() + "|web-session",
        session_cookie="sigmasight_session",
        max_age=8 * 3600,
        same_site="lax",
        https_only=settings.environment in ("staging", "production"),
    )

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        # Served from the installed plotly package: no CDN, works offline.
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=STATIC), name="web_static")

    @app.exception_handler(LoginRequiredError)
    async def to_login(_: Request, __: LoginRequiredError) -> Response:
        return RedirectResponse("/login", HTTP_303_SEE_OTHER)

    app.include_router(router)
    app.include_router(manage_router)
