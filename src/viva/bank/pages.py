"""Pages of the question bank: home, track and category lists, a question, and the authoring
form for interviewers (API: POST /api/v1/tracks/{slug}/questions)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from viva.bank import repository, service
from viva.bank.models import BUILTIN_TRACK
from viva.bank.repository import QuestionFilter
from viva.bank.schemas import UNSET, QuestionIn
from viva.deps import CacheDep, CatalogueDep, DbId, InterviewerUser, SessionDep
from viva.errors import VivaError
from viva.infra.pagination import clamp_limit, decode_cursor, encode_cursor
from viva.web.pages import render, render_private

router = APIRouter(include_in_schema=False)
# The filter form's choices; "unset" finds questions whose file gave no marker.
KINDS = ["theory", "coding", "sql", "scenario", "design", UNSET]
DIFFICULTIES = ["easy", "medium", "hard", UNSET]


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: SessionDep) -> Response:
    tracks = await service.list_tracks(session)
    return render(request, "home.html", {"tracks": tracks})


@router.get("/tracks/{slug}", response_class=HTMLResponse)
async def track_page(
    request: Request,
    slug: str,
    session: SessionDep,
    category: str | None = None,
    kind: str = "",
    difficulty: str = "",
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: str | None = None,
) -> Response:
    """The track's questions; the filter form sends empty strings for "any", so unknown
    kinds and difficulties mean no filter rather than an error page."""
    track = await service.require_track(session, slug=slug)
    categories = await service.list_categories(session, track_slug=slug)
    filters = QuestionFilter(
        slug,
        category or None,
        kind if kind in KINDS else None,
        difficulty if difficulty in DIFFICULTIES else None,
        None,
        q or None,
    )
    items, next_key = await service.list_questions(
        session,
        filters=filters,
        after=decode_cursor(cursor, size=3),
        limit=clamp_limit(50),
    )
    next_url = None
    if next_key:
        next_url = str(request.url.include_query_params(cursor=encode_cursor(next_key)))
    context = {
        "track": track,
        "categories": categories,
        "items": items,
        "next_url": next_url,
        "filters": filters,
        "kinds": KINDS,
        "difficulties": DIFFICULTIES,
        "current_category": next((c for c in categories if c.slug == category), None),
    }
    partial = (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-target") == "results"
    )
    response = render(request, "_question_list.html" if partial else "track.html", context)
    response.headers["Vary"] = "HX-Request, HX-Target"
    return response


@router.get("/tracks/{slug}/categories/{category}", response_class=HTMLResponse)
async def category_page(
    request: Request, slug: str, category: str, session: SessionDep
) -> Response:
    return await track_page(request, slug, session, category=category)


@router.get("/questions/{question_id}", response_class=HTMLResponse)
async def question_page(
    request: Request, question_id: DbId, session: SessionDep, catalogue: CatalogueDep
) -> Response:
    question = await service.get_question(session, question_id=question_id)
    track = await service.require_track(session, slug=question.track)
    practice = []
    if question.track == BUILTIN_TRACK:
        practice = catalogue.for_seed(question.number)  # seam: the challenge catalogue
    context = {"q": question, "practice": practice, "track_title": track.title}
    return render(request, "question.html", context)


@router.get("/questions/by-number/{number}", response_class=HTMLResponse)
async def question_by_number(number: int, session: SessionDep) -> Response:
    """The built-in track's question N (challenges link to the seed question they practise)."""
    q = await service.get_question_by_number(session, track_slug=BUILTIN_TRACK, number=number)
    return RedirectResponse(f"/questions/{q.id}", status_code=307)


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
    request: Request, session: SessionDep, _author: InterviewerUser, track: str = ""
) -> Response:
    return await _form(request, session, {"track": track, "kind": "theory", "difficulty": "medium"})


@router.post("/author/question", response_class=HTMLResponse)
async def create_question(
    request: Request,
    session: SessionDep,
    cache: CacheDep,
    author: InterviewerUser,
    track: Annotated[str, Form(max_length=80)],
    category: Annotated[str, Form(max_length=200)],
    text: Annotated[str, Form(max_length=5000)],
    kind: Annotated[str, Form(max_length=16)],
    difficulty: Annotated[str, Form(max_length=16)],
    tags: Annotated[str, Form(max_length=300)] = "",
) -> Response:
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
        question = await service.add_question(
            session, track_slug=track, data=data, actor=author, cache=cache
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return await _form(request, session, values, error=f"{where}: {first['msg']}", status=422)
    except VivaError as error:
        return await _form(request, session, values, error=error.detail, status=error.status)
    return RedirectResponse(f"/questions/{question.id}", status_code=303)
