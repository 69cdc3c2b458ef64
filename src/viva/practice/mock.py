"""Mock interviews as a state machine: created -> running -> submitted -> (interviewer mode)
scored -> released. The candidate answers against the clock; time's up submits what was
saved. Alone, the matcher's score is released at once; in interviewer mode an interviewer
invites a candidate, scores every key point on a 1-4 rubric and releases the report (see
`mock_report`). Templates and drawing live in `mock_templates`.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import secrets
from datetime import datetime, timedelta

from fsrs import Rating
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import public
from viva.accounts.audit import audit
from viva.accounts.models import User
from viva.accounts.roles import Role
from viva.clock import now
from viva.errors import Forbidden, InvalidMock, MockError, NotFound
from viva.practice import mock_notices, repository, review
from viva.practice.matcher import covered_points
from viva.practice.mock_templates import draw, get_template
from viva.practice.models import MockInterview, MockItem

GRACE = timedelta(seconds=10)  # an auto-submit sent at 0:00 still arrives a little late
SIGNALS = ("strong_hire", "hire", "no_hire", "strong_no_hire")


def invite_digest(token: str) -> str:
    """What is stored of an invite link's token (the link itself is shown once)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def load(session: AsyncSession, *, interview_id: int) -> MockInterview:
    interview = await repository.interview(session, interview_id=interview_id)
    if interview is None:
        raise NotFound(f"no mock interview {interview_id}")
    return interview


def role_of(interview: MockInterview, user: User) -> str | None:
    """'candidate', 'interviewer' (also admins) or None: who this user is to the interview."""
    if interview.candidate_id == user.id:
        return "candidate"
    if interview.interviewer_id == user.id or user.role == Role.ADMIN:
        return "interviewer"
    return None


async def visible(session: AsyncSession, *, interview_id: int, user: User) -> MockInterview:
    interview = await load(session, interview_id=interview_id)
    if role_of(interview, user) is None:
        raise NotFound(f"no mock interview {interview_id}")  # don't reveal that it exists
    await expire_if_due(session, interview=interview)
    return interview


async def create(
    session: AsyncSession,
    *,
    actor: User,
    template_slug: str,
    candidate_id: int | None = None,
    interviewer_mode: bool = False,
    duration_seconds: int | None = None,
    question_count: int | None = None,
    seed: int | None = None,
) -> tuple[MockInterview, str | None]:
    """A new interview; in interviewer mode also the invite token (shown once)."""
    template = await get_template(session, slug=template_slug)
    interviewer_mode = interviewer_mode or candidate_id is not None
    if interviewer_mode:
        if not Role(actor.role).includes(Role.INTERVIEWER):
            raise Forbidden("only interviewers create interviews for candidates")
        if candidate_id is not None:
            candidate = await public.get_user(session, user_id=candidate_id)
            if candidate is None or candidate.id == actor.id:
                raise InvalidMock(f"no candidate {candidate_id}")
            if not await public.may_see_work_of(session, viewer=actor, owner_id=candidate_id):
                raise Forbidden(f"user {candidate_id} is not assigned to you")
    questions = await repository.questions_to_draw(session, track_id=template.track_id)
    count = question_count or template.question_count
    drawn = draw(
        questions,
        count=count,
        category_weights=template.category_weights,
        difficulty_mix=template.difficulty_mix,
        rng=random.Random(seed if seed is not None else secrets.randbits(32)),
    )
    if not drawn:
        raise InvalidMock(f"template '{template_slug}' has no questions to draw")
    token = secrets.token_urlsafe(32) if interviewer_mode else None
    interview = MockInterview(
        template_id=template.id,
        title=template.title,
        candidate_id=candidate_id if interviewer_mode else actor.id,
        interviewer_id=actor.id if interviewer_mode else None,
        invite_hash=invite_digest(token) if token else None,
        status="created",
        duration_seconds=duration_seconds or template.duration_seconds,
        hint_penalty=template.hint_penalty,
        current=0,
        auto_submitted=False,
        private_summary="",
    )
    await repository.add(session, interview)
    await repository.add(
        session,
        *(
            MockItem(
                interview_id=interview.id,
                position=position,
                question_id=question.id,
                answer="",
                notes="",
                hints=[],
                time_spent_ms=0,
                covered=[],
                rubric=[],
                private_notes="",
            )
            for position, question in enumerate(drawn)
        ),
    )
    if interviewer_mode:
        await audit(session, actor=actor, action="mock.invite", target=f"interview {interview.id}")
    loaded = await load(session, interview_id=interview.id)
    await mock_notices.invited(session, interview=loaded, interviewer=actor.username)
    return loaded, token


