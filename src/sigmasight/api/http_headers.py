"""Response headers every answer gets: no reflected ``Host`` in ``Location``.

A pure ASGI middleware (no per-request task or body copy, unlike Starlette's
``BaseHTTPMiddleware``): it only edits the headers of ``http.response.start``.

``Location``: the framework builds absolute URLs from the request's ``Host`` header
(``url_for``, the trailing-slash redirect), so a forged ``Host: evil.example`` would come
back in a redirect. An absolute ``Location`` on the request's own host is rewritten to the
configured public URL, or to a relative path when none is configured.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ResponseHeaders:
    """Rewrites self-referencing absolute ``Location`` headers (see the module doc)."""

    def __init__(self, app: ASGIApp, public_url: str = "") -> None:
        self.app = app
        self.public_url = public_url.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, self._location(value, host) if name == b"location" else value)
                    for name, value in message.get("headers", [])
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _location(self, value: bytes, host: bytes | None) -> bytes:
        parts = urlsplit(value.decode("latin-1"))
        if not parts.scheme and not parts.netloc:
            return value  # already relative
        if host is None or parts.netloc.encode("latin-1").lower() != host.lower():
            return value  # points elsewhere on purpose, not built from the Host header
        path = parts.path or "/"
        relative = f"{path}?{parts.query}" if parts.query else path
        return f"{self.public_url}{relative}".encode("latin-1")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None
