"""Server-rendered pages (Jinja2 + HTMX): home, track, category, question list, question."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from viva.accounts.auth import CSRF_COOKIE
from viva.bank import service
from viva.bank.repository import QuestionFilter
from viva.deps import CatalogueDep, DbId, SessionDep
from viva.infra.cache import PUBLIC
from viva.infra.pagination import clamp_limit, decode_cursor, encode_cursor
from viva.web.markdown import render_markdown

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(directory=WEB_DIR / "templates")
templates.env.filters["markdown"] = render_markdown
router = APIRouter(include_in_schema=False)
KINDS = ["theory", "coding", "sql", "scenario", "design"]
DIFFICULTIES = ["easy", "medium", "hard"]


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    if status == 200:
        response.headers["Cache-Control"] = PUBLIC
    return response


def render_private(
    request: Request, name: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A page for the signed-in user: never cached, with the CSRF token its forms post back."""
    context = {"csrf": request.cookies.get(CSRF_COOKIE, ""), **context}
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


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
    if question.track == service.BUILTIN_TRACK:
        practice = catalogue.for_seed(question.number)
    context = {"q": question, "practice": practice, "track_title": track.title}
    return render(request, "question.html", context)


@router.get("/questions/by-number/{number}", response_class=HTMLResponse)
async def question_by_number(number: int, session: SessionDep) -> Response:
    """The built-in track's question N (challenges link to the seed question they practise)."""
    q = await service.get_question_by_number(
        session, track_slug=service.BUILTIN_TRACK, number=number
    )
    return RedirectResponse(f"/questions/{q.id}", status_code=307)
