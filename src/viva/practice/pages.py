"""Practice pages: the review queue, one review card, mock interviews and their reports,
and progress (the candidate's own, and an interviewer's candidates')."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from viva.accounts.auth import require_role, resolve
from viva.accounts.models import User
from viva.accounts.roles import Role
from viva.accounts.service import Forbidden, candidates_of, get_user, may_see_work_of, now
from viva.bank import repository
from viva.bank.service import BUILTIN_TRACK, require_track
from viva.deps import CatalogueDep, DbId, SessionDep, SettingsDep
from viva.errors import MockError, NotFound
from viva.grading.catalogue import Catalogue
from viva.practice import charts, mock, mock_templates, progress, review
from viva.practice import mock_report as reports
from viva.practice import repository as practice_repository
from viva.web.pages import render_private

router = APIRouter(include_in_schema=False)
LONG_TEXT = 20_000


async def _user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    return require_role(await resolve(request, session, settings), Role.CANDIDATE)


# Review --------------------------------------------------------------------------------------


@router.get("/practice", response_class=HTMLResponse)
async def practice_page(
    request: Request, session: SessionDep, settings: SettingsDep, track: str = BUILTIN_TRACK
) -> Response:
    user = await _user(request, session, settings)
    found = await require_track(session, slug=track)
    entries, total = await review.queue(session, user_id=user.id, track=found, at=now(), limit=100)
    setting = await review.get_setting(session, user_id=user.id, track_id=found.id)
    stats = await review.stats(session, user_id=user.id)
    return render_private(
        request,
        "practice.html",
        {
            "track": found,
            "entries": entries,
            "total": total,
            "due": sum(1 for e in entries if e.card is not None),
            "new": sum(1 for e in entries if e.card is None),
            "setting": setting,
            "stats": stats,
            "user": user,
        },
    )


@router.post("/practice/settings")
async def practice_settings(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    track: Annotated[str, Form(max_length=80)],
    desired_retention: Annotated[float, Form()],
    new_per_day: Annotated[int, Form()],
) -> Response:
    user = await _user(request, session, settings)
    found = await require_track(session, slug=track)
    await review.set_setting(
        session,
        user_id=user.id,
        track_id=found.id,
        desired_retention=desired_retention,
        new_per_day=new_per_day,
    )
    return RedirectResponse(f"/practice?track={found.slug}", status_code=303)


@router.get("/practice/next")
async def practice_next(
    request: Request, session: SessionDep, settings: SettingsDep, track: str = BUILTIN_TRACK
) -> Response:
    user = await _user(request, session, settings)
    found = await require_track(session, slug=track)
    entries, _ = await review.queue(session, user_id=user.id, track=found, at=now(), limit=1)
    if not entries:
        return RedirectResponse(f"/practice?track={found.slug}&done=1", status_code=303)
    return RedirectResponse(f"/practice/review/{entries[0].question.id}", status_code=303)


async def _card_page(
    request: Request,
    session: SessionDep,
    user: User,
    question_id: int,
    *,
    answer: str | None = None,
    disputed: int | None = None,
) -> Response:
    matches = None
    if answer is not None:
        question, matches = await review.check_answer(session, question_id=question_id, text=answer)
    else:
        found = await repository.get_question(session, question_id=question_id)
        if found is None:
            raise NotFound(f"no question with id {question_id}")
        question = found
    track = await practice_repository.track_of_question(session, question_id=question.id)
    builtin = track is not None and track.slug == BUILTIN_TRACK
    catalogue: Catalogue = request.app.state.catalogue
    return render_private(
        request,
        "review.html",
        {
            "q": question,
            "answer": answer,
            "matches": matches,
            "covered": sum(m.covered for m in matches) if matches else 0,
            "challenges": catalogue.for_seed(question.number) if builtin else [],
            "track": track,
            "user": user,
            "disputed": disputed,
            "intervals": await review.next_intervals(
                session, user_id=user.id, question_id=question.id
            )
            if answer is not None
            else {},
        },
    )


@router.get("/practice/review/{question_id}", response_class=HTMLResponse)
async def review_card(
    question_id: DbId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    user = await _user(request, session, settings)
    return await _card_page(request, session, user, question_id)


@router.post("/practice/review/{question_id}/reveal", response_class=HTMLResponse)
async def review_reveal(
    question_id: DbId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    answer: Annotated[str, Form(max_length=LONG_TEXT)] = "",
) -> Response:
    """Show the model answer and, for a typed answer, the key points it covered."""
    user = await _user(request, session, settings)
    return await _card_page(request, session, user, question_id, answer=answer)


@router.post("/practice/review/{question_id}/dispute", response_class=HTMLResponse)
async def review_dispute(
    question_id: DbId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    point: Annotated[int, Form(ge=0, le=100)],
    answer: Annotated[str, Form(max_length=LONG_TEXT)] = "",
) -> Response:
    """Record "I did cover this" for a key point the checker did not credit."""
    user = await _user(request, session, settings)
    await review.dispute_point(
        session, user_id=user.id, question_id=question_id, point_index=point, text=answer
    )
    return await _card_page(request, session, user, question_id, answer=answer, disputed=point)


@router.post("/practice/review/{question_id}/rate")
async def review_rate(
    question_id: DbId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    rating: Annotated[str, Form(max_length=8)],
    coverage: Annotated[float | None, Form(ge=0, le=1)] = None,
) -> Response:
    user = await _user(request, session, settings)
    card = await review.rate(
        session,
        user_id=user.id,
        question_id=question_id,
        rating=review.parse_rating(rating),
        coverage=coverage,
        fuzz=settings.review_fuzzing,
    )
    track = await practice_repository.track_of_question(session, question_id=card.question_id)
    slug = track.slug if track else BUILTIN_TRACK
    return RedirectResponse(f"/practice/next?track={slug}", status_code=303)


# Mock interviews ------------------------------------------------------------------------------


@router.get("/mock", response_class=HTMLResponse)
async def mock_index(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    user = await _user(request, session, settings)
    interviews = await mock.interviews_of(session, user=user)
    candidates = (
        await candidates_of(session, interviewer=user)
        if user.role in ("interviewer", "admin")
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
        },
    )


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
    user = await _user(request, session, settings)
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
    user = await _user(request, session, settings)
    interview = await mock.accept_invite(session, token=token, user=user)
    return RedirectResponse(f"/mock/{interview.id}", status_code=303)


@router.get("/mock/{interview_id}", response_class=HTMLResponse)
async def mock_page(
    interview_id: DbId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    user = await _user(request, session, settings)
    interview = await mock.visible(session, interview_id=interview_id, user=user)
    role = mock.role_of(interview, user)
    if interview.status not in ("created", "running"):
        if role == "interviewer" and interview.status in ("submitted", "scored"):
            return RedirectResponse(f"/mock/{interview.id}/score", status_code=303)
        return RedirectResponse(f"/mock/{interview.id}/report", status_code=303)
    item = interview.items[interview.current] if interview.items else None
    remaining = None
    if interview.deadline is not None:
        remaining = max(0, int((interview.deadline - now()).total_seconds()))
    return render_private(
        request,
        "mock_take.html",
        {
            "interview": interview,
            "item": item,
            "role": role,
            "remaining": remaining,
            "user": user,
            "hint_penalty_pct": int(interview.hint_penalty * 100),
        },
    )


@router.post("/mock/{interview_id}/start")
async def mock_start(
    interview_id: DbId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    user = await _user(request, session, settings)
    interview = await mock.visible(session, interview_id=interview_id, user=user)
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
    user = await _user(request, session, settings)
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
async def mock_report(
    interview_id: DbId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    user = await _user(request, session, settings)
    interview = await mock.visible(session, interview_id=interview_id, user=user)
    try:
        report = reports.report(interview, viewer=user)
    except MockError as error:
        return render_private(
            request, "mock_wait.html", {"interview": interview, "message": error.detail}
        )
    return render_private(request, "mock_report.html", {"r": report, "user": user})


@router.get("/mock/{interview_id}/report.md")
async def mock_report_markdown(
    interview_id: DbId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    user = await _user(request, session, settings)
    interview = await mock.visible(session, interview_id=interview_id, user=user)
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
async def mock_score_page(
    interview_id: DbId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    user = await _user(request, session, settings)
    interview = await mock.visible(session, interview_id=interview_id, user=user)
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
    interview_id: DbId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The whole rubric in one form: rubric-P-I (1-4), notes-P, signal, summary, release."""
    user = await _user(request, session, settings)
    interview = await mock.visible(session, interview_id=interview_id, user=user)
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


