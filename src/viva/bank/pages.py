"""The question authoring form for interviewers (API: POST /api/v1/tracks/{slug}/questions)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from viva.accounts.auth import require_role, resolve
from viva.accounts.service import audit
from viva.bank import repository, service
from viva.bank.schemas import QuestionIn
from viva.deps import CacheDep, SessionDep, SettingsDep
from viva.errors import VivaError
from viva.web.pages import render_private

router = APIRouter(include_in_schema=False)


async def _form(
    request: Request,
    session: SessionDep,
    values: dict[str, Any],
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    tracks = [t for t, _, _ in await repository.list_tracks(session)]
    chosen = values.get("track") or (tracks[0].slug if tracks else "")
    track = next((t for t in tracks if t.slug == chosen), None)
    categories = await repository.categories_of_track(session, track_id=track.id) if track else []
    context = {
        "v": values | {"track": chosen},
        "tracks": tracks,
        "categories": categories,
        "error": error,
    }
    return render_private(request, "question_new.html", context, status=status)


@router.get("/author/question", response_class=HTMLResponse)
async def new_question(
    request: Request, session: SessionDep, settings: SettingsDep, track: str = ""
) -> Response:
    require_role(await resolve(request, session, settings), 2)
    return await _form(request, session, {"track": track, "kind": "theory", "difficulty": "medium"})


@router.post("/author/question", response_class=HTMLResponse)
async def create_question(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
    track: Annotated[str, Form(max_length=80)],
    category: Annotated[str, Form(max_length=200)],
    text: Annotated[str, Form(max_length=5000)],
    kind: Annotated[str, Form(max_length=16)],
    difficulty: Annotated[str, Form(max_length=16)],
    tags: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    user = require_role(await resolve(request, session, settings), 2)
    values = {
        "track": track,
        "category": category,
        "text": text,
        "kind": kind,
        "difficulty": difficulty,
        "tags": tags,
    }
    try:
        data = QuestionIn(
            category=category.strip(),
            text=text.strip(),
            kind=kind,
            difficulty=difficulty,
            tags=[t.strip() for t in tags.split(",") if t.strip()],
        )
        question = await service.add_question(session, track_slug=track, data=data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return await _form(request, session, values, error=f"{where}: {first['msg']}", status=422)
    except VivaError as error:
        return await _form(request, session, values, error=error.detail, status=error.status)
    await audit(session, actor=user, action="question.create", target=f"{track}/{question.slug}")
    await session.commit()
    await cache.invalidate()
    return RedirectResponse(f"/questions/{question.id}", status_code=303)
