"""Errors as JSON ``{code, message, details}`` with stable codes; never a bare 500."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger("sigmasight.api")

#: Codes for plain HTTP errors raised by the framework (unknown route, wrong method...).
HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "TOO_MANY_REQUESTS",
}


class ApiError(Exception):
    """An error the API reports on purpose, with a stable ``code``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def not_found(what: str, identifier: object) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} {identifier} not found")


NUL_MESSAGE = "Text may not contain NUL characters (U+0000)."


def is_nul_text_error(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL's driver refusing a NUL character in a text value."""
    return "NUL (0x00)" in str(getattr(exc, "orig", None) or exc)


def _body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            _body(exc.code, exc.message, exc.details), exc.status, headers=exc.headers
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
        return JSONResponse(
            _body(code, str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"location": list(e.get("loc", ())), "message": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse(_body("VALIDATION_ERROR", "The request is not valid.", details), 422)

    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        # The database is down or unreachable: the client may retry, nothing is lost.
        log.error("api.database_unavailable", path=request.url.path, error=str(exc.orig))
        body = _body("DATABASE_UNAVAILABLE", "The database is unavailable; retry shortly.")
        return JSONResponse(body, 503, headers={"Retry-After": "5"})

    @app.exception_handler(StatementError)
    async def statement_error(request: Request, exc: StatementError) -> JSONResponse:
        if is_nul_text_error(exc):  # a field no schema checked; PostgreSQL refuses NUL
            return JSONResponse(_body("INVALID_TEXT", NUL_MESSAGE), 422)
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("api.unhandled", path=request.url.path, error=repr(exc))
        return JSONResponse(
            _body("INTERNAL_ERROR", "An unexpected error occurred; it has been logged."), 500
        )
