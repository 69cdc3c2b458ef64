"""The rooms API: open and join rooms, run and submit in them, the interviewer's panel."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts.models import User
from viva.bank import service as bank
from viva.db import after_commit
from viva.deps import DbId, SessionDep, SubmissionLimit
from viva.errors import problem_responses
from viva.grading.schemas import GradeOut, SubmissionOut
from viva.rooms import grading, service
from viva.rooms.collab import CollabHub
from viva.rooms.live import EVERYONE, INTERVIEWER_ONLY, RoomChannels
from viva.rooms.models import Room
from viva.rooms.notify import EVERYONE as EVERYONE_USERS
from viva.rooms.notify import Notifier
from viva.rooms.schemas import (
    AnnouncementIn,
    LoadIn,
    PrivateIn,
    PrivateOut,
    RoomIn,
    RoomOut,
    TimelineEvent,
)

router = APIRouter(
    prefix="/api/v1",
    tags=["rooms"],
    responses=problem_responses(401, 403, 404, 409, 410, 413, 422, 429, 503),
)


def _channels(request: Request) -> RoomChannels:
    channels: RoomChannels = request.app.state.room_channels
    return channels


def _collab(request: Request) -> CollabHub:
    hub: CollabHub = request.app.state.collab
    return hub


def _starter_after_commit(request: Request, session: AsyncSession, room_id: int, text: str) -> None:
    """The document lives in its own unit of work: write the starter once the room exists."""
    hub = _collab(request)

    async def write() -> None:
        await hub.replace_text(room_id, text)

    after_commit(session, write)


@router.post("/notifications/announce", status_code=202)
async def announce(body: AnnouncementIn, request: Request) -> dict[str, str]:
    """Push an announcement to every signed-in user's open notification stream."""
    notifier: Notifier = request.app.state.notifier
    notice = await notifier.publish(EVERYONE_USERS, "announcement", {"message": body.message})
    return {"id": notice.id}


@router.post("/rooms", response_model=RoomOut, status_code=201)
async def open_room(body: RoomIn, request: Request, session: SessionDep) -> RoomOut:
    """Open a live interview room; with `invite` the answer carries the invite link once."""
    user = request.state.principal.user
    if body.challenge:
        await grading.challenge(
            request.app.state, session, body.challenge
        )  # 404 for an unknown challenge
    room, token = await service.open_room(session, interviewer=user, body=body)
    if body.challenge:
        detail = await grading.challenge(request.app.state, session, body.challenge)
        _starter_after_commit(request, session, room.id, detail.starter)
    return await service.view(session, room=room, role="interviewer", invite_token=token)


@router.get("/rooms", response_model=list[RoomOut])
async def my_rooms(request: Request, session: SessionDep) -> list[RoomOut]:
    """The rooms you interview or are the candidate of, newest first."""
    return await service.rooms_of(session, user=request.state.principal.user)


@router.get("/rooms/{room_id}", response_model=RoomOut)
async def get_room(room_id: DbId, request: Request, session: SessionDep) -> RoomOut:
    """A room you belong to; the private panel only for its interviewer."""
    room, role = await service.require_member(
        session, room_id=room_id, user=request.state.principal.user
    )
    return await service.view(session, room=room, role=role)


@router.post("/rooms/invites/{token}", response_model=RoomOut)
async def accept_invite(token: str, request: Request, session: SessionDep) -> RoomOut:
    """Join a room as its candidate through the invite link."""
    room = await service.accept_invite(session, token=token, user=request.state.principal.user)
    return await service.view(session, room=room, role="candidate")


@router.put("/rooms/{room_id}/private", response_model=PrivateOut)
async def set_private(
    room_id: DbId, body: PrivateIn, request: Request, session: SessionDep
) -> PrivateOut:
    """The interviewer's notes, rubric (1-4 per key point) and hire signal: never sent to
    the candidate."""
    room, role = await service.require_member(
        session, room_id=room_id, user=request.state.principal.user
    )
    service.require_interviewer(room, role)
    private = await service.set_private(session, room=room, body=body)
    await _channels(request).send(
        room_id, {"type": "private", **private.model_dump(mode="json")}, to=INTERVIEWER_ONLY
    )
    return private


