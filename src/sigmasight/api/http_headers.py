"""Response headers every answer gets: security headers, and no reflected ``Host``.

A pure ASGI middleware (no per-request task or body copy, unlike Starlette's
``BaseHTTPMiddleware``): it only edits the headers of ``http.response.start``.

Security headers: a Content-Security-Policy that allows scripts, styles, fonts and
connections from this origin only (the dashboard has no inline script or style; Plotly's
two ``<style>`` elements are allowed by their hashes, see :data:`PLOTLY_STYLES`, and it
draws its mode bar icons from ``data:`` images); no framing
(``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``); ``nosniff``; no referrer
beyond this origin; HSTS when the request came over TLS or the public URL is https; and
``Cache-Control: no-store`` on every answer that sets no caching of its own, except
static files (analytics answers keep their ``private, no-cache`` with an ETag). The
interactive API docs (``/docs``, ``/redoc``) are FastAPI's pages, which load Swagger UI
or ReDoc from a CDN with an inline script: they get a policy of their own.

``Location``: the framework builds absolute URLs from the request's ``Host`` header
(``url_for``, the trailing-slash redirect), so a forged ``Host: evil.example`` would come
back in a redirect. An absolute ``Location`` on the request's own host is rewritten to the
configured public URL, or to a relative path when none is configured.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Inline <style> elements Plotly adds, by the SHA-256 of their text: the empty one it
#: fills through the CSSOM, and MapLibre's stylesheet that plotly.js 4.1 injects when it
#: loads. A Plotly upgrade that changes the latter shows as a CSP error in the browser
#: tests (tests/web), which print the new hash.
PLOTLY_STYLES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",
)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; "
    f"style-src 'self' {' '.join(PLOTLY_STYLES)}; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {_CDN}; "
    f"style-src 'self' 'unsafe-inline' {_CDN}; img-src 'self' data: https:; "
    "worker-src blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_COMMON = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
_NO_STORE = (b"cache-control", b"no-store")


class ResponseHeaders:
    """Adds the security headers and rewrites self-referencing absolute ``Location``
    headers (see the module doc)."""

    def __init__(self, app: ASGIApp, public_url: str = "") -> None:
        self.app = app
        self.public_url = public_url.rstrip("/")
        self.https = self.public_url.startswith("https://")
        self._page = [(b"content-security-policy", CONTENT_SECURITY_POLICY.encode()), *_COMMON]
        self._docs = [(b"content-security-policy", DOCS_POLICY.encode()), *_COMMON]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        path: str = scope.get("path", "")
        added = list(self._docs if path in DOCS_PATHS else self._page)
        if self.https or scope.get("scheme") == "https":
            added.append(HSTS)
        static = path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, self._location(value, host) if name == b"location" else value)
                    for name, value in message.get("headers", [])
                ]
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in added if n not in present]
                if not static and b"cache-control" not in present:
                    headers.append(_NO_STORE)
                message["headers"] = headers
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
