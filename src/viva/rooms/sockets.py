"""The WebSocket (and SSE) endpoints: a room's shared document, its control channel, and
each user's notification stream.

They are plain Starlette routes, not FastAPI ones: a socket may stay open for hours and
must not hold the request's database session, so each handler authenticates with a short
unit of work of its own, then lets it go.

Refusals are close codes, sent before or right after accepting:
4401 not signed in or bad credentials, 4403 wrong Origin for a cookie, 4404 no such room
(or not yours: strangers cannot probe room ids), 4410 the room is closed,
4408 idle for too long (90 s on a room's control channel, 6 minutes on a notification
socket), 1008 too many messages, 1009 a frame too big, 1013 a notification stream too far
behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from viva.accounts import auth
from viva.accounts.models import User
from viva.errors import VivaError
from viva.rooms import repository, service
from viva.rooms.collab import CollabHub
from viva.rooms.live import INTERVIEWER_ONLY, Member, RoomChannels
from viva.rooms.notify import Notice, Notifier
from viva.rooms.schemas import RoomRole

CONTROL_MAX_BYTES = 4096
CONTROL_PER_SECOND = 20
IDLE_SECONDS = 90.0  # the page pings every 25 s
NOTIFY_IDLE_SECONDS = IDLE_SECONDS * 4  # a notification socket that sends nothing at all
SSE_KEEPALIVE_SECONDS = 20.0


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _origin_ok(conn: WebSocket | Request) -> bool:
    """A cookie is sent by the browser to any page's socket: require our own origin."""
    origin = conn.headers.get("origin")
    if origin is None:  # not a browser; a browser always sends Origin on a WebSocket
        return True
    settings = conn.app.state.settings
    if origin in settings.cors_origins:
        return True
    host = conn.headers.get("host", "")
    return urlsplit(origin).netloc == host


async def _user(conn: WebSocket | Request) -> tuple[User, str]:
    """The signed-in caller of a socket or stream, or Refused."""
    settings = conn.app.state.settings
    try:
        async with conn.app.state.database.session() as session:
            principal = await auth.resolve(conn, session, settings)  # type: ignore[arg-type]
    except VivaError as exc:
        raise Refused(4401, exc.detail) from exc
    if principal is None:
        raise Refused(4401, "sign in first")
    if principal.via == "session" and not _origin_ok(conn):
        raise Refused(4403, "this socket is only for Viva's own pages")
    return principal.user, principal.via


async def _member(websocket: WebSocket) -> tuple[User, int, RoomRole]:
    user, _ = await _user(websocket)
    try:
        room_id = int(websocket.path_params["room_id"])
    except ValueError:
        raise Refused(4404, "no such room") from None
    async with websocket.app.state.database.session() as session:
        room = await repository.get(session, room_id=room_id)
        role = service.role_of(room, user) if room is not None else None
        if room is None or role is None:
            raise Refused(4404, "no such room")
        if room.status != "open" and role == "candidate":
            raise Refused(4410, "this interview room is closed")
    return user, room_id, role


async def _refuse(websocket: WebSocket, refused: Refused) -> None:
    # Accept first so the browser sees the close code and reason (a refused handshake only
    # shows 1006 to page scripts).
    with contextlib.suppress(Exception):
        await websocket.accept()
        await websocket.close(refused.code, refused.reason)


async def doc_socket(websocket: WebSocket) -> None:
    """`/api/v1/rooms/{room_id}/doc/{name}`: the Yjs document (y-websocket protocol)."""
    try:
        _, room_id, role = await _member(websocket)
    except Refused as refused:
        await _refuse(websocket, refused)
        return
    await websocket.accept()
    hub: CollabHub = websocket.app.state.collab
    await hub.serve(websocket, room_id, may_write=role in ("interviewer", "candidate"))


