"""REST API v1 of mock interviews: templates, interviews (alone or invited), answers,
hints, the interviewer's scores and decision, and the report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from viva.accounts.models import User
from viva.deps import CurrentPrincipal, CurrentUser, DbId, SessionDep, SettingsDep
from viva.errors import Forbidden, problem_responses
from viva.practice import mock, mock_report, mock_templates
from viva.practice.dependencies import InterviewDep, InterviewItemDep, Position
from viva.practice.models import MockInterview
from viva.practice.schemas import (
    DecisionIn,
    HintOut,
    InterviewIn,
    InterviewOut,
    ItemIn,
    ItemOut,
    ReportOut,
    ScoreIn,
    TemplateIn,
    TemplateOut,
)

router = APIRouter(
    prefix="/api/v1", tags=["practice"], responses=problem_responses(401, 403, 404, 409, 422)
)


@router.get("/mock/templates", response_model=list[TemplateOut])
async def templates(session: SessionDep) -> list[TemplateOut]:
    return [
        TemplateOut.model_validate(t, from_attributes=True)
        for t in await mock_templates.list_templates(session)
    ]


@router.post("/mock/templates", response_model=TemplateOut, status_code=201)
async def create_template(
    body: TemplateIn, principal: CurrentPrincipal, session: SessionDep
) -> TemplateOut:
    """Interviewers define templates: track, length, category weights, difficulty mix."""
    template = await mock_templates.create_template(
        session,
        slug=body.slug,
        title=body.title,
        track_slug=body.track,
        duration_seconds=body.duration_seconds,
        question_count=body.question_count,
        category_weights=body.category_weights,
        difficulty_mix=body.difficulty_mix,
        hint_penalty=body.hint_penalty,
        actor=principal.user,
        challenge_kinds=list(body.challenge_kinds),
    )
    return TemplateOut.model_validate(template, from_attributes=True)


def interview_out(
    interview: MockInterview, user: User, *, invite_url: str | None = None
) -> InterviewOut:
    # Hand-written: the caller's role is computed, and each item shows its question's number,
    # text and category (the row holds only the question's id) and its hints' texts.
    role = mock.role_of(interview, user) or "candidate"
    return InterviewOut(
        id=interview.id,
        title=interview.title,
        status=interview.status,
        role=role,
        candidate_id=interview.candidate_id,
        interviewer_id=interview.interviewer_id,
        duration_seconds=interview.duration_seconds,
        started_at=interview.started_at,
        deadline=interview.deadline,
        submitted_at=interview.submitted_at,
        auto_submitted=interview.auto_submitted,
        current=interview.current,
        items=[
            ItemOut(
                position=i.position,
                question_id=i.question_id,
                number=i.question.number,
                text=i.question.text,
                category=i.question.category.title,
                answer=i.answer,
                notes=i.notes,
                hints=[h["text"] for h in i.hints],
                time_spent_ms=i.time_spent_ms,
            )
            for i in interview.items
        ],
        invite_url=invite_url,
    )


@router.post("/mock/interviews", response_model=InterviewOut, status_code=201)
async def create_interview(
    body: InterviewIn, request: Request, principal: CurrentPrincipal, session: SessionDep
) -> InterviewOut:
    """Practise alone, or (interviewers) invite a candidate: `candidate_id` or `invite`."""
    interview, token = await mock.create(
        session,
        actor=principal.user,
        template_slug=body.template,
        candidate_id=body.candidate_id,
        interviewer_mode=body.invite,
        duration_seconds=body.duration_seconds,
        question_count=body.question_count,
        seed=body.seed,
    )
    url = str(request.url_for("accept_invite_page", token=token)) if token else None
    return interview_out(interview, principal.user, invite_url=url)


@router.get("/mock/interviews", response_model=list[InterviewOut])
async def my_interviews(principal: CurrentPrincipal, session: SessionDep) -> list[InterviewOut]:
    """The interviews you take or run, newest first."""
    interviews = await mock.interviews_of(session, user=principal.user)
    return [interview_out(interview, principal.user) for interview in interviews]


@router.get("/mock/interviews/{interview_id}", response_model=InterviewOut)
async def get_interview(interview: InterviewDep, user: CurrentUser) -> InterviewOut:
    return interview_out(interview, user)


@router.post("/mock/invites/{token}", response_model=InterviewOut)
async def accept_invite(
    token: str, principal: CurrentPrincipal, session: SessionDep
) -> InterviewOut:
    """Take the interview an interviewer invited you to."""
    accepted = await mock.accept_invite(session, token=token, user=principal.user)
    interview = await mock.visible(session, interview_id=accepted.id, user=principal.user)
    return interview_out(interview, principal.user)


@router.post("/mock/interviews/{interview_id}/start", response_model=InterviewOut)
async def start_interview(
    interview: InterviewDep, user: CurrentUser, session: SessionDep
) -> InterviewOut:
    """Start the clock: the deadline is now + the duration."""
    await mock.start(session, interview=interview, user=user)
    return interview_out(interview, user)


@router.put("/mock/interviews/{interview_id}/items/{position}", response_model=InterviewOut)
async def save_item(
    interview_id: DbId,
    position: Position,
    body: ItemIn,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> InterviewOut:
    """Save an answer and notes; `go_to` moves to another question (time is counted)."""
    # Loaded here, not by InterviewDep: a malformed body is a 422 even for an interview the
    # caller cannot see (a dependency would answer 404 before the body is validated).
    interview = await mock.visible(session, interview_id=interview_id, user=principal.user)
    await mock.save(
        session,
        interview=interview,
        user=principal.user,
        position=position,
        answer=body.answer,
        notes=body.notes,
        go_to=body.go_to,
    )
    return interview_out(interview, principal.user)


@router.post("/mock/interviews/{interview_id}/items/{position}/hint", response_model=HintOut)
async def take_hint(at: InterviewItemDep, user: CurrentUser, session: SessionDep) -> HintOut:
    """The start of the next key point; each hint costs points and is logged."""
    interview, position = at
    text = await mock.hint(session, interview=interview, user=user, position=position)
    return HintOut(hint=text, hints_used=len(interview.items[position].hints))


@router.post("/mock/interviews/{interview_id}/submit", response_model=InterviewOut)
async def submit_interview(
    interview: InterviewDep, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> InterviewOut:
    if mock.role_of(interview, user) != "candidate":
        raise Forbidden("only the candidate submits the interview")
    await mock.submit(session, interview=interview, fuzz=settings.review_fuzzing)
    return interview_out(interview, user)


@router.put("/mock/interviews/{interview_id}/items/{position}/score", status_code=204)
async def score_item(
    interview_id: DbId,
    position: Position,
    body: ScoreIn,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> Response:
    """The interviewer scores each key point 1-4, with private notes."""
    # Loaded here, not by InterviewDep: see save_item
    interview = await mock.visible(session, interview_id=interview_id, user=principal.user)
    await mock.score(
        session,
        interview=interview,
        user=principal.user,
        position=position,
        rubric=body.rubric,
        private_notes=body.private_notes,
    )
    return Response(status_code=204)


@router.post("/mock/interviews/{interview_id}/decision", response_model=InterviewOut)
async def decide(
    interview_id: DbId,
    body: DecisionIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> InterviewOut:
    """Hire / no-hire and a private summary; `release` shows the report to the candidate."""
    # Loaded here, not by InterviewDep: see save_item
    interview = await mock.visible(session, interview_id=interview_id, user=principal.user)
    await mock.decide(
        session,
        interview=interview,
        user=principal.user,
        signal=body.signal,
        private_summary=body.private_summary,
        release=body.release,
        fuzz=settings.review_fuzzing,
    )
    return interview_out(interview, principal.user)


@router.get(
    "/mock/interviews/{interview_id}/report",
    response_model=ReportOut,
    responses={200: {"content": {"text/markdown": {}}}},
)
async def get_report(
    interview_id: DbId,
    principal: CurrentPrincipal,
    session: SessionDep,
    format: Annotated[str, Query(pattern="^(json|md)$")] = "json",
) -> ReportOut | Response:
    """The report (`format=md` for Markdown); candidates see it once it is released."""
    # Loaded here, not by InterviewDep (a bad `format` is a 422 first): see save_item
    interview = await mock.visible(session, interview_id=interview_id, user=principal.user)
    r = mock_report.report(interview, viewer=principal.user)
    if format == "md":
        return Response(
            mock_report.report_markdown(r),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="mock-{r.id}.md"'},
        )
    return r
