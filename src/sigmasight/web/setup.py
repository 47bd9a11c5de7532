"""Mount the dashboard on the API app: sessions, static files, pages, HTML errors."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.status import HTTP_303_SEE_OTHER

from sigmasight.charts.base import PLOTLY_JS
from sigmasight.config import Settings
from sigmasight.web.manage import router as manage_router
from sigmasight.web.manage_benchmarks import router as benchmark_router
from sigmasight.web.rebalancing import router as rebalancing_router
from sigmasight.web.routes import LoginRequiredError, router
from sigmasight.web.session import SESSION_SECONDS

STATIC = Path(__file__).with_name("static")


#: Domain separation: the cookie key is a MAC of this label under the JWT secret, so a
#: key for one purpose never equals or reveals the key for the other.
COOKIE_KEY_LABEL = b"sigmasight/web-session-cookie/v1"


def cookie_key(settings: Settings) -> str:
    """The session cookie's signing key: HMAC-SHA256(JWT secret, label), hex."""
    secret = settings.jwt_secret.get_secret_value().encode("utf-8")
    return hmac.new(secret, COOKIE_KEY_LABEL, hashlib.sha256).hexdigest()


def install_web(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        SessionMiddleware,
        secret_key=cookie_key(settings),
        session_cookie="sigmasight_session",
        max_age=SESSION_SECONDS,
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
    app.include_router(benchmark_router)
    app.include_router(rebalancing_router)
