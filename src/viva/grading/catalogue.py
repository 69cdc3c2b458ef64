"""The challenge catalogue: the shipped Python and SQL challenges and those interviewers wrote.

One `Catalogue` per app (on `app.state.catalogue`) or CLI run, never a module global. The
authored challenges live in the database: `refresh` reloads them when the table changed and
`ensure` does so only for a slug the catalogue does not know yet, so grading a shipped
challenge costs no query. Authored challenges are never changed or deleted.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from viva.errors import ChallengeRejected, NotFound, VivaError
from viva.grading import repository
from viva.grading.challenges import (
    SLUG_PATTERN,
    Challenge,
    ChallengeMeta,
    TestCase,
    load_challenges,
)
from viva.grading.details import mutant_summary, sql_summary, summary
from viva.grading.models import AuthoredChallenge
from viva.grading.mutants import MutantChallenge, from_stored, load_mutant_challenges
from viva.grading.schemas import ChallengeSummary
from viva.grading.sql.challenges import SqlChallenge, load_sql_challenges
from viva.infra.logging import log

AnyChallenge = Challenge | SqlChallenge | MutantChallenge


class Catalogue:
    def __init__(self) -> None:
        self._python = load_challenges()
        self._sql = load_sql_challenges()
        self._mutants = load_mutant_challenges()
        self._authored: dict[str, Challenge | MutantChallenge] = {}
        self._version: tuple[str, int, int, str] | None = None

    def builtin(self, slug: str) -> bool:
        return slug in self._python or slug in self._sql or slug in self._mutants

    def get(self, slug: str) -> AnyChallenge | None:
        return (
            self._sql.get(slug)
            or self._python.get(slug)
            or self._mutants.get(slug)
            or self._authored.get(slug)
        )

    def find(self, slug: str) -> AnyChallenge:
        """A Python, SQL or test-writing challenge, or NotFound."""
        challenge = self.get(slug)
        if challenge is None:
            raise NotFound(f"no challenge '{slug}'")
        return challenge

    def seed_question(self, slug: str) -> int | None:
        """The built-in track's question the challenge practises (None: none, or unknown)."""
        challenge = self.get(slug)
        return challenge.meta.seed_question if challenge is not None else None

    def summaries(self) -> list[ChallengeSummary]:
        """Shipped Python, SQL and test-writing challenges, then those interviewers wrote."""
        items = [summary(c) for c in self._python.values()]
        items += [sql_summary(c) for c in self._sql.values()]
        items += [mutant_summary(c) for c in self._mutants.values()]
        items += [
            mutant_summary(c) if isinstance(c, MutantChallenge) else summary(c)
            for c in self._authored.values()
        ]
        return sorted(items, key=lambda c: (c.seed_question or 1000, c.slug))

    def for_seed(self, seed_question: int) -> list[ChallengeSummary]:
        """The challenges that practise a question of the built-in track."""
        return [c for c in self.summaries() if c.seed_question == seed_question]

    def add(self, challenge: Challenge | MutantChallenge) -> None:
        """A challenge just authored in this process (other processes refresh to see it)."""
        self._authored = {**self._authored, challenge.slug: challenge}

    async def ensure(self, session: AsyncSession, *, slug: str) -> None:
        """Load the authored challenges if `slug` is none of the known ones."""
        if self.get(slug) is None:
            await self.refresh(session)

    async def refresh(self, session: AsyncSession) -> None:
        """Reload the authored challenges when their table changed since the last look."""
        version = await repository.authored_version(session)
        if version == self._version:
            return
        loaded = {}
        for row in await repository.all_authored(session):
            try:
                loaded[row.slug] = from_row(row)
            except (VivaError, ValidationError, ValueError) as exc:
                # One stored row that no longer validates (e.g. after a format change) must
                # not take every other challenge down with it.
                log.warning("authored challenge skipped", slug=row.slug, reason=str(exc)[:300])
        self._authored, self._version = loaded, version


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


def from_row(row: AuthoredChallenge) -> Challenge | MutantChallenge:
    if row.meta.get("kind") == "tests":
        return from_stored(
            slug=row.slug,
            meta=row.meta,
            versions=row.tests,
            prompt=row.prompt,
            starter=row.starter,
            solution=row.solution,
        )
    return build(
        slug=row.slug,
        meta=row.meta,
        tests=row.tests,
        prompt=row.prompt,
        starter=row.starter,
        solution=row.solution,
    )
