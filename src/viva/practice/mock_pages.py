"""Mock interview pages: the list and new-interview form, the invite link, the interview
against the clock, the report (HTML and Markdown) and the interviewer's scoring form."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from viva.accounts.models import User
from viva.accounts.public import candidates_of
from viva.accounts.roles import Role
from viva.bank.service import BUILTIN_TRACK
from viva.clock import now
from viva.deps import DbId, SessionDep, SettingsDep
from viva.errors import Conflict, Forbidden, InvalidMock, MockError
from viva.practice import mock, mock_templates
from viva.practice import mock_report as reports
from viva.practice.dependencies import InterviewPageDep
from viva.practice.pages import LONG_TEXT, signed_in
from viva.web.pages import render_private

router = APIRouter(include_in_schema=False)
# What a template may offer beside each question (the API's TemplateIn.challenge_kinds).
CHALLENGE_KINDS = {
    "function": "functions",
    "class": "classes",
    "fastapi": "FastAPI apps (performance and debugging too)",
    "sql": "SQL",
    "tests": "test writing (graded by mutants)",
}


@router.get("/mock", response_class=HTMLResponse)
async def mock_index(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    user = await signed_in(request, session, settings)
    return await _index(request, session, user)


async def _index(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    template_error: str = "",
    template_form: dict[str, Any] | None = None,
) -> Response:
    interviews = await mock.interviews_of(session, user=user)
    candidates = (
        await candidates_of(session, interviewer=user)
        if Role(user.role).includes(Role.INTERVIEWER)
        else []
    )
    return render_private(
        request,
        "mock_index.html",
        {
            "user": user,
            "templates": await mock_templates.list_templates(session),
            "interviews": interviews,
            "candidates": candidates,
            "invite": request.query_params.get("invite"),
            "challenge_kinds": CHALLENGE_KINDS,
            "template_error": template_error,
            "template_form": template_form or {},
        },
        status=422 if template_error else 200,
    )


@router.post("/mock/templates")
async def mock_template_create(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    slug: Annotated[str, Form(max_length=60)],
    title: Annotated[str, Form(max_length=200)],
    minutes: Annotated[float, Form(ge=1, le=240)],
    question_count: Annotated[int, Form(ge=1, le=50)],
    hint_percent: Annotated[float, Form(ge=0, le=100)] = 10,
    challenge_kinds: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Interviewers define a template from the form: length, questions, hint cost, and the
    kinds of hands-on challenges offered beside each question of the built-in track."""
    user = await signed_in(request, session, settings)
    if not Role(user.role).includes(Role.INTERVIEWER):
        raise Forbidden("templates are defined by interviewers")
    kinds = list(challenge_kinds or [])
    form = {
        "slug": slug,
        "title": title,
        "minutes": minutes,
        "question_count": question_count,
        "hint_percent": hint_percent,
        "challenge_kinds": kinds,
    }
    unknown = sorted(set(kinds) - set(CHALLENGE_KINDS))
    try:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,58}", slug):
            raise InvalidMock("the slug is 2-59 lowercase letters, digits and hyphens")
        if not title.strip():
            raise InvalidMock("the template needs a title")
        if unknown:
            raise InvalidMock(f"unknown challenge kinds: {', '.join(unknown)}")
        await mock_templates.create_template(
            session,
            slug=slug,
            title=title.strip(),
            track_slug=BUILTIN_TRACK,
            duration_seconds=int(minutes * 60),
            question_count=question_count,
            category_weights={},
            difficulty_mix={},
            hint_penalty=hint_percent / 100,
            actor=user,
            challenge_kinds=kinds,
        )
    except (InvalidMock, Conflict) as exc:
        return await _index(request, session, user, template_error=exc.detail, template_form=form)
    return RedirectResponse("/mock", status_code=303)


@router.post("/mock")
async def mock_create(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    template: Annotated[str, Form(max_length=60)],
    minutes: Annotated[float | None, Form(gt=0, le=240)] = None,
    question_count: Annotated[int | None, Form(ge=1, le=50)] = None,
    candidate_id: Annotated[str, Form(max_length=20)] = "",
    mode: Annotated[str, Form(max_length=16)] = "self",
) -> Response:
    """Start practising alone, or (interviewers) create an interview with an invite link."""
    user = await signed_in(request, session, settings)
    interviewer_mode = mode == "interviewer"
    interview, token = await mock.create(
        session,
        actor=user,
        template_slug=template,
        candidate_id=int(candidate_id) if interviewer_mode and candidate_id.isdigit() else None,
        interviewer_mode=interviewer_mode,
        duration_seconds=max(5, int(minutes * 60)) if minutes else None,
        question_count=question_count,
    )
    if token:
        url = request.url_for("accept_invite_page", token=token)
        return render_private(
            request, "mock_invite.html", {"interview": interview, "url": url, "user": user}
        )
    return RedirectResponse(f"/mock/{interview.id}", status_code=303)


