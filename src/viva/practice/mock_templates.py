"""Mock interview templates: how an interview is drawn (track, length, category weights,
difficulty mix), the built-in one, and drawing the questions of one interview."""

from __future__ import annotations

import random
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts.audit import audit
from viva.accounts.models import User
from viva.bank.models import BUILTIN_TRACK, Question
from viva.bank.service import find_track, require_track, track_categories
from viva.errors import Conflict, InvalidMock, NotFound
from viva.practice import repository
from viva.practice.models import MockTemplate

DEFAULT_TEMPLATE = "python-fastapi-sql-screen"
DIFFICULTIES = ("easy", "medium", "hard")


async def ensure_default_template(session: AsyncSession) -> None:
    """The built-in template samples each of the seed's 10 sections once: 10 questions, 45 min."""
    if await repository.template_exists(session, slug=DEFAULT_TEMPLATE):
        return
    track = await find_track(session, slug=BUILTIN_TRACK)
    if track is None:
        return
    categories = await track_categories(session, track_id=track.id)
    await repository.add(
        session,
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
        ),
    )


async def list_templates(session: AsyncSession) -> list[MockTemplate]:
    return await repository.templates(session)


async def get_template(session: AsyncSession, *, slug: str) -> MockTemplate:
    template = await repository.template(session, slug=slug)
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
    challenge_kinds: list[str] | None = None,
) -> MockTemplate:
    track = await require_track(session, slug=track_slug)
    categories = await track_categories(session, track_id=track.id)
    known = {c.slug for c in categories}
    unknown = sorted(set(category_weights) - known)
    if unknown:
        raise InvalidMock(f"unknown categories for track '{track_slug}': {', '.join(unknown)}")
    bad = sorted(set(difficulty_mix) - set(DIFFICULTIES))
    if bad:
        raise InvalidMock(f"difficulty mix keys are easy, medium, hard; not {', '.join(bad)}")
    if await repository.template_exists(session, slug=slug):
        raise Conflict(f"a template '{slug}' exists")
    template = MockTemplate(
        slug=slug,
        title=title,
        track_id=track.id,
        duration_seconds=duration_seconds,
        question_count=question_count,
        category_weights=category_weights or {c: 1.0 for c in sorted(known)},
        difficulty_mix=difficulty_mix,
        kinds=sorted(set(challenge_kinds or [])),
        hint_penalty=hint_penalty,
        created_by=actor.id,
    )
    await repository.add(session, template)
    await audit(session, actor=actor, action="mock_template.create", target=slug)
    return template


async def challenge_kinds(session: AsyncSession, *, template_id: int | None) -> list[str]:
    """The kinds of hands-on challenges an interview's template offers beside each question:
    none without a template, or when its track is not the built-in one (the challenges name
    the built-in track's question numbers)."""
    if template_id is None:
        return []
    template = await repository.template_by_id(session, template_id=template_id)
    if template is None or not template.kinds:
        return []
    track = await find_track(session, slug=BUILTIN_TRACK)
    return list(template.kinds) if track is not None and track.id == template.track_id else []


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
