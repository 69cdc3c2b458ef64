"""Room use cases: open, invite, join, the interviewer's private panel, load, close, and the
timeline. Routes, pages and sockets all call these."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import public
from viva.accounts.audit import audit
from viva.accounts.models import User
from viva.bank import service as bank
from viva.clock import now
from viva.db import Database
from viva.errors import Forbidden, NotFound, VivaError
from viva.events import InterviewInvited, publish_in
from viva.infra import tokens
from viva.rooms import repository
from viva.rooms.models import Room, RoomEvent
from viva.rooms.schemas import PrivateIn, PrivateOut, RoomIn, RoomOut, RoomRole

INVITE_HOURS = 24
SIGNALS = {"paste", "blur", "focus", "idle"}


class RoomError(VivaError):
    status = 409
    title = "Room"


class InviteExpired(VivaError):
    status = 410
    title = "Invite expired"


async def open_room(
    session: AsyncSession, *, interviewer: User, body: RoomIn
) -> tuple[Room, str | None]:
    """A new room; also the invite token (shown once) when asked."""
    candidate_id: int | None = None
    if body.candidate:
        candidate = await public.require_user_named(session, username=body.candidate)
        if not await public.may_see_work_of(session, viewer=interviewer, owner_id=candidate.id):
            raise Forbidden(f"{body.candidate} is not one of your candidates")
        candidate_id = candidate.id
    if body.question_id is not None:
        await bank.require_question(session, question_id=body.question_id)  # 404 if unknown
    token = tokens.new_secret() if body.invite else None
    room = Room(
        title=body.title,
        interviewer_id=interviewer.id,
        candidate_id=candidate_id,
        invite_hash=tokens.digest(token) if token else None,
        invite_expires_at=now() + timedelta(hours=INVITE_HOURS) if token else None,
        challenge_slug=body.challenge,
        question_id=body.question_id,
        notes="",
        rubric=[],
    )
    session.add(room)
    await session.flush()
    await audit(session, actor=interviewer, action="room.open", target=f"room {room.id}")
    if candidate_id is not None:
        invited = InterviewInvited(
            user_id=candidate_id,
            kind="room",
            target_id=room.id,
            title=room.title,
            interviewer=interviewer.username,
            url=f"/rooms/{room.id}",
        )
        await publish_in(session, invited)
    return room, token


async def require(session: AsyncSession, *, room_id: int) -> Room:
    room = await repository.get(session, room_id=room_id)
    if room is None:
        raise NotFound(f"no room {room_id}")
    return room


def role_of(room: Room, user: User) -> RoomRole | None:
    if room.interviewer_id == user.id:
        return "interviewer"
    if room.candidate_id == user.id:
        return "candidate"
    if user.role == "admin":
        return "observer"
    return None


async def require_member(
    session: AsyncSession, *, room_id: int, user: User
) -> tuple[Room, RoomRole]:
    """The room and the caller's role in it; a stranger gets 404 (no room ids are probed)."""
    room = await require(session, room_id=room_id)
    role = role_of(room, user)
    if role is None:
        raise NotFound(f"no room {room_id}")
    return room, role


def require_interviewer(room: Room, role: RoomRole) -> None:
    if role != "interviewer":
        raise Forbidden("only the room's interviewer can do this")


async def accept_invite(session: AsyncSession, *, token: str, user: User) -> Room:
    room = await repository.by_invite(session, invite_hash=tokens.digest(token))
    if room is None:
        raise NotFound("this invite link is not valid")
    if room.interviewer_id == user.id:
        raise RoomError("this is your own invite; send the link to the candidate")
    if room.status != "open":
        raise InviteExpired("this interview room is closed")
    if room.candidate_id not in (None, user.id):
        raise NotFound("this invite link is not valid")
    expires = room.invite_expires_at
    if expires is not None and expires < now():
        raise InviteExpired("this invite link has expired; ask the interviewer for a new one")
    room.candidate_id = user.id
    await audit(session, actor=user, action="room.join", target=f"room {room.id}")
    return room


async def set_private(session: AsyncSession, *, room: Room, body: PrivateIn) -> PrivateOut:
    if any(not 1 <= score <= 4 for score in body.rubric):
        raise RoomError("rubric scores are 1 to 4", status=422)
    room.notes, room.rubric, room.signal = body.notes, list(body.rubric), body.signal
    return private_of(room)


def private_of(room: Room) -> PrivateOut:
    signal = room.signal if room.signal in ("hire", "no_hire") else None
    return PrivateOut(notes=room.notes, rubric=list(room.rubric or []), signal=signal)


async def close(session: AsyncSession, *, room: Room, actor: User) -> None:
    if room.status != "closed":
        room.status, room.closed_at, room.invite_hash = "closed", now(), None
        await audit(session, actor=actor, action="room.close", target=f"room {room.id}")


async def record(
    session: AsyncSession, *, room_id: int, kind: str, actor_id: int | None, data: dict[str, Any]
) -> RoomEvent:
    event = RoomEvent(room_id=room_id, kind=kind, actor_id=actor_id, data=data, at=now())
    await repository.add_event(session, event)
    return event


async def view(
    session: AsyncSession, *, room: Room, role: RoomRole, invite_token: str | None = None
) -> RoomOut:
    interviewer = await public.get_user(session, user_id=room.interviewer_id)
    candidate = (
        await public.get_user(session, user_id=room.candidate_id) if room.candidate_id else None
    )
    return RoomOut(
        id=room.id,
        title=room.title,
        status=room.status,
        role=role,
        interviewer=interviewer.username if interviewer else "?",
        candidate=candidate.username if candidate else None,
        challenge=room.challenge_slug,
        question_id=room.question_id,
        language=room.language,
        created_at=room.created_at,
        closed_at=room.closed_at,
        invite_url=f"/rooms/invite/{invite_token}" if invite_token else None,
        private=private_of(room) if role == "interviewer" else None,
    )


async def rooms_of(session: AsyncSession, *, user: User) -> list[RoomOut]:
    rooms = await repository.of_user(session, user_id=user.id)
    return [await view(session, room=r, role=role_of(r, user) or "observer") for r in rooms]


async def timeline(session: AsyncSession, *, room: Room) -> list[RoomEvent]:
    return await repository.timeline(session, room_id=room.id)


def require_challenge(room: Room, role: RoomRole) -> str:
    if role == "observer":
        raise Forbidden("observers watch; only the interviewer and the candidate run code")
    if room.status != "open":
        raise RoomError("this interview room is closed")
    if not room.challenge_slug:
        raise RoomError("load a challenge into the room first", status=422)
    return room.challenge_slug


class DocStore:
    """Where the live document is kept between sessions (`Room.doc_state`), with a text
    snapshot in the timeline each time the code changed, for the replay."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def load(self, room_id: int) -> bytes | None:
        async with self.database.session() as session:
            return await repository.doc_state(session, room_id=room_id)

    async def save(self, room_id: int, state: bytes, changed_text: str | None) -> None:
        async with self.database.session() as session:
            room = await repository.get(session, room_id=room_id)
            if room is None:
                return
            room.doc_state = state
            if changed_text is not None:
                await record(
                    session,
                    room_id=room_id,
                    kind="edit",
                    actor_id=None,
                    data={"text": changed_text},
                )
