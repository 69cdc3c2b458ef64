"""Security headers on every response: a self-only CSP, nosniff, referrer policy, no framing."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]
# Swagger UI at /docs needs its own inline script; it is served from vendored files.
DOCS_CSP = (
    b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    b"script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
)

# Live rooms: remote cursors and selections are coloured per participant with inline style
# attributes (y-codemirror.next). Attributes cannot run script; <style> and scripts stay
# self-only (the editor styles itself through constructable stylesheets).
ROOM_CSP = (
    b"default-src 'self'; img-src 'self' data:; style-src 'self'; "
    b"style-src-attr 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; "
    b"form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] in ("/docs", "/redoc")
        room = scope["path"].startswith("/rooms/")

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                for name, value in HEADERS:
                    if docs and name == b"content-security-policy":
                        value = DOCS_CSP
                    elif room and name == b"content-security-policy":
                        value = ROOM_CSP
                    headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add_headers)
