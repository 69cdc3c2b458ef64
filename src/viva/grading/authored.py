"""Challenges that interviewers write through the API, next to the shipped ones.

A challenge is stored only after its reference solution is Accepted in the sandbox and its
starter is not. Property tests are refused: their Hypothesis strategy would be evaluated
outside the sandbox. Each process keeps the authored challenges in a registry: `refresh`
reloads it when the table changed, and `ensure` does so only for a slug it does not know yet,
so grading a shipped challenge costs no query.
"""

from __future__ import annotations

import asyncio
import re
import threading
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import service as accounts
from viva.accounts.models import User
from viva.errors import VivaError
from viva.grading.challenges import (
    SLUG_PATTERN,
    Challenge,
    ChallengeMeta,
    TestCase,
    load_challenges,
)
from viva.grading.judge import Verdict
from viva.grading.models import AuthoredChallenge
from viva.grading.sql.challenges import load_sql_challenges
from viva.infra.logging import log
from viva.settings import Settings


class ChallengeRejected(VivaError):
    status = 422
    title = "Challenge rejected"


_lock = threading.Lock()
_registry: dict[str, Challenge] = {}
_version: tuple[str, int, int, str] = ("", 0, 0, "")


def get(slug: str) -> Challenge | None:
    return _registry.get(slug)


def all_authored() -> list[Challenge]:
    return list(_registry.values())


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def build(
    *,
    slug: str,
    meta: dict[str, Any],
    tests: list[dict[str, Any]],
    prompt: str,
    starter: str,
    solution: str,
) -> Challenge:
    """A Challenge from authored parts, or ChallengeRejected saying what is wrong."""
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise ChallengeRejected("slug: 3-61 characters, a-z 0-9 -")
    for t in tests:
        if t.get("kind") == "property" or "strategy" in t or "cases" in t:
            raise ChallengeRejected(
                f"test '{t.get('name', '?')}': property tests are only for shipped challenges "
                "(their strategy would run outside the sandbox); list the cases as call tests"
            )
    try:
        parsed_meta = ChallengeMeta.model_validate(meta)
    except ValidationError as exc:
        raise ChallengeRejected(_first_error(exc)) from exc
    parsed = []
    for index, t in enumerate(tests):
        try:
            parsed.append(TestCase.model_validate(t))
        except ValidationError as exc:
            raise ChallengeRejected(f"tests.{index}.{_first_error(exc)}") from exc
    if parsed_meta.seed_question is not None:
        raise ChallengeRejected("seed_question is for the built-in track's challenges")
    if parsed_meta.packages:
        raise ChallengeRejected("authored challenges use the standard library and FastAPI only")
    if not any(not t.hidden for t in parsed) or not any(t.hidden for t in parsed):
        raise ChallengeRejected("a challenge needs visible examples and hidden tests")
    if len({t.name for t in parsed}) != len(parsed):
        raise ChallengeRejected("test names must be unique")
    return Challenge(
        slug=slug,
        meta=parsed_meta,
        prompt=prompt,
        starter=starter,
        solution=solution,
        tests=parsed,
    )


def _from_row(row: AuthoredChallenge) -> Challenge:
    return build(
        slug=row.slug,
        meta=row.meta,
        tests=row.tests,
        prompt=row.prompt,
        starter=row.starter,
        solution=row.solution,
    )


async def ensure(session: AsyncSession, *, slug: str) -> None:
    """Load the authored challenges if `slug` is none of the known ones (authored challenges
    are never changed or deleted, so a known slug needs no look at the database)."""
    known = slug in _registry or slug in load_challenges() or slug in load_sql_challenges()
    if not known:
        await refresh(session)


async def refresh(session: AsyncSession) -> None:
    """Reload the registry when the table changed since the last look (the database, the row
    count, the newest id and creation time tell; ids can be reused after a delete)."""
    global _version
    count, newest, latest = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.max(AuthoredChallenge.id), 0),
                func.max(AuthoredChallenge.created_at),
            ).select_from(AuthoredChallenge)
        )
    ).one()
    url = str(session.sync_session.get_bind().engine.url)
    version = (url, int(count), int(newest), str(latest))
    if version == _version:
        return
    rows = (await session.scalars(select(AuthoredChallenge))).all()
    loaded = {}
    for row in rows:
        try:
            loaded[row.slug] = _from_row(row)
        except (VivaError, ValidationError, ValueError) as exc:
            # One stored row that no longer validates (e.g. after a format change) must not
            # take every other challenge down with it.
            log.warning("authored challenge skipped", slug=row.slug, reason=str(exc)[:300])
    with _lock:
        _registry.clear()
        _registry.update(loaded)
        _version = version


async def create(
    session: AsyncSession,
    *,
    settings: Settings,
    actor: User,
    slug: str,
    meta: dict[str, Any],
    tests: list[dict[str, Any]],
    prompt: str,
    starter: str,
    solution: str,
) -> Challenge:
    """Validate, prove the reference solution in the sandbox, then store (one transaction)."""
    from viva.grading import service

    if slug in load_challenges() or slug in load_sql_challenges():
        raise accounts.Conflict(f"'{slug}' is a built-in challenge")
    if await session.scalar(select(AuthoredChallenge.id).where(AuthoredChallenge.slug == slug)):
        raise accounts.Conflict(f"a challenge '{slug}' exists")
    challenge = build(
        slug=slug, meta=meta, tests=tests, prompt=prompt, starter=starter, solution=solution
    )
    for source in (solution, starter):
        service.check_source(source, max_bytes=settings.max_source_bytes)
    runner = await asyncio.to_thread(service.get_runner, settings)
    reference = await asyncio.to_thread(
        service.grade_source, runner, challenge, solution, visible_only=False
    )
    if reference.verdict != Verdict.ACCEPTED:
        failing = [t.name for t in reference.tests if not t.passed][:5]
        detail = f"; failing tests: {', '.join(failing)}" if failing else ""
        raise ChallengeRejected(
            f"the reference solution must be Accepted, it got {reference.verdict.value}"
            f"{detail}{': ' + reference.message[:300] if reference.message else ''}"
        )
    start = await asyncio.to_thread(
        service.grade_source, runner, challenge, starter, visible_only=False
    )
    if start.verdict == Verdict.ACCEPTED:
        raise ChallengeRejected("the starter already passes every test; the tests miss the task")
    session.add(
        AuthoredChallenge(
            slug=slug,
            meta=challenge.meta.model_dump(mode="json"),
            tests=[
                t.model_dump(mode="json", by_alias=True, exclude_defaults=True)
                for t in challenge.tests
            ],
            prompt=prompt,
            starter=starter,
            solution=solution,
            author_id=actor.id,
        )
    )
    await session.flush()
    await accounts.audit(session, actor=actor, action="challenge.create", target=slug)
    await refresh(session)
    return challenge
