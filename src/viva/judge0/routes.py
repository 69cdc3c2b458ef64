"""The Judge0 CE 1.13 API subset that clients use (paths relative to /judge0).

Routes parse the query and the body, call one service function and render; errors are
Judge0's own shapes (viva.judge0.errors), never Viva's problem+json.
"""

from __future__ import annotations

import json
import os
import platform
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from viva import __version__
from viva.db import Database
from viva.grading.queue import GradingQueue
from viva.grading.service import GradingContext
from viva.infra.ratelimit import RateLimiter
from viva.judge0 import service, views
from viva.judge0.config import config_info
from viva.judge0.errors import BadRequest, NotFound
from viva.judge0.languages import LANGUAGES
from viva.judge0.models import Judge0Submission
from viva.judge0.schemas import flag, requested_fields
from viva.judge0.statuses import DESCRIPTIONS
from viva.settings import Settings

JUDGE0_VERSION = "1.13.1"  # the Judge0 CE API this follows (the SDK maps language aliases by it)
WAIT_MARGIN_SECONDS = 30.0

router = APIRouter()


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _grading(request: Request) -> GradingContext:
    grading: GradingContext = request.app.state.grading
    return grading


def _queue(request: Request) -> GradingQueue:
    """The grading queue Judge0 jobs share with Viva's own submissions."""
    queue: GradingQueue = request.app.state.grading_queue
    return queue


async def _caller(request: Request, *, authorize: bool = False) -> service.Caller:
    return await service.identify(
        _database(request),
        token=request.headers.get("x-auth-token"),
        user_token=request.headers.get("x-auth-user"),
        extensions=request.headers.get("x-viva-extensions"),
        need_authorization=authorize,
    )


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the request body is not valid JSON") from None


# Information --------------------------------------------------------------------------------


@router.get("/about")
async def about() -> dict[str, Any]:
    return {
        "version": JUDGE0_VERSION,
        "homepage": None,
        "source_code": None,
        "maintainer": "Viva (a Judge0-compatible API; docs/judge0.md)",
        "viva_version": __version__,
    }


@router.get("/config_info")
async def get_config_info(request: Request) -> dict[str, Any]:
    return config_info(_settings(request).judge0)


@router.get("/languages")
async def languages() -> list[dict[str, object]]:
    return [language.summary() for language in LANGUAGES.values()]


@router.get("/languages/all")
async def all_languages() -> list[dict[str, object]]:
    return [{**language.summary(), "is_archived": False} for language in LANGUAGES.values()]


@router.get("/languages/{language_id}")
async def language(language_id: str) -> dict[str, object]:
    found = LANGUAGES.get(int(language_id)) if language_id.isdigit() else None
    if found is None:
        raise NotFound()
    return found.detail()


@router.get("/statuses")
async def statuses() -> list[dict[str, object]]:
    """Judge0's 14, and 15 (Memory Limit Exceeded), Viva's extension: sent in results only
    to clients that send `X-Viva-Extensions: mle` (others see 12, Runtime Error (Other))."""
    return [{"id": int(s), "description": d} for s, d in DESCRIPTIONS.items()]


@router.get("/system_info")
async def system_info(request: Request) -> dict[str, Any]:
    """What applies of Judge0's lscpu/free output (operators only: X-Auth-User)."""
    await _caller(request, authorize=True)
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    return {
        "Architecture": platform.machine(),
        "CPU(s)": str(os.cpu_count() or 0),
        "Mem": f"{pages * page_size // (1024 * 1024)}M",
        "Operating system": f"{platform.system()} {platform.release()}",
        "Sandbox": _settings(request).sandbox,
    }


@router.get("/workers")
async def workers(request: Request) -> list[dict[str, Any]]:
    await _caller(request)
    return [{"queue": JUDGE0_VERSION, **await service.workers(_grading(request), _queue(request))}]


@router.post("/authenticate")
async def authenticate(request: Request) -> Response:
    await _caller(request)
    return Response(status_code=200)


@router.post("/authorize")
async def authorize(request: Request) -> Response:
    await _caller(request, authorize=True)
    return Response(status_code=200)


# Submissions --------------------------------------------------------------------------------


def _view(
    request: Request, caller: service.Caller, row: Judge0Submission, fields: list[str]
) -> Any:
    encoded = flag(request.query_params.get("base64_encoded"))
    return views.render(row, fields, encoded=encoded, caller=caller)


