"""Room pages: the list, the live room, the invite link, and the replay."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from viva.accounts.auth import require_role, resolve
from viva.accounts.models import User
from viva.accounts.roles import Role
from viva.bank import service as bank
from viva.db import after_commit
from viva.deps import DbId, SessionDep, SettingsDep
from viva.errors import VivaError
from viva.rooms import grading, service
from viva.rooms.collab import CollabHub
from viva.rooms.schemas import RoomIn
from viva.web.markdown import render_markdown
from viva.web.pages import render_private

router = APIRouter(include_in_schema=False)


async def _user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    return require_role(await resolve(request, session, settings), Role.CANDIDATE)


@router.get("/rooms", response_class=HTMLResponse)
async def rooms_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    user = await _user(request, session, settings)
    rooms = await service.rooms_of(session, user=user)
    challenges = (
        await grading.challenges(request.app.state, session) if user.role != "candidate" else []
    )
    return render_private(
        request, "rooms/list.html", {"rooms": rooms, "user": user, "challenges": challenges}
    )


@router.post("/rooms", response_class=HTMLResponse)
async def open_room_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    title: Annotated[str, Form(max_length=200)] = "Live interview",
    challenge: Annotated[str, Form(max_length=80)] = "",
    candidate: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    user = require_role(await resolve(request, session, settings), Role.INTERVIEWER)
    body = RoomIn(
        title=title.strip() or "Live interview",
        challenge=challenge or None,
        candidate=candidate.strip() or None,
    )
    try:
        if body.challenge:
            detail = await grading.challenge(request.app.state, session, body.challenge)
        room, token = await service.open_room(session, interviewer=user, body=body)
    except VivaError as exc:
        rooms = await service.rooms_of(session, user=user)
        return render_private(
            request,
            "rooms/list.html",
            {
                "rooms": rooms,
                "user": user,
                "error": exc.detail,
                "challenges": await grading.challenges(request.app.state, session),
            },
            status=exc.status,
        )
    if body.challenge:
        hub: CollabHub = request.app.state.collab
        starter, room_id = detail.starter, room.id

        async def write_starter() -> None:
            await hub.replace_text(room_id, starter)

        after_commit(session, write_starter)
    url = str(request.base_url).rstrip("/") + f"/rooms/invite/{token}"
    return render_private(request, "rooms/invite.html", {"room": room, "url": url})


@router.get("/rooms/invite/{token}")
async def accept_invite_page(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    user = await _user(request, session, settings)
    room = await service.accept_invite(session, token=token, user=user)
    return RedirectResponse(f"/rooms/{room.id}", status_code=303)


@router.get("/rooms/{room_id}", response_class=HTMLResponse)
async def room_page(
    room_id: DbId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    user = await _user(request, session, settings)
    room, role = await service.require_member(session, room_id=room_id, user=user)
    view = await service.view(session, room=room, role=role)
    challenge = (
        await grading.challenge(request.app.state, session, room.challenge_slug)
        if room.challenge_slug
        else None
    )
    question = None
    if room.question_id:
        try:
            question = await bank.get_question(session, question_id=room.question_id)
        except VivaError:
            question = None
    context = {
        "room": view,
        "role": role,
        "user": user,
        "challenge": challenge,
        "prompt_html": render_markdown(challenge.prompt) if challenge else "",
        "question": question,
        "challenges": await grading.challenges(request.app.state, session)
        if role == "interviewer"
        else [],
    }
    return render_private(request, "rooms/room.html", context)


@router.get("/rooms/{room_id}/replay", response_class=HTMLResponse)
async def replay_page(
    room_id: DbId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    user = await _user(request, session, settings)
    room, role = await service.require_member(session, room_id=room_id, user=user)
    service.require_interviewer(room, role)
    events = await service.timeline(session, room=room)
    frames = [
        {"at": e.at.isoformat(), "kind": e.kind, "actor_id": e.actor_id, "data": e.data}
        for e in events
    ]
    view = await service.view(session, room=room, role=role)
    return render_private(request, "rooms/replay.html", {"room": view, "frames": frames})
