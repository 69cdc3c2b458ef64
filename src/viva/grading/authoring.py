"""Interviewers author Python challenges; they join the catalogue beside the shipped ones.

A challenge is stored only after its reference solution is Accepted in the sandbox and its
starter is not. Property tests are refused: their Hypothesis strategy would be evaluated
outside the sandbox.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts.audit import audit
from viva.accounts.models import User
from viva.db import after_commit
from viva.errors import ChallengeRejected, Conflict
from viva.grading import repository
from viva.grading.catalogue import build
from viva.grading.challenges import Challenge
from viva.grading.grader import get_runner, grade_source
from viva.grading.judge import Verdict
from viva.grading.models import AuthoredChallenge
from viva.grading.service import GradingContext, check_source
from viva.infra.cache import Cache


async def create(
    ctx: GradingContext,
    session: AsyncSession,
    *,
    cache: Cache,
    actor: User,
    slug: str,
    meta: dict[str, Any],
    tests: list[dict[str, Any]],
    prompt: str,
    starter: str,
    solution: str,
) -> Challenge:
    """Validate, prove the reference solution in the sandbox, then store (one transaction);
    the public challenge list is invalidated once it commits."""
    if ctx.catalogue.builtin(slug):
        raise Conflict(f"'{slug}' is a built-in challenge")
    if await repository.authored_exists(session, slug=slug):
        raise Conflict(f"a challenge '{slug}' exists")
    challenge = build(
        slug=slug, meta=meta, tests=tests, prompt=prompt, starter=starter, solution=solution
    )
    for source in (solution, starter):
        check_source(source, max_bytes=ctx.settings.max_source_bytes)
    runner = await asyncio.to_thread(get_runner, ctx.settings)
    reference = await asyncio.to_thread(
        grade_source, runner, challenge, solution, visible_only=False
    )
    if reference.verdict != Verdict.ACCEPTED:
        failing = [t.name for t in reference.tests if not t.passed][:5]
        detail = f"; failing tests: {', '.join(failing)}" if failing else ""
        raise ChallengeRejected(
            f"the reference solution must be Accepted, it got {reference.verdict.value}"
            f"{detail}{': ' + reference.message[:300] if reference.message else ''}"
        )
    start = await asyncio.to_thread(grade_source, runner, challenge, starter, visible_only=False)
    if start.verdict == Verdict.ACCEPTED:
        raise ChallengeRejected("the starter already passes every test; the tests miss the task")
    await repository.add_authored(
        session,
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
        ),
    )
    await audit(session, actor=actor, action="challenge.create", target=slug)
    catalogue = ctx.catalogue

    async def publish() -> None:  # known to this process once stored, never before
        catalogue.add(challenge)
        await cache.invalidate()  # the public challenge list changed

    after_commit(session, publish)
    return challenge
