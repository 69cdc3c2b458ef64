"""Timed mock interviews: templates, drawing questions, the session, scoring and the report.

Alone, a candidate gets a score from the key-point matcher as soon as time is up. In
interviewer mode an interviewer invites a candidate, scores every key point on a 1-4 rubric
with private notes, gives a hire / no-hire signal, and releases the report.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from datetime import datetime, timedelta

from fsrs import Rating
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from viva.accounts import security
from viva.accounts import service as accounts
from viva.accounts.models import User
from viva.accounts.service import now
from viva.bank import repository
from viva.bank.models import Question
from viva.bank.service import BUILTIN_TRACK, require_track
from viva.errors import NotFound, VivaError
from viva.practice import review
from viva.practice.matcher import match_key_points
from viva.practice.models import MockInterview, MockItem, MockTemplate
from viva.practice.schemas import ReportCategoryOut, ReportItemOut, ReportOut, ReportPointOut
from viva.practice.synonyms import answer_synonyms

DEFAULT_TEMPLATE = "python-fastapi-sql-screen"
GRACE = timedelta(seconds=10)  # an auto-submit sent at 0:00 still arrives a little late
DIFFICULTIES = ("easy", "medium", "hard")
SIGNALS = ("strong_hire", "hire", "no_hire", "strong_no_hire")


class MockError(VivaError):
    status = 409
    title = "Mock interview conflict"


class InvalidMock(VivaError):
    status = 422
    title = "Invalid mock interview"


# Templates -----------------------------------------------------------------------------------


async def ensure_default_template(session: AsyncSession) -> None:
    """The built-in template samples each of the seed's 10 sections once: 10 questions, 45 min."""
    if await session.scalar(select(MockTemplate.id).where(MockTemplate.slug == DEFAULT_TEMPLATE)):
        return
    track = await repository.get_track(session, slug=BUILTIN_TRACK)
    if track is None:
        return
    categories = await repository.categories_of_track(session, track_id=track.id)
    session.add(
        MockTemplate(
            slug=DEFAULT_TEMPLATE,
            title="Python Developer (FastAPI + SQL): technical screen",
            track_id=track.id,
            duration_seconds=45 * 60,
            question_count=10,
            category_weights={c.slug: 1.0 for c in categories},
            difficulty_mix={"easy": 0.3, "medium": 0.5, "hard": 0.2},
            kinds=[],
            hint_penalty=0.1,
            builtin=True,
        )
    )
    await session.flush()


async def list_templates(session: AsyncSession) -> list[MockTemplate]:
    return list((await session.scalars(select(MockTemplate).order_by(MockTemplate.id))).all())


async def get_template(session: AsyncSession, *, slug: str) -> MockTemplate:
    template = await session.scalar(select(MockTemplate).where(MockTemplate.slug == slug))
    if template is None:
        raise NotFound(f"no mock interview template '{slug}'")
    return template


async def create_template(
    session: AsyncSession,
    *,
    slug: str,
    title: str,
    track_slug: str,
    duration_seconds: int,
    question_count: int,
    category_weights: dict[str, float],
    difficulty_mix: dict[str, float],
    hint_penalty: float,
    actor: User,
) -> MockTemplate:
    track = await require_track(session, slug=track_slug)
    known = {c.slug for c in await repository.categories_of_track(session, track_id=track.id)}
    unknown = sorted(set(category_weights) - known)
    if unknown:
        raise InvalidMock(f"unknown categories for track '{track_slug}': {', '.join(unknown)}")
    bad = sorted(set(difficulty_mix) - set(DIFFICULTIES))
    if bad:
        raise InvalidMock(f"difficulty mix keys are easy, medium, hard; not {', '.join(bad)}")
    if await session.scalar(select(MockTemplate.id).where(MockTemplate.slug == slug)):
        raise accounts.Conflict(f"a template '{slug}' exists")
    template = MockTemplate(
        slug=slug,
        title=title,
        track_id=track.id,
        duration_seconds=duration_seconds,
        question_count=question_count,
        category_weights=category_weights or {c: 1.0 for c in sorted(known)},
        difficulty_mix=difficulty_mix,
        kinds=[],
        hint_penalty=hint_penalty,
        created_by=actor.id,
    )
    session.add(template)
    await session.flush()
    await accounts.audit(session, actor=actor, action="mock_template.create", target=slug)
    return template


def allocate(count: int, weights: dict[str, float]) -> dict[str, int]:
    """Split `count` over keys by weight, largest remainder first (ties by key order)."""
    total = sum(w for w in weights.values() if w > 0)
    if count <= 0 or total <= 0:
        return {k: 0 for k in weights}
    quotas = {k: count * max(w, 0) / total for k, w in weights.items()}
    result = {k: int(q) for k, q in quotas.items()}
    order = sorted(weights, key=lambda k: (-(quotas[k] - result[k]), list(weights).index(k)))
    for key in order[: count - sum(result.values())]:
        result[key] += 1
    return result


