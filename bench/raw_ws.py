"""The baseline of bench_ws.py: a bare ASGI app that holds WebSockets and broadcasts.

`POST /broadcast?seq=N` sends `{"type":"announcement","data":{"message":"seq=N"}}` (the shape
of Viva's announcement) to every open socket and
answers once all sends are done."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs

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
        seq = parse_qs(scope["query_string"].decode()).get("seq", ["0"])[0]
        text = '{"type":"announcement","data":{"message":"seq=%d"}}' % int(seq)  # noqa: UP031
        frame = {"type": "websocket.send", "text": text}
        await asyncio.gather(*(c(frame) for c in list(CLIENTS)), return_exceptions=True)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
