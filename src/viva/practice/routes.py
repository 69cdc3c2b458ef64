"""REST API v1 of practice: the review queue (FSRS) and mock interviews."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from viva.accounts.public import may_see_work_of
from viva.bank.models import BUILTIN_TRACK
from viva.bank.service import require_track
from viva.clock import now
from viva.deps import CatalogueDep, CurrentPrincipal, DbId, SessionDep, SettingsDep
from viva.errors import NotFound, problem_responses
from viva.practice import progress, review
from viva.practice.models import ReviewCard, ReviewSetting
from viva.practice.queue_cache import QueueCache
from viva.practice.repository import CardState
from viva.practice.schemas import (
    CardOut,
    CheckIn,
    CheckOut,
    PointOut,
    Progress,
    QueueItemOut,
    QueueOut,
    RateIn,
    ReviewSettingsIn,
    ReviewSettingsOut,
    StatsOut,
)

router = APIRouter(
    prefix="/api/v1", tags=["practice"], responses=problem_responses(401, 403, 404, 409, 422)
)

Track = Annotated[str, Query(max_length=80, description="track slug")]
Position = Annotated[int, Path(ge=0, le=49, description="0-based question position")]
STATES = {1: "learning", 2: "review", 3: "relearning"}


def card_out(question_id: int, card: ReviewCard | CardState | None) -> CardOut:
    # Hand-written: a question never reviewed has no row (a "new" card), and the row keeps
    # fsrs's integer state where the API says its name.
    if card is None:
        return CardOut(
            question_id=question_id,
            state="new",
            due=None,
            stability=None,
            difficulty=None,
            reps=0,
            lapses=0,
        )
    return CardOut(
        question_id=question_id,
        state=STATES.get(card.state, "learning"),
        due=card.due,
        stability=card.stability,
        difficulty=card.difficulty,
        reps=card.reps,
        lapses=card.lapses,
    )


# Review --------------------------------------------------------------------------------------


@router.get("/me/review/queue", response_model=QueueOut)
async def review_queue(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    track: Track = BUILTIN_TRACK,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Due cards, most overdue first, then new questions up to the daily allowance."""
    cache: QueueCache = request.app.state.queue_cache
    user_id = principal.user.id
    body = cache.get(user_id=user_id, track=track, limit=limit)
    if body is None:
        generation = cache.generation(user_id)
        found = await require_track(session, slug=track)
        entries, total = await review.queue(
            session, user_id=user_id, track=found, at=now(), limit=limit
        )
        # Built from trusted rows: no validation, straight to JSON.
        body = (
            QueueOut.model_construct(
                track=track,
                total=total,
                items=[
                    QueueItemOut.model_construct(
                        question_id=e.question.id,
                        number=e.question.number,
                        text=e.question.text,
                        category=e.question.category.title,
                        kind=e.question.kind,
                        difficulty=e.question.difficulty,
                        card=card_out(e.question.id, e.card),
                    )
                    for e in entries
                ],
            )
            .model_dump_json()
            .encode()
        )
        cache.set(user_id=user_id, track=track, limit=limit, body=body, generation=generation)
    return Response(body, media_type="application/json")


@router.post("/me/review/{question_id}/check", response_model=CheckOut)
async def review_check(
    question_id: DbId, body: CheckIn, principal: CurrentPrincipal, session: SessionDep
) -> CheckOut:
    """Which key points of the model answer a typed answer covered (nothing is stored)."""
    _, matches = await review.check_answer(session, question_id=question_id, text=body.answer)
    covered = sum(m.covered for m in matches)
    return CheckOut(
        question_id=question_id,
        coverage=round(covered / len(matches), 4) if matches else 0.0,
        points=[PointOut.model_validate(m, from_attributes=True) for m in matches],
    )


@router.post("/me/review/{question_id}/rating", response_model=CardOut)
async def review_rate(
    question_id: DbId,
    body: RateIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> CardOut:
    """Rate a card Again / Hard / Good / Easy; FSRS schedules its next review."""
    card = await review.rate(
        session,
        user_id=principal.user.id,
        question_id=question_id,
        rating=review.parse_rating(body.rating),
        coverage=body.coverage,
        duration_ms=body.duration_ms,
        fuzz=settings.review_fuzzing,
    )
    return card_out(question_id, card)


def _settings_out(track: str, setting: ReviewSetting) -> ReviewSettingsOut:
    # Hand-written: the row names its track by id, the API by the slug the caller gave.
    return ReviewSettingsOut(
        track=track,
        desired_retention=setting.desired_retention,
        new_per_day=setting.new_per_day,
    )


@router.get("/me/review/settings", response_model=ReviewSettingsOut)
async def review_settings(
    principal: CurrentPrincipal, session: SessionDep, track: Track = BUILTIN_TRACK
) -> ReviewSettingsOut:
    found = await require_track(session, slug=track)
    setting = await review.get_setting(session, user_id=principal.user.id, track_id=found.id)
    return _settings_out(track, setting)


@router.put("/me/review/settings", response_model=ReviewSettingsOut)
async def put_review_settings(
    body: ReviewSettingsIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    track: Track = BUILTIN_TRACK,
) -> ReviewSettingsOut:
    """Desired retention (0.70-0.99) and new cards per day, per track."""
    found = await require_track(session, slug=track)
    setting = await review.set_setting(
        session,
        user_id=principal.user.id,
        track_id=found.id,
        desired_retention=body.desired_retention,
        new_per_day=body.new_per_day,
    )
    return _settings_out(track, setting)


@router.get("/me/review/stats", response_model=StatsOut)
async def review_stats(principal: CurrentPrincipal, session: SessionDep) -> StatsOut:
    """Reviews per day (heatmap, 26 weeks) and cards due per day (forecast, 30 days)."""
    s = await review.stats(session, user_id=principal.user.id)
    return StatsOut.model_validate(s, from_attributes=True)


# Progress --------------------------------------------------------------------------------------


@router.get("/me/progress", response_model=Progress)
async def my_progress(
    principal: CurrentPrincipal, session: SessionDep, catalogue: CatalogueDep
) -> Progress:
    return await progress.progress(session, catalogue=catalogue, user_id=principal.user.id)


@router.get("/users/{user_id}/progress", response_model=Progress)
async def user_progress(
    user_id: DbId, principal: CurrentPrincipal, session: SessionDep, catalogue: CatalogueDep
) -> Progress:
    """A candidate's progress, for their interviewer or an admin."""
    if not await may_see_work_of(session, viewer=principal.user, owner_id=user_id):
        raise NotFound(f"no user {user_id}")
    return await progress.progress(session, catalogue=catalogue, user_id=user_id)