def draw(
    questions: list[Question],
    *,
    count: int,
    category_weights: dict[str, float],
    difficulty_mix: dict[str, float],
    rng: random.Random,
) -> list[Question]:
    """Questions for one interview: categories by weight, difficulties by the mix."""
    by_category: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        by_category[q.category.slug].append(q)
    weights = {c: w for c, w in category_weights.items() if by_category.get(c) and w > 0}
    if not weights:
        weights = {c: 1.0 for c in by_category}
    chosen: list[Question] = []
    for slug, n in allocate(count, weights).items():
        pool = list(by_category[slug])
        for _ in range(min(n, len(pool))):
            bias = [difficulty_mix.get(q.difficulty or "", 0.0) or 0.05 for q in pool]
            pick = rng.choices(range(len(pool)), weights=bias)[0]
            chosen.append(pool.pop(pick))
    if len(chosen) < count:  # small categories: top up from anything left
        rest = [q for q in questions if q not in chosen]
        rng.shuffle(rest)
        chosen += rest[: count - len(chosen)]
    return sorted(chosen, key=lambda q: q.position)


# Interviews ----------------------------------------------------------------------------------


def _with_items(query: Select[MockInterview]) -> Select[MockInterview]:
    """Interviews with their items, questions, answers and categories (relationships raise)."""
    question = selectinload(MockInterview.items).selectinload(MockItem.question)
    return query.options(
        question.selectinload(Question.answer), question.selectinload(Question.category)
    )


async def load(session: AsyncSession, *, interview_id: int) -> MockInterview:
    interview = await session.scalar(
        _with_items(select(MockInterview).where(MockInterview.id == interview_id))
    )
    if interview is None:
        raise NotFound(f"no mock interview {interview_id}")
    return interview


def role_of(interview: MockInterview, user: User) -> str | None:
    """'candidate', 'interviewer' (also admins) or None: who this user is to the interview."""
    if interview.candidate_id == user.id:
        return "candidate"
    if interview.interviewer_id == user.id or user.role == "admin":
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
        if actor.role not in ("interviewer", "admin"):
            raise accounts.Forbidden("only interviewers create interviews for candidates")
        if candidate_id is not None:
            candidate = await accounts.get_user(session, user_id=candidate_id)
            if candidate is None or candidate.id == actor.id:
                raise InvalidMock(f"no candidate {candidate_id}")
            if not await accounts.may_see_work_of(session, viewer=actor, owner_id=candidate_id):
                raise accounts.Forbidden(f"user {candidate_id} is not assigned to you")
    questions = list(
        (
            await session.scalars(
                select(Question)
                .where(Question.track_id == template.track_id)
                .options(selectinload(Question.category))
                .order_by(Question.position)
            )
        ).all()
    )
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
    token = security.new_secret() if interviewer_mode else None
    interview = MockInterview(
        template_id=template.id,
        title=template.title,
        candidate_id=candidate_id if interviewer_mode else actor.id,
        interviewer_id=actor.id if interviewer_mode else None,
        invite_hash=security.digest(token) if token else None,
        status="created",
        duration_seconds=duration_seconds or template.duration_seconds,
        hint_penalty=template.hint_penalty,
        current=0,
        auto_submitted=False,
        private_summary="",
    )
    session.add(interview)
    await session.flush()
    for position, question in enumerate(drawn):
        session.add(
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
        )
    await session.flush()
    if interviewer_mode:
        await accounts.audit(
            session, actor=actor, action="mock.invite", target=f"interview {interview.id}"
        )
    return await load(session, interview_id=interview.id), token


async def accept_invite(session: AsyncSession, *, token: str, user: User) -> MockInterview:
    interview = await session.scalar(
        select(MockInterview).where(MockInterview.invite_hash == security.digest(token))
    )
    if interview is None:
        raise NotFound("this invite link is not valid")
    if interview.interviewer_id == user.id:
        raise MockError("this is your own invite; send the link to the candidate")
    if interview.candidate_id is None:
        interview.candidate_id = user.id
    elif interview.candidate_id != user.id:
        raise NotFound("this invite link is not valid")
    await session.flush()
    return interview