async def live_socket(websocket: WebSocket) -> None:
    """`/api/v1/rooms/{room_id}/live`: participants, runs, verdicts, signals (JSON frames)."""
    try:
        user, room_id, role = await _member(websocket)
    except Refused as refused:
        await _refuse(websocket, refused)
        return
    await websocket.accept()
    channels: RoomChannels = websocket.app.state.room_channels
    member = Member(websocket, user.id, user.username, role)
    async with websocket.app.state.database.session() as session:
        room = await service.require(session, room_id=room_id)
        view = await service.view(session, room=room, role=role)
        await service.record(
            session, room_id=room_id, kind="join", actor_id=user.id, data={"role": role}
        )
    channels.join(room_id, member)
    await member.send(
        {
            "type": "hello",
            "role": role,
            "you": {"user_id": user.id, "username": user.username},
            "room": view.model_dump(mode="json"),
            "participants": channels.participants(room_id),
        }
    )
    await channels.send(
        room_id, {"type": "participants", "participants": channels.participants(room_id)}
    )
    notifier: Notifier = websocket.app.state.notifier
    if role == "candidate":
        await notifier.publish(
            room.interviewer_id,
            "room.joined",
            {"room_id": room_id, "candidate": user.username, "title": room.title},
        )
    code, reason = 1000, ""
    try:
        await _control_loop(websocket, member, room_id)
    except Refused as refused:
        code, reason = refused.code, refused.reason
    except WebSocketDisconnect:
        code = 0
    finally:
        channels.leave(room_id, member)
        with contextlib.suppress(Exception):
            async with websocket.app.state.database.session() as session:
                await service.record(
                    session, room_id=room_id, kind="leave", actor_id=user.id, data={"role": role}
                )
        await channels.send(
            room_id, {"type": "participants", "participants": channels.participants(room_id)}
        )
        if code:
            with contextlib.suppress(Exception):
                await websocket.close(code, reason)


async def _control_loop(websocket: WebSocket, member: Member, room_id: int) -> None:
    window, count = time.monotonic(), 0
    while True:
        try:
            async with asyncio.timeout(IDLE_SECONDS):
                message = await websocket.receive()
        except TimeoutError:
            raise Refused(4408, "idle for too long") from None
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        raw = message.get("text") or message.get("bytes") or ""
        if len(raw) > CONTROL_MAX_BYTES:
            raise Refused(1009, "message too big")
        now = time.monotonic()
        if now - window >= 1.0:
            window, count = now, 0
        count += 1
        if count > CONTROL_PER_SECOND:
            raise Refused(1008, "too many messages")
        await _handle_control(websocket, member, room_id, raw)


async def _handle_control(
    websocket: WebSocket, member: Member, room_id: int, raw: str | bytes
) -> None:
    try:
        frame = json.loads(raw)
        kind = frame["type"] if isinstance(frame, dict) else None
    except (ValueError, KeyError, TypeError):
        await member.send({"type": "error", "detail": "frames are JSON objects with a 'type'"})
        return
    if kind == "ping":
        await member.send({"type": "pong"})
        return
    if kind == "signal":
        if member.role != "candidate":
            await member.send({"type": "error", "detail": "only the candidate sends signals"})
            return
        signal = frame.get("kind")
        size = frame.get("size", 0)
        if signal not in service.SIGNALS or not isinstance(size, int) or size < 0:
            await member.send({"type": "error", "detail": "unknown signal"})
            return
        data = {"kind": signal, "size": min(size, 10_000_000)}
        async with websocket.app.state.database.session() as session:
            event = await service.record(
                session, room_id=room_id, kind=signal, actor_id=member.user_id, data=data
            )
        channels: RoomChannels = websocket.app.state.room_channels
        await channels.send(
            room_id,
            {"type": "signal", **data, "by": member.username, "at": event.at.isoformat()},
            to=INTERVIEWER_ONLY,
        )
        return
    await member.send({"type": "error", "detail": f"unknown frame type {kind!r}"})