@router.post("/rooms/{room_id}/load", response_model=RoomOut)
async def load(room_id: DbId, body: LoadIn, request: Request, session: SessionDep) -> RoomOut:
    """Load a challenge (its starter code replaces the document) or a bank question."""
    user = request.state.principal.user
    room, role = await service.require_member(session, room_id=room_id, user=user)
    service.require_interviewer(room, role)
    frame: dict[str, object] = {"type": "loaded"}
    if body.challenge:
        detail = await grading.challenge(request.app.state, session, body.challenge)
        room.challenge_slug = body.challenge
        room.language = "sql" if detail.kind == "sql" else "python"
        _starter_after_commit(request, session, room.id, detail.starter)
        frame |= {"challenge": body.challenge, "title": detail.title, "language": room.language}
    if body.question_id:
        await bank.require_question(session, question_id=body.question_id)  # 404 if unknown
        room.question_id = body.question_id
        frame |= {"question_id": body.question_id}
    await service.record(session, room_id=room.id, kind="load", actor_id=user.id, data=frame)
    await _channels(request).send(room_id, frame, to=EVERYONE)
    return await service.view(session, room=room, role=role)


async def _room_code(
    request: Request, session: AsyncSession, room_id: int, user: User
) -> tuple[Room, str, str]:
    """The room (the caller may run code in it), its challenge and its current code."""
    room, role = await service.require_member(session, room_id=room_id, user=user)
    slug = service.require_challenge(room, role)
    return room, slug, await _collab(request).text(room_id)


@router.post("/rooms/{room_id}/run", response_model=GradeOut, dependencies=[SubmissionLimit])
async def run(room_id: DbId, request: Request, session: SessionDep) -> GradeOut:
    """Run the room's current code on the challenge's examples; everyone in the room sees
    the result."""
    user = request.state.principal.user
    _, slug, source = await _room_code(request, session, room_id, user)
    result = await grading.run(request.app.state, session, slug=slug, source=source)
    payload = result.model_dump(mode="json")
    await service.record(
        session,
        room_id=room_id,
        kind="run",
        actor_id=user.id,
        data={
            "source": source,
            "verdict": result.verdict,
            "passed": result.passed,
            "total": result.total,
        },
    )
    await _channels(request).send(room_id, {"type": "run", "by": user.username, "result": payload})
    return result


@router.post(
    "/rooms/{room_id}/submissions",
    response_model=SubmissionOut,
    status_code=201,
    dependencies=[SubmissionLimit],
)
async def submit(room_id: DbId, request: Request, session: SessionDep) -> SubmissionOut:
    """Submit the room's code for the candidate (hidden tests); both see the verdict."""
    user = request.state.principal.user
    room, slug, source = await _room_code(request, session, room_id, user)
    channels = _channels(request)
    await channels.send(room_id, {"type": "submitting", "by": user.username})
    owner = room.candidate_id or user.id
    result = await grading.submit(request.app.state, slug=slug, source=source, user_id=owner)
    await service.record(
        session,
        room_id=room_id,
        kind="verdict",
        actor_id=user.id,
        data={
            "source": source,
            "submission_id": result.id,
            "verdict": result.verdict,
            "passed": result.passed,
            "total": result.total,
        },
    )
    await channels.send(
        room_id,
        {"type": "verdict", "by": user.username, "submission": result.model_dump(mode="json")},
    )
    return result


@router.post("/rooms/{room_id}/close", response_model=RoomOut)
async def close(room_id: DbId, request: Request, session: SessionDep) -> RoomOut:
    """End the interview: the candidate's sockets close (4410) and the invite stops working."""
    user = request.state.principal.user
    room, role = await service.require_member(session, room_id=room_id, user=user)
    service.require_interviewer(room, role)
    await service.close(session, room=room, actor=user)
    channels = _channels(request)
    await channels.send(room_id, {"type": "closed"})
    for member in channels.members(room_id):
        if member.role == "candidate":
            await member.websocket.close(4410, "the interview room is closed")
    return await service.view(session, room=room, role=role)


@router.get("/rooms/{room_id}/timeline", response_model=list[TimelineEvent])
async def timeline(room_id: DbId, request: Request, session: SessionDep) -> list[TimelineEvent]:
    """Every edit snapshot, run, verdict, join and signal, in order (the replay's data)."""
    room, role = await service.require_member(
        session, room_id=room_id, user=request.state.principal.user
    )
    service.require_interviewer(room, role)
    events = await service.timeline(session, room=room)
    return [TimelineEvent.model_validate(e, from_attributes=True) for e in events]