@router.get("/mock/invite/{token}", name="accept_invite_page")
async def accept_invite_page(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Opening the invite link binds the interview to the signed-in candidate."""
    user = await signed_in(request, session, settings)
    interview = await mock.accept_invite(session, token=token, user=user)
    return RedirectResponse(f"/mock/{interview.id}", status_code=303)


@router.get("/mock/{interview_id}", response_class=HTMLResponse)
async def mock_page(page: InterviewPageDep, request: Request, session: SessionDep) -> Response:
    interview, user = page
    role = mock.role_of(interview, user)
    if interview.status not in ("created", "running"):
        if role == "interviewer" and interview.status in ("submitted", "scored"):
            return RedirectResponse(f"/mock/{interview.id}/score", status_code=303)
        return RedirectResponse(f"/mock/{interview.id}/report", status_code=303)
    item = interview.items[interview.current] if interview.items else None
    remaining = None
    if interview.deadline is not None:
        remaining = max(0, int((interview.deadline - now()).total_seconds()))
    challenges: list[Any] = []  # the catalogue's ChallengeSummary rows
    if item is not None and role == "candidate" and interview.status == "running":
        kinds = await mock_templates.challenge_kinds(session, template_id=interview.template_id)
        if kinds:
            catalogue = request.app.state.catalogue  # seam: the challenge catalogue
            challenges = [c for c in catalogue.for_seed(item.question.number) if c.kind in kinds]
    return render_private(
        request,
        "mock_take.html",
        {
            "interview": interview,
            "item": item,
            "role": role,
            "remaining": remaining,
            "challenges": challenges,
            "user": user,
            "hint_penalty_pct": int(interview.hint_penalty * 100),
        },
    )


@router.get("/mock/{interview_id}/live", response_class=HTMLResponse)
async def mock_live(
    interview_id: DbId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The interviewer's progress panel alone, for HTMX to swap in on "mock.progress"."""
    user = await signed_in(request, session, settings)
    interview = await mock.visible(session, interview_id=interview_id, user=user)
    if mock.role_of(interview, user) == "candidate":
        raise Forbidden("the progress panel is the interviewer's")
    return render_private(request, "mock_live.html", {"interview": interview})


@router.post("/mock/{interview_id}/start")
async def mock_start(page: InterviewPageDep, session: SessionDep) -> Response:
    interview, user = page
    await mock.start(session, interview=interview, user=user)
    return RedirectResponse(f"/mock/{interview.id}", status_code=303)


@router.post("/mock/{interview_id}/save")
async def mock_save(
    interview_id: DbId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    position: Annotated[int, Form(ge=0, le=49)],
    action: Annotated[str, Form(max_length=16)],
    answer: Annotated[str, Form(max_length=LONG_TEXT)] = "",
    notes: Annotated[str, Form(max_length=5_000)] = "",
) -> Response:
    """One form does it all: save, then next / previous / hint / finish (or time's up)."""
    # Loaded here, not by InterviewPageDep: a malformed form is a 422 first (dependencies.py).
    user = await signed_in(request, session, settings)
    interview = await mock.visible(session, interview_id=interview_id, user=user)
    if interview.status != "running":  # the deadline passed before this arrived
        return RedirectResponse(f"/mock/{interview.id}", status_code=303)
    go_to = {"next": position + 1, "prev": position - 1}.get(action)
    if go_to is not None and not 0 <= go_to < len(interview.items):
        go_to = None
    await mock.save(
        session,
        interview=interview,
        user=user,
        position=position,
        answer=answer,
        notes=notes,
        go_to=go_to,
    )
    if action == "hint":
        await mock.hint(session, interview=interview, user=user, position=position)
    if action in ("finish", "timeup"):
        await mock.submit(
            session, interview=interview, auto=action == "timeup", fuzz=settings.review_fuzzing
        )
    return RedirectResponse(f"/mock/{interview.id}", status_code=303)


@router.get("/mock/{interview_id}/report", response_class=HTMLResponse)
async def mock_report(page: InterviewPageDep, request: Request) -> Response:
    interview, user = page
    try:
        report = reports.report(interview, viewer=user)
    except MockError as error:
        return render_private(
            request, "mock_wait.html", {"interview": interview, "message": error.detail}
        )
    return render_private(request, "mock_report.html", {"r": report, "user": user})


@router.get("/mock/{interview_id}/report.md")
async def mock_report_markdown(page: InterviewPageDep) -> Response:
    interview, user = page
    report = reports.report(interview, viewer=user)
    return Response(
        reports.report_markdown(report),
        media_type="text/markdown; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="mock-{report.id}.md"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/mock/{interview_id}/score", response_class=HTMLResponse)
async def mock_score_page(page: InterviewPageDep, request: Request) -> Response:
    interview, user = page
    if mock.role_of(interview, user) != "interviewer" or interview.interviewer_id is None:
        raise Forbidden("only the interviewer scores this interview")
    report = reports.report(interview, viewer=user)
    return render_private(
        request,
        "mock_score.html",
        {"r": report, "interview": interview, "user": user, "signals": mock.SIGNALS},
    )


@router.post("/mock/{interview_id}/score")
async def mock_score(
    page: InterviewPageDep, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The whole rubric in one form: rubric-P-I (1-4), notes-P, signal, summary, release."""
    interview, user = page
    form = await request.form()
    for item in interview.items:
        points = item.question.answer.key_points if item.question.answer else []
        values = [
            str(form.get(f"rubric-{item.position}-{i}", "")) for i in range(max(1, len(points)))
        ]
        if all(v.isdigit() for v in values):
            await mock.score(
                session,
                interview=interview,
                user=user,
                position=item.position,
                rubric=[int(v) for v in values],
                private_notes=str(form.get(f"notes-{item.position}", ""))[:5000],
            )
    signal = str(form.get("signal", ""))
    if signal:
        await mock.decide(
            session,
            interview=interview,
            user=user,
            signal=signal,
            private_summary=str(form.get("summary", ""))[:10_000],
            release=form.get("release") == "1",
            fuzz=settings.review_fuzzing,
        )
    return RedirectResponse(f"/mock/{interview.id}/report", status_code=303)