async def notifications_socket(websocket: WebSocket) -> None:
    """`/api/v1/notifications/ws[?last_event_id=...]`: the caller's notices, JSON frames.

    While idle a socket costs its handler's one task waiting for a frame: notices are sent
    by the subscription's drain task, which exists only while some are waiting."""
    try:
        user, _ = await _user(websocket)
    except Refused as refused:
        await _refuse(websocket, refused)
        return
    user_id = user.id
    del user
    websocket.state.principal = None  # keep no account row per idle socket
    await websocket.accept()
    notifier: Notifier = websocket.app.state.notifier

    async def send(notice: Notice) -> None:
        await websocket.send_text(notice.frame())

    async def overflow() -> None:
        with contextlib.suppress(Exception):
            await websocket.close(1013, "too far behind; reconnect with last_event_id")

    sub = notifier.subscribe(
        user_id,
        last_event_id=websocket.query_params.get("last_event_id"),
        send=send,
        on_overflow=overflow,
    )
    try:
        while True:
            try:
                async with asyncio.timeout(NOTIFY_IDLE_SECONDS):  # no task per wait
                    message = await websocket.receive()
            except TimeoutError:
                await websocket.close(4408, "idle for too long")
                break
            if message["type"] == "websocket.disconnect":
                break
            raw = message.get("text") or ""
            if len(raw) > CONTROL_MAX_BYTES:
                await websocket.close(1009, "message too big")
                break
            if raw == '{"type":"ping"}':
                await websocket.send_text('{"type":"pong"}')
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        sub.close()


async def notifications_stream(request: Request) -> Response:
    """`GET /api/v1/notifications/stream`: the same notices as Server-Sent Events (the
    fallback where WebSockets are blocked); resumes from the `Last-Event-ID` header."""
    try:
        user, _ = await _user(request)
    except Refused as refused:
        status = 401 if refused.code == 4401 else 403
        return Response(
            json.dumps({"title": "Not authenticated", "status": status, "detail": refused.reason}),
            status_code=status,
            media_type="application/problem+json",
        )
    notifier: Notifier = request.app.state.notifier
    last = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    sub = notifier.subscribe(user.id, last_event_id=last)

    async def events() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            while not sub.closed:
                notice = await sub.next(SSE_KEEPALIVE_SECONDS)
                if notice is None:
                    yield ": keep-alive\n\n"
                    continue
                yield f"id: {notice.id}\nevent: {notice.type}\ndata: {json.dumps(notice.data)}\n\n"
        finally:
            sub.close()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


_SOCKETS = (
    WebSocketRoute("/api/v1/rooms/{room_id}/doc/{name}", doc_socket),
    WebSocketRoute("/api/v1/rooms/{room_id}/live", live_socket),
    WebSocketRoute("/api/v1/notifications/ws", notifications_socket),
)


def socket_routes() -> list[BaseRoute]:
    return [
        *_SOCKETS,
        Route("/api/v1/notifications/stream", notifications_stream, methods=["GET"]),
    ]


class SocketsFirst:
    """The outermost middleware: Viva's WebSockets go straight to their handlers.

    Every HTTP middleware lets a WebSocket through untouched, but each level of the stack
    (request id, metrics, security headers, body limit, edge cache, exception handling, the
    router, the route's own wrapper) keeps a suspended coroutine frame for as long as the
    socket is open: about 10 KB per socket, a third of Viva's cost at 10,000 idle sockets
    (bench/README.md). The handlers need none of it: they authenticate, check the Origin
    and close with their own codes. The routes stay in the router for everything else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            path = scope.get("path", "")
            for route in _SOCKETS:  # the router's own routes, matched by their own regex
                if (found := route.path_regex.fullmatch(path)) is not None:
                    scope["path_params"] = found.groupdict()
                    await route.endpoint(WebSocket(scope, receive, send))
                    return
        await self.app(scope, receive, send)