async def accept_invite(session: AsyncSession, *, token: str, user: User) -> MockInterview:
    interview = await repository.interview_by_invite(session, invite_hash=invite_digest(token))
    if interview is None:
        raise NotFound("this invite link is not valid")
    if interview.interviewer_id == user.id:
        raise MockError("this is your own invite; send the link to the candidate")
    if interview.candidate_id is None:
        interview.candidate_id = user.id
    elif interview.candidate_id != user.id:
        raise NotFound("this invite link is not valid")
    await session.flush()
    loaded = await load(session, interview_id=interview.id)
    await mock_notices.progressed(session, interview=loaded)
    return loaded


def _require_candidate(interview: MockInterview, user: User) -> None:
    if interview.candidate_id != user.id:
        raise Forbidden("only the candidate takes the interview")


def _accrue(interview: MockInterview, at: datetime) -> None:
    """Add the time since the current question was opened to that question."""
    if interview.opened_at is None:
        return
    end = min(at, interview.deadline) if interview.deadline else at
    spent = max(0, int((end - interview.opened_at).total_seconds() * 1000))
    interview.items[interview.current].time_spent_ms += spent
    interview.opened_at = at


async def start(
    session: AsyncSession, *, interview: MockInterview, user: User, at: datetime | None = None
) -> MockInterview:
    _require_candidate(interview, user)
    if interview.status != "created":
        raise MockError(f"this interview is {interview.status}")
    at = at or now()
    interview.status = "running"
    interview.started_at = interview.opened_at = at
    interview.deadline = at + timedelta(seconds=interview.duration_seconds)
    interview.current = 0
    await session.flush()
    await mock_notices.progressed(session, interview=interview)
    return interview


def _item(interview: MockInterview, position: int) -> MockItem:
    if not 0 <= position < len(interview.items):
        raise NotFound(f"no question {position + 1} in this interview")
    return interview.items[position]


async def expire_if_due(
    session: AsyncSession, *, interview: MockInterview, at: datetime | None = None
) -> None:
    """Time is up even if the browser was closed: submit what was saved."""
    at = at or now()
    if interview.status == "running" and interview.deadline and at > interview.deadline + GRACE:
        await submit(session, interview=interview, at=at, auto=True)


async def save(
    session: AsyncSession,
    *,
    interview: MockInterview,
    user: User,
    position: int,
    answer: str | None = None,
    notes: str | None = None,
    go_to: int | None = None,
    at: datetime | None = None,
) -> MockInterview:
    """Save one answer and note; optionally move to another question (time is accrued)."""
    _require_candidate(interview, user)
    at = at or now()
    await expire_if_due(session, interview=interview, at=at)
    if interview.status != "running":
        raise MockError(f"this interview is {interview.status}; answers can no longer change")
    item = _item(interview, position)
    if answer is not None:
        item.answer = answer
    if notes is not None:
        item.notes = notes
    if go_to is not None:
        _item(interview, go_to)
        _accrue(interview, at)
        interview.current = go_to
    await session.flush()
    await mock_notices.progressed(session, interview=interview)
    return interview