# Progress --------------------------------------------------------------------------------------


async def _progress_context(
    session: SessionDep, catalogue: Catalogue, owner: User
) -> dict[str, Any]:
    data = await progress.progress(session, catalogue=catalogue, user_id=owner.id)
    reviews = await review.stats(session, user_id=owner.id)
    today = min(reviews.forecast)
    return {
        "p": data,
        "owner": owner,
        "reviews": reviews,
        "reviewed": sum(reviews.heatmap.values()),
        "heatmap": charts.heatmap_svg(reviews.heatmap, end=today),
        "forecast": charts.forecast_svg(reviews.forecast, start=today),
    }


@router.get("/progress", response_class=HTMLResponse)
async def progress_page(
    request: Request, session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep
) -> Response:
    user = require_role(await resolve(request, session, settings), Role.CANDIDATE)
    context = await _progress_context(session, catalogue, user) | {"user": user}
    return render_private(request, "progress.html", context)


@router.get("/candidates", response_class=HTMLResponse)
async def candidates_page(
    request: Request, session: SessionDep, settings: SettingsDep, catalogue: CatalogueDep
) -> Response:
    """An interviewer's assigned candidates (an admin's: every candidate)."""
    user = require_role(await resolve(request, session, settings), Role.INTERVIEWER)
    rows = []
    for candidate in await candidates_of(session, interviewer=user):
        data = await progress.progress(session, catalogue=catalogue, user_id=candidate.id)
        rows.append((candidate, data))
    return render_private(request, "candidates.html", {"rows": rows, "user": user})


@router.get("/candidates/{user_id}", response_class=HTMLResponse)
async def candidate_progress_page(
    user_id: DbId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    catalogue: CatalogueDep,
) -> Response:
    """A candidate's progress page, for their interviewer or an admin."""
    user = require_role(await resolve(request, session, settings), Role.INTERVIEWER)
    owner = await get_user(session, user_id=user_id)
    if owner is None or not await may_see_work_of(session, viewer=user, owner_id=owner.id):
        raise NotFound(f"no candidate {user_id}")
    context = await _progress_context(session, catalogue, owner) | {"user": user, "viewing": True}
    return render_private(request, "progress.html", context)
