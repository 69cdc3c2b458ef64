"""The shared document of each room: Yjs over a WebSocket, served by pycrdt-websocket.

Browsers run Yjs with y-websocket and y-codemirror.next; this side keeps the room's
authoritative `pycrdt.Doc`, relays sync and awareness (presence, cursors) messages, and
persists the document (`Room.doc_state`) plus a text snapshot per second of typing for the
replay. A client that reconnects sends its state vector and gets what it missed; what it
typed offline arrives in its own update and merges (CRDT), nothing is lost.

Who may write: the room's interviewer and candidate. Observers (admins watching) receive
but their document updates are dropped. Limits per socket: `MAX_MESSAGE_BYTES` per frame
(close 1009) and `MAX_MESSAGES_PER_SECOND` (close 1008).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Text, create_awareness_message
from pycrdt.websocket import WebsocketServer, YRoom
from starlette.websockets import WebSocket, WebSocketDisconnect

from viva.infra.logging import log

MAX_MESSAGE_BYTES = 512 * 1024
MAX_MESSAGES_PER_SECOND = 200
SAVE_EVERY_SECONDS = 1.0

SYNC, AWARENESS = 0, 1
SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE = 0, 1, 2

Saver = Callable[[int, bytes, str | None], Awaitable[None]]  # text None: unchanged
Loader = Callable[[int], Awaitable[bytes | None]]


class SocketClosed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class DocChannel:
    """A Starlette WebSocket as the `pycrdt.Channel` YRoom serves, with Viva's limits."""

    def __init__(self, websocket: WebSocket, path: str, *, may_write: bool) -> None:
        self._ws = websocket
        self._path = path
        self.may_write = may_write
        self._send_lock = asyncio.Lock()
        self._window = time.monotonic()
        self._count = 0
        self.closed: SocketClosed | None = None

    @property
    def path(self) -> str:
        return self._path

    def __aiter__(self) -> DocChannel:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self.recv()
        except (WebSocketDisconnect, SocketClosed, RuntimeError):
            raise StopAsyncIteration from None

    async def send(self, message: bytes) -> None:
        with contextlib.suppress(Exception):  # a closing socket: YRoom drops it after serve()
            async with self._send_lock:
                await self._ws.send_bytes(message)

    async def recv(self) -> bytes:
        while True:
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            data = message.get("bytes")
            if data is None:
                continue  # text frames are not part of the Yjs protocol
            self._limit(len(data))
            if not self.may_write and _is_document_update(data):
                continue  # an observer: may sync and show presence, never edit
            return bytes(data)

    def _limit(self, size: int) -> None:
        if size > MAX_MESSAGE_BYTES:
            self.closed = SocketClosed(1009, "message too big")
            raise self.closed
        now = time.monotonic()
        if now - self._window >= 1.0:
            self._window, self._count = now, 0
        self._count += 1
        if self._count > MAX_MESSAGES_PER_SECOND:
            self.closed = SocketClosed(1008, "too many messages")
            raise self.closed


def _is_document_update(data: bytes) -> bool:
    return len(data) >= 2 and data[0] == SYNC and data[1] in (SYNC_STEP2, SYNC_UPDATE)


@dataclass
class _Live:
    room: YRoom
    doc: Doc[Any]
    dirty: bool = False
    saver: asyncio.Task[None] | None = None
    last_text: str = ""
    clients: int = 0
    subscription: Any = field(default=None)