def hint_text(point: str) -> str:
    words = point.split()
    shown = max(2, len(words) // 3)
    return " ".join(words[:shown]) + (" …" if len(words) > shown else "")


async def hint(
    session: AsyncSession,
    *,
    interview: MockInterview,
    user: User,
    position: int,
    at: datetime | None = None,
) -> str:
    """Reveal the start of the next key point; each hint costs `hint_penalty` of the question."""
    _require_candidate(interview, user)
    at = at or now()
    await expire_if_due(session, interview=interview, at=at)
    if interview.status != "running":
        raise MockError(f"this interview is {interview.status}")
    item = _item(interview, position)
    points = item.question.answer.key_points if item.question.answer else []
    if len(item.hints) >= len(points):
        raise MockError("no hints left for this question")
    text = hint_text(points[len(item.hints)])
    item.hints = [*item.hints, {"point": len(item.hints), "text": text, "at": at.isoformat()}]
    await session.flush()
    return text


async def submit(
    session: AsyncSession,
    *,
    interview: MockInterview,
    at: datetime | None = None,
    auto: bool = False,
    fuzz: bool = True,
) -> MockInterview:
    if interview.status != "running":
        raise MockError(f"this interview is {interview.status}")
    at = at or now()
    _accrue(interview, at)
    interview.status = "submitted"
    interview.submitted_at = min(at, interview.deadline) if interview.deadline else at
    interview.auto_submitted = auto
    interview.opened_at = None
    for item in interview.items:
        points = item.question.answer.key_points if item.question.answer else []
        # in a thread: the matcher's first use in a process builds its tables (~0.3 s of CPU)
        item.covered = await asyncio.to_thread(covered_points, item.answer, points)
    if interview.interviewer_id is None:
        # Alone: the matcher's score is the report, and weak answers come back in review.
        interview.status = "released"
        interview.released_at = at
        await _feed_reviews(session, interview=interview, at=at, fuzz=fuzz)
    await session.flush()
    await mock_notices.progressed(session, interview=interview)
    return interview


async def _feed_reviews(
    session: AsyncSession, *, interview: MockInterview, at: datetime, fuzz: bool
) -> None:
    if interview.candidate_id is None:
        return
    for item in interview.items:
        score = item_score(item, interview.hint_penalty)
        rating = Rating.Again if score < 0.5 else Rating.Hard if score < 0.75 else Rating.Good
        await review.rate(
            session,
            user_id=interview.candidate_id,
            question_id=item.question_id,
            rating=rating,
            source="mock",
            coverage=score,
            at=at,
            fuzz=fuzz,
        )


def _require_interviewer(interview: MockInterview, user: User) -> None:
    if role_of(interview, user) != "interviewer" or interview.interviewer_id is None:
        raise Forbidden("only the interviewer scores this interview")


async def score(
    session: AsyncSession,
    *,
    interview: MockInterview,
    user: User,
    position: int,
    rubric: list[int],
    private_notes: str,
) -> MockItem:
    _require_interviewer(interview, user)
    if interview.status not in ("submitted", "scored"):
        raise MockError(f"this interview is {interview.status}; score it after it is submitted")
    item = _item(interview, position)
    points = item.question.answer.key_points if item.question.answer else []
    if len(rubric) != max(1, len(points)) or any(not 1 <= r <= 4 for r in rubric):
        raise InvalidMock(
            f"give {max(1, len(points))} scores from 1 to 4, one per key point, in order"
        )
    item.rubric = list(rubric)
    item.private_notes = private_notes
    if all(i.rubric for i in interview.items):
        interview.status = "scored"
    await session.flush()
    return item


async def decide(
    session: AsyncSession,
    *,
    interview: MockInterview,
    user: User,
    signal: str,
    private_summary: str,
    release: bool,
    fuzz: bool = True,
) -> MockInterview:
    _require_interviewer(interview, user)
    if signal not in SIGNALS:
        raise InvalidMock(f"signal is one of {', '.join(SIGNALS)}")
    if interview.status not in ("submitted", "scored", "released"):
        raise MockError(f"this interview is {interview.status}; decide after it is submitted")
    interview.signal = signal
    interview.private_summary = private_summary
    if release and interview.status != "released":
        if interview.status != "scored":
            missing = [str(i.position + 1) for i in interview.items if not i.rubric]
            raise MockError(
                f"score every question before releasing (missing: {', '.join(missing)})"
            )
        at = now()
        interview.status = "released"
        interview.released_at = at
        await _feed_reviews(session, interview=interview, at=at, fuzz=fuzz)
        await mock_notices.released(session, interview=interview)
    await audit(
        session,
        actor=user,
        action="mock.release" if release else "mock.decide",
        target=f"interview {interview.id}",
        detail={"signal": signal},
    )
    await session.flush()
    return interview


async def interviews_of(session: AsyncSession, *, user: User) -> list[MockInterview]:
    """The interviews a user takes or runs, newest first, loaded in one go (any whose time ran
    out is submitted first)."""
    interviews = await repository.interviews_of(session, user_id=user.id, limit=100)
    for interview in interviews:
        await expire_if_due(session, interview=interview)
    return interviews


def item_score(item: MockItem, hint_penalty: float) -> float:
    """0..1: the rubric's mean when scored ((r-1)/3), else the share of covered key points;
    minus the hint penalty."""
    if item.rubric:
        base = sum((r - 1) / 3 for r in item.rubric) / len(item.rubric)
    elif item.covered:
        base = sum(item.covered) / len(item.covered)
    else:
        base = 0.0
    return max(0.0, round(base - hint_penalty * len(item.hints), 4))
