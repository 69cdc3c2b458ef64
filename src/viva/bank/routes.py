"""REST API v1 of the question bank: tracks, categories, questions, answers, import, export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, UploadFile
from fastapi.responses import PlainTextResponse

from viva.bank import service
from viva.bank.repository import QuestionFilter
from viva.bank.schemas import (
    AnswerOut,
    CategoryOut,
    DifficultyFilter,
    ImportPreview,
    ImportReport,
    KindFilter,
    QuestionDetail,
    QuestionIn,
    QuestionPage,
    TrackOut,
)
from viva.deps import AdminUser, CacheDep, DbId, InterviewerUser, SessionDep, SettingsDep
from viva.errors import ImportRejected, problem_responses
from viva.infra.cache import PUBLIC
from viva.infra.pagination import clamp_limit, decode_cursor, encode_cursor

router = APIRouter(
    prefix="/api/v1", tags=["bank"], responses=problem_responses(400, 401, 403, 404, 413, 422)
)
ExportFormat = Annotated[
    str, Query(pattern="^(md|json|anki-tsv)$", description="md, json or anki-tsv")
]


def _public(response: Response) -> None:
    response.headers["Cache-Control"] = PUBLIC


@router.get("/tracks", response_model=list[TrackOut])
async def list_tracks(session: SessionDep, response: Response) -> list[TrackOut]:
    _public(response)
    return await service.list_tracks(session)


@router.get("/tracks/{slug}/categories", response_model=list[CategoryOut])
async def list_categories(slug: str, session: SessionDep, response: Response) -> list[CategoryOut]:
    _public(response)
    return await service.list_categories(session, track_slug=slug)


@router.get("/questions", response_model=QuestionPage)
async def list_questions(
    request: Request,
    session: SessionDep,
    response: Response,
    track: str | None = None,
    category: str | None = None,
    kind: KindFilter | None = None,
    difficulty: DifficultyFilter | None = None,
    tag: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="full-text search")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> QuestionPage:
    _public(response)
    after = decode_cursor(cursor, size=3)
    filters = QuestionFilter(track, category, kind, difficulty, tag, q)
    items, next_key = await service.list_questions(
        session,
        filters=filters,
        after=after,
        limit=clamp_limit(limit),
    )
    next_cursor = encode_cursor(next_key) if next_key else None
    next_url = str(request.url.include_query_params(cursor=next_cursor)) if next_cursor else None
    return QuestionPage(items=items, next=next_url, next_cursor=next_cursor)


@router.get("/questions/{question_id}", response_model=QuestionDetail)
async def get_question(
    question_id: DbId, session: SessionDep, response: Response
) -> QuestionDetail:
    _public(response)
    return await service.get_question(session, question_id=question_id)


@router.get("/questions/{question_id}/answer", response_model=AnswerOut)
async def get_answer(question_id: DbId, session: SessionDep, response: Response) -> AnswerOut:
    _public(response)
    return await service.get_answer(session, question_id=question_id)


@router.post("/tracks/import", response_model=ImportReport | ImportPreview, status_code=201)
async def import_track(
    response: Response,
    file: UploadFile,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
    admin: AdminUser,
    track: Annotated[str | None, Query(max_length=80)] = None,
    dry_run: Annotated[
        bool, Query(description="only report what the import would read; write nothing")
    ] = False,
    answers: Annotated[bool, Query(description="import the file's answers")] = True,
) -> ImportReport | ImportPreview:
    """Import a Markdown question list, a Viva JSON export or an Anki TSV deck (field `file`).
    With `dry_run=true`: a summary (questions per category, answers, the first questions,
    warnings grouped by kind) and status 200; nothing is written."""
    data = await file.read(settings.max_import_bytes + 1)
    if not data:
        raise ImportRejected("file is empty")
    if dry_run:
        response.status_code = 200
        return await service.preview_file(
            session,
            data=data,
            filename=file.filename or "import.md",
            track_slug=track,
            max_bytes=settings.max_import_bytes,
            answers=answers,
        )
    return await service.import_file(
        session,
        data=data,
        filename=file.filename or "import.md",
        track_slug=track,
        max_bytes=settings.max_import_bytes,
        answers=answers,
        actor=admin,
        cache=cache,
    )


@router.post("/tracks/{slug}/questions", response_model=QuestionDetail, status_code=201)
async def add_question(
    slug: str, body: QuestionIn, session: SessionDep, cache: CacheDep, author: InterviewerUser
) -> QuestionDetail:
    """Interviewers author questions: appended to the named category (created when new)."""
    return await service.add_question(
        session, track_slug=slug, data=body, actor=author, cache=cache
    )


@router.get("/tracks/{slug}/export", response_class=PlainTextResponse)
async def export_track(slug: str, session: SessionDep, format: ExportFormat = "json") -> Response:
    content, media_type, filename = await service.export_track(session, slug=slug, fmt=format)
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
