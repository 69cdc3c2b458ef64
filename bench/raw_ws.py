"""The baseline of bench_ws.py: a bare ASGI app that holds WebSockets and broadcasts."""

from __future__ import annotations

import asyncio
from typing import Any

from bench.raw_asgi import lifespan

Scope = dict[str, Any]
CLIENTS: set[Any] = set()


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        CLIENTS.add(send)
        try:
            while (await receive())["type"] != "websocket.disconnect":
                pass
        finally:
            CLIENTS.discard(send)
        return
    if scope["path"] == "/broadcast":
        frame = {"type": "websocket.send", "text": '{"type":"announcement"}'}
        await asyncio.gather(*(c(frame) for c in list(CLIENTS)), return_exceptions=True)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
