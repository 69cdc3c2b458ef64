"""The room's control channel: who is here, runs and verdicts for everyone, and what only
the interviewer may see (the candidate's signals, the private panel).

Every frame is built per recipient role by `RoomChannels.send`, so interviewer-only data
is never serialised into a candidate's socket (the test captures the candidate's frames).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket

from viva.rooms.schemas import RoomRole

INTERVIEWER_ONLY: frozenset[RoomRole] = frozenset({"interviewer"})
EVERYONE: frozenset[RoomRole] = frozenset({"interviewer", "candidate", "observer"})
STAFF: frozenset[RoomRole] = frozenset({"interviewer", "observer"})


@dataclass(eq=False)
class Member:
    websocket: WebSocket
    user_id: int
    username: str
    role: RoomRole
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, frame: dict[str, Any]) -> bool:
        try:
            async with self.lock:
                await asyncio.wait_for(self.websocket.send_text(json.dumps(frame)), 5.0)
        except Exception:
            return False
        return True


class RoomChannels:
    """Open control sockets per room, in this process (on `app.state.room_channels`)."""

    def __init__(self) -> None:
        self._rooms: dict[int, set[Member]] = {}

    def join(self, room_id: int, member: Member) -> None:
        self._rooms.setdefault(room_id, set()).add(member)

    def leave(self, room_id: int, member: Member) -> None:
        members = self._rooms.get(room_id)
        if members is not None:
            members.discard(member)
            if not members:
                del self._rooms[room_id]

    def participants(self, room_id: int) -> list[dict[str, Any]]:
        seen: dict[int, dict[str, Any]] = {}
        for m in self._rooms.get(room_id, ()):
            seen[m.user_id] = {"user_id": m.user_id, "username": m.username, "role": m.role}
        return sorted(seen.values(), key=lambda p: (p["role"], p["username"]))

    def members(self, room_id: int) -> list[Member]:
        return list(self._rooms.get(room_id, ()))

    async def send(
        self, room_id: int, frame: dict[str, Any], *, to: frozenset[RoomRole] = EVERYONE
    ) -> int:
        """Send `frame` to the room's sockets whose role is in `to`; returns how many got it."""
        targets = [m for m in self._rooms.get(room_id, ()) if m.role in to]
        results = await asyncio.gather(*(m.send(frame) for m in targets))
        return sum(results)

    async def close_room(self, room_id: int, *, code: int, reason: str) -> None:
        for member in self.members(room_id):
            with contextlib.suppress(Exception):
                await member.websocket.close(code, reason)