def _require_candidate(interview: MockInterview, user: User) -> None:
    if interview.candidate_id != user.id:
        raise accounts.Forbidden("only the candidate takes the interview")


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
        synonyms = answer_synonyms(points)
        item.covered = [m.covered for m in match_key_points(item.answer, points, synonyms=synonyms)]
    if interview.interviewer_id is None:
        # Alone: the matcher's score is the report, and weak answers come back in review.
        interview.status = "released"
        interview.released_at = at
        await _feed_reviews(session, interview=interview, at=at, fuzz=fuzz)
    await session.flush()
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
        raise accounts.Forbidden("only the interviewer scores this interview")


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
    await accounts.audit(
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
    rows = await session.scalars(
        _with_items(
            select(MockInterview)
            .where(
                (MockInterview.candidate_id == user.id) | (MockInterview.interviewer_id == user.id)
            )
            .order_by(MockInterview.id.desc())
            .limit(100)
        )
    )
    interviews = list(rows.all())
    for interview in interviews:
        await expire_if_due(session, interview=interview)
    return interviews


# Report --------------------------------------------------------------------------------------


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


def report(interview: MockInterview, *, viewer: User) -> ReportOut:
    """The report as this viewer may see it (private notes only for the interviewer)."""
    role = role_of(interview, viewer)
    if role is None:
        raise NotFound(f"no mock interview {interview.id}")
    if interview.status in ("created", "running"):
        raise MockError("the report is ready once the interview is submitted")
    if role == "candidate" and interview.status != "released":
        raise MockError("your interviewer has not released the report yet")
    private = role == "interviewer"
    items: list[ReportItemOut] = []
    for item in interview.items:
        question = item.question
        points = question.answer.key_points if question.answer else []
        # Why each point was or was not credited: the checker is deterministic, so matching
        # again explains the stored verdicts.
        why = match_key_points(item.answer, points, synonyms=answer_synonyms(points))
        lines = [
            ReportPointOut(
                text=p,
                covered=bool(item.covered[i]) if i < len(item.covered) else False,
                rubric=item.rubric[i] if i < len(item.rubric) else None,
                matched=list(why[i].matched),
                evidence=list(why[i].evidence),
                missing=list(why[i].missing),
                contradicted=list(why[i].contradicted),
                against=list(why[i].against),
            )
            for i, p in enumerate(points)
        ]
        items.append(
            ReportItemOut(
                position=item.position,
                question_id=question.id,
                number=question.number,
                text=question.text,
                category=question.category.title,
                answer=item.answer,
                notes=item.notes,
                hints=[h["text"] for h in item.hints],
                time_spent_seconds=round(item.time_spent_ms / 1000, 1),
                score=item_score(item, interview.hint_penalty),
                points=lines,
                private_notes=item.private_notes if private else None,
            )
        )
    per: dict[str, list[float]] = defaultdict(list)
    for line in items:
        per[line.category].append(line.score)
    missed = [
        (line.number, p.text)
        for line in items
        for p in line.points
        if (p.rubric is not None and p.rubric <= 2) or (p.rubric is None and not p.covered)
    ]
    return ReportOut(
        id=interview.id,
        title=interview.title,
        status=interview.status,
        auto_submitted=interview.auto_submitted,
        started_at=interview.started_at,
        submitted_at=interview.submitted_at,
        duration_seconds=interview.duration_seconds,
        total_score=round(sum(i.score for i in items) / len(items), 4) if items else 0.0,
        categories=[
            ReportCategoryOut(category=c, questions=len(s), score=round(sum(s) / len(s), 4))
            for c, s in per.items()
        ],
        items=items,
        missed=missed,
        recommended=[
            i.question_id
            for i in sorted((i for i in items if i.score < 0.75), key=lambda i: i.score)
        ],
        signal=interview.signal if interview.status == "released" or private else None,
        private_summary=interview.private_summary if private else None,
        interviewer_mode=interview.interviewer_id is not None,
        hints_used=sum(len(i.hints) for i in items),
        time_used_seconds=round(sum(i.time_spent_seconds for i in items), 1),
    )


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def report_markdown(r: ReportOut) -> str:
    lines = [
        f"# Mock interview report: {r.title}",
        "",
        f"- Score: **{r.total_score:.0%}**",
        f"- Time used: {_minutes(r.time_used_seconds)} of {_minutes(r.duration_seconds)}"
        + (" (auto-submitted when time ran out)" if r.auto_submitted else ""),
        f"- Hints used: {r.hints_used}",
    ]
    if r.signal:
        lines.append(f"- Signal: {r.signal.replace('_', ' ')}")
    if r.private_summary:
        lines.append(f"- Interviewer's private summary: {r.private_summary}")
    lines += ["", "## Score per category", "", "| category | questions | score |", "|---|---|---|"]
    lines += [f"| {c.category} | {c.questions} | {c.score:.0%} |" for c in r.categories]
    lines += ["", "## Questions", ""]
    for item in r.items:
        lines += [
            f"### Q{item.number}. {item.text}",
            "",
            f"{item.category} · score {item.score:.0%} · {_minutes(item.time_spent_seconds)}"
            f" · hints {len(item.hints)}",
            "",
        ]
        for p in item.points:
            mark = "x" if (p.rubric or 0) >= 3 or (p.rubric is None and p.covered) else " "
            rubric = f" (rubric {p.rubric}/4)" if p.rubric is not None else ""
            why = ""
            if p.contradicted:
                why = f" (checker: contradicts the model answer: {'; '.join(p.against)})"
            elif p.matched:
                why = f" (checker matched: {', '.join(p.matched)})"
            lines.append(f"- [{mark}] {p.text}{rubric}{why}")
        if item.answer.strip():
            lines += ["", "Answer:", "", *[f"> {a}" for a in item.answer.strip().splitlines()]]
        if item.notes.strip():
            lines += ["", f"Notes: {item.notes.strip()}"]
        if item.private_notes:
            lines += ["", f"Interviewer's private notes: {item.private_notes}"]
        lines.append("")
    lines += ["## Review next", ""]
    lines += [f"- Q{i.number}. {i.text} ({i.score:.0%})" for i in r.recommended_items] or [
        "- Nothing below 75%: well done."
    ]
    return "\n".join(lines) + "\n"