@router.post("/submissions")
async def create_submission(request: Request) -> JSONResponse:
    caller = await _caller(request)
    wait = flag(request.query_params.get("wait"))
    fields = requested_fields(request.query_params.get("fields"))
    body = await _json(request)
    settings = _settings(request)
    limiter: RateLimiter = request.app.state.rate_limiter
    await service.count_quota(limiter, settings, caller, 1)
    queue = _queue(request)
    [entry] = await service.create(
        _grading(request),
        queue,
        caller=caller,
        bodies=[body],
        base64_encoded=flag(request.query_params.get("base64_encoded")),
    )
    if isinstance(entry, dict):
        return JSONResponse(entry, status_code=422)
    if not wait:
        return JSONResponse({"token": entry.token}, status_code=201)
    options = entry.options
    seconds = float(options["wall_time_limit"]) * int(options["number_of_runs"])
    seconds *= max(1, len(entry.viva_tests or []))
    await queue.wait(entry.submission_id, seconds + WAIT_MARGIN_SECONDS)
    row = await service.get(_database(request), caller=caller, token=entry.token)
    try:
        return JSONResponse(_view(request, caller, row, fields), status_code=201)
    except BadRequest as exc:  # Judge0 names the token, the submission was made
        return JSONResponse({**exc.body, "token": row.token}, status_code=201)


@router.get("/submissions")
async def list_submissions(request: Request) -> dict[str, Any]:
    caller = await _caller(request, authorize=True)
    fields = requested_fields(request.query_params.get("fields"))
    number = _integer(request.query_params.get("page"), 1)
    per_page = _integer(request.query_params.get("per_page"), 20)
    if number <= 0:
        raise BadRequest(f"invalid page: {number}")
    if per_page < 0 or per_page > service.PER_PAGE_MAX:
        raise BadRequest(f"invalid per_page: {per_page}")
    rows, meta = await service.page(_database(request), number=number, per_page=per_page)
    try:
        shown = [_view(request, caller, row, fields) for row in rows]
    except BadRequest:
        raise BadRequest(
            "some attributes for one or more submissions cannot be converted to UTF-8, "
            "use base64_encoded=true query parameter"
        ) from None
    return {"submissions": shown, "meta": meta}


def _integer(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        return 0


def _batch_size(request: Request, count: int) -> None:
    limit = _settings(request).judge0.max_submission_batch_size
    if count > limit:
        raise BadRequest(
            f"number of submissions in a batch should be less than or equal to {limit}"
        )
    if count == 0:
        raise BadRequest("there should be at least one submission in a batch")


@router.post("/submissions/batch")
async def create_batch(request: Request) -> JSONResponse:
    """Judge0 ignores `fields` and `wait` here: each entry is a token or its errors."""
    caller = await _caller(request)
    body = await _json(request)
    bodies = body.get("submissions") if isinstance(body, dict) else None
    if not isinstance(bodies, list):
        bodies = []
    _batch_size(request, len(bodies))
    settings = _settings(request)
    await service.count_quota(request.app.state.rate_limiter, settings, caller, len(bodies))
    entries = await service.create(
        _grading(request),
        _queue(request),
        caller=caller,
        bodies=bodies,
        base64_encoded=flag(request.query_params.get("base64_encoded")),
    )
    shown = [e if isinstance(e, dict) else {"token": e.token} for e in entries]
    stored = any(not isinstance(e, dict) for e in entries)
    return JSONResponse(shown, status_code=201 if stored else 422)


@router.get("/submissions/batch")
async def get_batch(request: Request) -> dict[str, Any]:
    caller = await _caller(request)
    fields = requested_fields(request.query_params.get("fields"))
    raw = request.query_params.get("tokens") or request.headers.get("tokens") or ""
    tokens = [t for t in raw.strip().split(",") if t]
    _batch_size(request, len(tokens))
    rows = await service.get_many(_database(request), caller=caller, tokens=tokens)
    try:
        shown = [_view(request, caller, row, fields) if row else None for row in rows]
    except BadRequest:
        raise BadRequest(
            "some attributes for one or more submissions cannot be converted to UTF-8, "
            "use base64_encoded=true query parameter"
        ) from None
    return {"submissions": shown}


@router.get("/submissions/{token}")
async def get_submission(token: str, request: Request) -> Any:
    caller = await _caller(request)
    fields = requested_fields(request.query_params.get("fields"))
    row = await service.get(_database(request), caller=caller, token=token)
    return _view(request, caller, row, fields)


@router.delete("/submissions/{token}")
async def delete_submission(token: str, request: Request) -> Any:
    """Judge0: only with enable_submission_delete, for an authorized caller, and never while
    queued or running; the answer is the deleted submission, base64-encoded."""
    caller = await _caller(request, authorize=True)
    fields = requested_fields(request.query_params.get("fields"))
    row = await service.delete_submission(
        _database(request), settings=_settings(request), caller=caller, token=token
    )
    return views.render(row, fields, encoded=True, caller=caller)
