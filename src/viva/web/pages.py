"""The shared page renderer (Jinja2 + HTMX): templates, Markdown filter, static files.

Each domain's pages live in the domain (`bank/pages.py`, `accounts/pages.py`...) and render
through `render` / `render_private` here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from viva.deps import SessionDep, SettingsDep
from viva.grading import authored
from viva.grading import service as grading
from viva.infra.cache import PUBLIC
from viva.web.cookies import CSRF_COOKIE
from viva.web.markdown import render_markdown

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(directory=WEB_DIR / "templates")
templates.env.filters["markdown"] = render_markdown
router = APIRouter(include_in_schema=False)
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


CHALLENGE_KINDS = ["function", "class", "fastapi", "sql"]


@router.get("/challenges", response_class=HTMLResponse)
async def challenges_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    kind: str = "",
    difficulty: str = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Every challenge, filtered by kind, difficulty and words of the title, slug or tags
    (unknown filter values mean no filter, as on the track pages)."""
    await authored.refresh(session)
    everything = grading.list_challenges()
    words = q.lower().split()
    shown = [
        c
        for c in everything
        if (kind not in CHALLENGE_KINDS or c.kind == kind)
        and (difficulty not in DIFFICULTIES or c.difficulty == difficulty)
        and all(w in " ".join([c.title, c.slug, *c.tags]).lower() for w in words)
    ]
    context = {
        "challenges": shown,
        "total": len(everything),
        "filters": {"kind": kind, "difficulty": difficulty, "q": q},
        "kinds": CHALLENGE_KINDS,
        "difficulties": DIFFICULTIES,
        "grading_unavailable": grading.grading_unavailable(settings),
    }
    return render(request, "challenges.html", context)


@router.get("/challenges/{slug}", response_class=HTMLResponse)
async def challenge_page(
    request: Request, slug: str, session: SessionDep, settings: SettingsDep
) -> Response:
    await authored.ensure(session, slug=slug)
    detail = grading.challenge_detail(slug)
    # Offer only the SQL dialects this server can grade: PostgreSQL needs its own database.
    offered = [d for d in detail.dialects if d != "postgres" or settings.sql_postgres_url]
    context = {
        "c": detail.model_copy(update={"dialects": offered}),
        "grading_unavailable": grading.grading_unavailable(settings),
    }
    return render(request, "challenge.html", context)
