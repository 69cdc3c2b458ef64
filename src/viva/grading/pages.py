"""Challenge pages: the list, one challenge (the editor posts to the API), and the authoring
form for interviewers (the API is POST /api/v1/challenges)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from viva.accounts.auth import require_role, resolve
from viva.accounts.roles import Role
from viva.deps import CacheDep, CatalogueDep, ChallengeDep, SessionDep, SettingsDep
from viva.errors import VivaError
from viva.grading import authoring
from viva.grading.dependencies import GradingDep
from viva.grading.details import detail
from viva.grading.grader import grading_unavailable
from viva.web.pages import DIFFICULTIES, render, render_private

router = APIRouter(include_in_schema=False)
SOURCE = 64 * 1024
CHALLENGE_KINDS = ["function", "class", "fastapi", "sql", "tests"]

EXAMPLE_TESTS = """\
- {name: inside the range, kind: call, call: clamp, args: [5, 0, 10], expected: 5}
- {name: below, kind: call, call: clamp, args: [-3, 0, 10], expected: 0, hidden: true}
- {name: above, kind: call, call: clamp, args: [99, 0, 10], expected: 10, hidden: true}
"""


@router.get("/challenges", response_class=HTMLResponse)
async def challenges_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    kind: str = "",
    difficulty: str = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Every challenge, filtered by kind, difficulty and words of the title, slug or tags
    (unknown filter values mean no filter, as on the track pages)."""
    await catalogue.refresh(session)
    everything = catalogue.summaries()
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
        "grading_unavailable": grading_unavailable(settings),
    }
    return render(request, "challenges.html", context)


@router.get("/challenges/{slug}", response_class=HTMLResponse)
async def challenge_page(
    request: Request, challenge: ChallengeDep, settings: SettingsDep
) -> Response:
    shown = await asyncio.to_thread(detail, challenge)
    # Offer only the SQL dialects this server can grade: PostgreSQL needs its own database.
    offered = [d for d in shown.dialects if d != "postgres" or settings.sql_postgres_url]
    context = {
        "c": shown.model_copy(update={"dialects": offered}),
        "grading_unavailable": grading_unavailable(settings),
    }
    return render(request, "challenge.html", context)


def _form(
    request: Request, values: dict[str, Any], *, error: str = "", status: int = 200
) -> Response:
    context = {"v": values, "error": error, "example_tests": EXAMPLE_TESTS}
    return render_private(request, "challenge_new.html", context, status=status)


@router.get("/author/challenge", response_class=HTMLResponse)
async def new_challenge(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    require_role(await resolve(request, session, settings), Role.INTERVIEWER)
    return _form(request, {"kind": "function", "difficulty": "medium", "tests": EXAMPLE_TESTS})


@router.post("/author/challenge", response_class=HTMLResponse)
async def create_challenge(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    grading: GradingDep,
    cache: CacheDep,
    slug: Annotated[str, Form(max_length=61)],
    title: Annotated[str, Form(max_length=120)],
    kind: Annotated[str, Form(max_length=16)],
    difficulty: Annotated[str, Form(max_length=16)],
    prompt: Annotated[str, Form(max_length=20_000)],
    starter: Annotated[str, Form(max_length=SOURCE)],
    solution: Annotated[str, Form(max_length=SOURCE)],
    tests: Annotated[str, Form(max_length=200_000)],
    tags: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Validate, prove the reference in the sandbox, store; or show the form with the reason."""
    user = require_role(await resolve(request, session, settings), Role.INTERVIEWER)
    values = {
        "slug": slug,
        "title": title,
        "kind": kind,
        "difficulty": difficulty,
        "prompt": prompt,
        "starter": starter,
        "solution": solution,
        "tests": tests,
        "tags": tags,
    }
    try:
        parsed = yaml.safe_load(tests)
    except yaml.YAMLError as exc:
        return _form(request, values, error=f"tests: not valid YAML ({exc})", status=422)
    meta: dict[str, Any] = {
        "title": title,
        "kind": kind,
        "difficulty": difficulty,
        "tags": [t.strip() for t in tags.split(",") if t.strip()][:10],
    }
    versions: dict[str, Any] = {}
    if kind == "tests":  # the module under test, its rewrites and mutants, as one mapping
        if not isinstance(parsed, dict) or not isinstance(parsed.get("mutants"), list):
            error = "tests: for the tests kind, a YAML mapping with module, module_source, "
            error += "threshold, variants and mutants"
            return _form(request, values, error=error, status=422)
        meta |= {"module": parsed.get("module"), "threshold": parsed.get("threshold", 1.0)}
        versions = parsed
        parsed = []
    if isinstance(parsed, dict):
        parsed = parsed.get("tests")
    if not isinstance(parsed, list) or not all(isinstance(t, dict) for t in parsed):
        return _form(request, values, error="tests: a YAML list of tests", status=422)
    try:
        await authoring.create(
            grading,
            session,
            cache=cache,
            actor=user,
            slug=slug,
            meta=meta,
            tests=parsed,
            prompt=prompt,
            starter=starter,
            solution=solution,
            module=str(versions.get("module_source") or ""),
            variants=list(versions.get("variants") or []),
            mutants=list(versions.get("mutants") or []),
        )
    except VivaError as error:
        return _form(request, values, error=error.detail, status=error.status)
    return RedirectResponse(f"/challenges/{slug}", status_code=303)
