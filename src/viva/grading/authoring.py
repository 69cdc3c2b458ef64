"""Interviewers author Python and test-writing challenges; they join the catalogue beside the
shipped ones.

A challenge is stored only after its reference solution is Accepted in the sandbox and its
starter is not (for the `tests` kind: the reference tests pass on the module and its rewrites
and kill at least `threshold` of the mutants). In server mode a `viva worker` grades them, sent
the row-to-be on the Runs' path (`grade_draft` is its side), so the API needs no sandbox.
Property tests are refused: their Hypothesis strategy would be evaluated outside the sandbox.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts.audit import audit
from viva.accounts.models import User
from viva.db import after_commit
from viva.errors import ChallengeRejected, Conflict
from viva.grading import repository
from viva.grading.catalogue import build, from_row
from viva.grading.challenges import SLUG_PATTERN, Challenge, ChallengeFormatError
from viva.grading.judge.outcome import Grade, Verdict
from viva.grading.models import AuthoredChallenge
from viva.grading.mutants import MutantChallenge, build_mutant_challenge, stored_versions
from viva.grading.service import GradingContext, check_source, grade_any
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
    module: str = "",
    variants: list[str] | None = None,
    mutants: list[dict[str, Any]] | None = None,
) -> Challenge | MutantChallenge:
    """Validate, prove the reference solution in the sandbox, then store (one transaction);
    the public challenge list is invalidated once it commits. `module`, `variants` and
    `mutants` are the `tests` kind's (the module under test, its hidden correct rewrites and
    its hidden mutants `{id, description, source}`)."""
    if ctx.catalogue.builtin(slug):
        raise Conflict(f"'{slug}' is a built-in challenge")
    if await repository.authored_exists(session, slug=slug):
        raise Conflict(f"a challenge '{slug}' exists")
    challenge: Challenge | MutantChallenge
    if meta.get("kind") == "tests":
        challenge = _tests_kind(slug, meta, prompt, starter, solution, module, variants, mutants)
    else:
        challenge = build(
            slug=slug, meta=meta, tests=tests, prompt=prompt, starter=starter, solution=solution
        )
    texts = [solution, starter]
    if isinstance(challenge, MutantChallenge):
        texts += [challenge.module, *challenge.variants, *(m.source for m in challenge.mutants)]
    for source in texts:
        check_source(source, max_bytes=ctx.settings.max_source_bytes)
    draft = _draft(challenge, prompt=prompt, starter=starter, solution=solution)

    async def graded(source: str) -> Grade:
        if ctx.run_elsewhere is not None:  # server mode: a worker grades, from the draft
            return await ctx.run_elsewhere(slug, source, None, draft=draft)
        return await grade_any(
            ctx, challenge=challenge, source=source, dialect=None, visible_only=False
        )

    reference = await graded(solution)
    if reference.verdict != Verdict.ACCEPTED:
        failing = [t.name for t in reference.tests if not t.passed][:5]
        detail = f"; failing tests: {', '.join(failing)}" if failing else ""
        raise ChallengeRejected(
            f"the reference solution must be Accepted, it got {reference.verdict.value}"
            f"{detail}{': ' + reference.message[:300] if reference.message else ''}"
        )
    start = await graded(starter)
    if start.verdict == Verdict.ACCEPTED:
        raise ChallengeRejected("the starter already passes every test; the tests miss the task")
    await repository.add_authored(session, AuthoredChallenge(**draft, author_id=actor.id))
    await audit(session, actor=actor, action="challenge.create", target=slug)
    catalogue = ctx.catalogue

    async def publish() -> None:  # known to this process once stored, never before
        catalogue.add(challenge)
        await cache.invalidate()  # the public challenge list changed

    after_commit(session, publish)
    return challenge


def _draft(
    challenge: Challenge | MutantChallenge, *, prompt: str, starter: str, solution: str
) -> dict[str, Any]:
    """The challenge's row-to-be, JSON: what is stored, and what a worker grades it from
    (the prompt as authored: a stored one is loaded the same way)."""
    return {
        "slug": challenge.slug,
        "meta": challenge.meta.model_dump(mode="json"),
        "tests": (
            stored_versions(challenge)
            if isinstance(challenge, MutantChallenge)
            else [
                t.model_dump(mode="json", by_alias=True, exclude_defaults=True)
                for t in challenge.tests
            ]
        ),
        "prompt": prompt,
        "starter": starter,
        "solution": solution,
    }


async def grade_draft(ctx: GradingContext, *, draft: dict[str, Any], source: str) -> Grade:
    """A worker's side of authoring: `source` graded on all the tests of the challenge an API
    process is proving (`draft`, its row-to-be), rebuilt the way a stored one is loaded."""
    fields = {k: draft[k] for k in ("slug", "meta", "tests", "prompt", "starter", "solution")}
    challenge = from_row(AuthoredChallenge(**fields))
    return await grade_any(
        ctx, challenge=challenge, source=source, dialect=None, visible_only=False
    )


def _tests_kind(
    slug: str,
    meta: dict[str, Any],
    prompt: str,
    starter: str,
    solution: str,
    module: str,
    variants: list[str] | None,
    mutants: list[dict[str, Any]] | None,
) -> MutantChallenge:
    """A test-writing challenge from the authored parts, or ChallengeRejected saying why."""
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise ChallengeRejected("slug: 3-61 characters, a-z 0-9 -")
    if module.strip() and module.strip() not in prompt:  # candidates must see what they test
        name = meta.get("module")
        prompt += f"\n\nThe module under test, `{name}.py`:\n\n```python\n{module.rstrip()}\n```\n"
    try:
        return build_mutant_challenge(
            slug=slug,
            meta=meta,
            prompt=prompt,
            starter=starter,
            solution=solution,
            module=module,
            variants=variants or [],
            mutants=mutants or [],
        )
    except ChallengeFormatError as exc:
        raise ChallengeRejected(str(exc)) from exc
