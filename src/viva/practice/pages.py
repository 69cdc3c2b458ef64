"""Practice pages: the review queue, one review card, mock interviews and their reports,
and progress (the candidate's own, and an interviewer's candidates')."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from viva.accounts.auth import require_role, resolve
from viva.accounts.models import User
from viva.accounts.public import candidates_of, get_user, may_see_work_of
from viva.accounts.roles import Role
from viva.bank.models import BUILTIN_TRACK
from viva.bank.service import require_question, require_track
from viva.clock import now
from viva.deps import CatalogueDep, DbId, SessionDep, SettingsDep
from viva.errors import NotFound
from viva.grading.catalogue import Catalogue
from viva.practice import charts, progress, review
from viva.practice import repository as practice_repository
from viva.web.pages import render_private

router = APIRouter(include_in_schema=False)
LONG_TEXT = 20_000


async def signed_in(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    return require_role(await resolve(request, session, settings), Role.CANDIDATE)


# Review --------------------------------------------------------------------------------------


@router.get("/practice", response_class=HTMLResponse)
async def practice_page(
    request: Request, session: SessionDep, settings: SettingsDep, track: str = BUILTIN_TRACK
) -> Response:
    user = await signed_in(request, session, settings)
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
    user = await signed_in(request, session, settings)
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
    user = await signed_in(request, session, settings)
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
        question = await require_question(session, question_id=question_id)
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
    user = await signed_in(request, session, settings)
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
    user = await signed_in(request, session, settings)
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
    user = await signed_in(request, session, settings)
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
    user = await signed_in(request, session, settings)
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
