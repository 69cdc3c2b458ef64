"""The baseline of bench_ws.py: a bare ASGI app that holds WebSockets and broadcasts."""

from __future__ import annotations

import asyncio
from typing import Any

Scope = dict[str, Any]
CLIENTS: set[Any] = set()


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
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
