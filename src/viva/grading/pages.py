"""The challenge authoring form for interviewers (the API is POST /api/v1/challenges)."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from viva.accounts.auth import require_role, resolve
from viva.accounts.roles import Role
from viva.deps import CacheDep, SessionDep, SettingsDep
from viva.errors import VivaError
from viva.grading import authored
from viva.web.pages import render_private

router = APIRouter(include_in_schema=False)
SOURCE = 64 * 1024

EXAMPLE_TESTS = """\
- {name: inside the range, kind: call, call: clamp, args: [5, 0, 10], expected: 5}
- {name: below, kind: call, call: clamp, args: [-3, 0, 10], expected: 0, hidden: true}
- {name: above, kind: call, call: clamp, args: [99, 0, 10], expected: 10, hidden: true}
"""


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
    if isinstance(parsed, dict):
        parsed = parsed.get("tests")
    if not isinstance(parsed, list) or not all(isinstance(t, dict) for t in parsed):
        return _form(request, values, error="tests: a YAML list of tests", status=422)
    meta = {
        "title": title,
        "kind": kind,
        "difficulty": difficulty,
        "tags": [t.strip() for t in tags.split(",") if t.strip()][:10],
    }
    try:
        await authored.create(
            session,
            settings=settings,
            actor=user,
            slug=slug,
            meta=meta,
            tests=parsed,
            prompt=prompt,
            starter=starter,
            solution=solution,
        )
    except VivaError as error:
        return _form(request, values, error=error.detail, status=error.status)
    await cache.invalidate()
    return RedirectResponse(f"/challenges/{slug}", status_code=303)