class CollabHub:
    """All open rooms' documents in this process (on `app.state.collab`).

    A room's sockets must reach one process: with several API processes, route
    `/api/v1/rooms/{id}/doc` by room id (see README, "Live rooms").
    """

    def __init__(self, *, load: Loader, save: Saver) -> None:
        self._server = WebsocketServer(auto_clean_rooms=False, exception_handler=_log_and_go)
        self._live: dict[int, _Live] = {}
        self._lock = asyncio.Lock()
        self._load = load
        self._save = save
        self._runner: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._runner = asyncio.create_task(self._server.start(), name="viva-collab")
        await self._server.started.wait()

    async def stop(self) -> None:
        for room_id in list(self._live):
            await self._flush(room_id)
        await self._server.stop()
        if self._runner is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._runner

    def text_of(self, room_id: int) -> str | None:
        live = self._live.get(room_id)
        return str(live.doc.get("code", type=Text)) if live else None

    async def text(self, room_id: int) -> str:
        """The room's current code (open: the live document; closed: the stored one)."""
        live = self._live.get(room_id)
        if live is not None:
            return str(live.doc.get("code", type=Text))
        state = await self._load(room_id)
        doc: Doc[Any] = Doc()
        if state:
            doc.apply_update(state)
        return str(doc.get("code", type=Text))

    async def replace_text(self, room_id: int, text: str) -> None:
        """Set the document's text (the interviewer loaded a challenge's starter code)."""
        live = await self._open(room_id)
        code = live.doc.get("code", type=Text)
        with live.doc.transaction():
            del code[:]
            code += text
        if live.clients == 0:
            await self._close_room(room_id)

    async def _open(self, room_id: int) -> _Live:
        async with self._lock:
            live = self._live.get(room_id)
            if live is not None:
                return live
            doc: Doc[Any] = Doc()
            state = await self._load(room_id)
            if state:
                doc.apply_update(state)
            room = YRoom(ydoc=doc, ready=True, exception_handler=_log_and_go)
            name = f"room-{room_id}"
            self._server.rooms[name] = room
            await self._server.start_room(room)
            live = _Live(room=room, doc=doc, last_text=str(doc.get("code", type=Text)))
            live.subscription = doc.observe(lambda _event: self._touch(room_id))
            self._live[room_id] = live
            return live

    def _touch(self, room_id: int) -> None:
        live = self._live.get(room_id)
        if live is None:
            return
        live.dirty = True
        if live.saver is None or live.saver.done():
            live.saver = asyncio.get_running_loop().create_task(self._save_soon(room_id))

    async def _save_soon(self, room_id: int) -> None:
        await asyncio.sleep(SAVE_EVERY_SECONDS)
        await self._flush(room_id)

    async def _flush(self, room_id: int) -> None:
        live = self._live.get(room_id)
        if live is None or not live.dirty:
            return
        live.dirty = False
        text = str(live.doc.get("code", type=Text))
        changed = text if text != live.last_text else None
        live.last_text = text
        try:
            await self._save(room_id, live.doc.get_update(), changed)
        except Exception:
            live.dirty = True
            log.exception("room_doc_save_failed", room_id=room_id)

    async def serve(self, websocket: WebSocket, room_id: int, *, may_write: bool) -> None:
        """Serve one accepted socket until it closes."""
        live = await self._open(room_id)
        channel = DocChannel(websocket, f"room-{room_id}", may_write=may_write)
        live.clients += 1
        try:
            await self._send_presence(live, channel)
            await live.room.serve(channel)
        finally:
            live.clients -= 1
            if channel.closed is not None:
                with contextlib.suppress(Exception):
                    await websocket.close(channel.closed.code, channel.closed.reason)
            if live.clients == 0:
                await self._close_room(room_id)

    @staticmethod
    async def _send_presence(live: _Live, channel: DocChannel) -> None:
        """Who is already here (pycrdt relays presence changes, not the current states)."""
        awareness = live.room.awareness
        present = [cid for cid, state in awareness.states.items() if state]
        if present:
            update = awareness.encode_awareness_update(present)
            await channel.send(create_awareness_message(update))

    async def _close_room(self, room_id: int) -> None:
        async with self._lock:
            live = self._live.get(room_id)
            if live is None or live.clients > 0:
                return
            if live.saver is not None and not live.saver.done():
                live.saver.cancel()
            live.dirty = True
            await self._flush(room_id)
            del self._live[room_id]
            with contextlib.suppress(Exception):
                await self._server.delete_room(name=f"room-{room_id}")


def _log_and_go(exc: Exception, _logger: Any) -> bool:
    log.warning("collab_error", error=repr(exc))
    return True
