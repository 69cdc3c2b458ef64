"""The bank's use cases called as routes, pages and the CLI call them, on both engines: writes
are audited in their own unit of work and invalidate the cache only once it commits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from viva.accounts.models import AuditEntry
from viva.accounts.roles import Role
from viva.bank import service
from viva.bank.repository import QuestionFilter
from viva.bank.schemas import QuestionIn
from viva.db import Database
from viva.errors import ImportRejected, NotFound
from viva.infra.cache import MemoryCache

LIST = b"# Service\n\n## Basics\n\n1. What is a list?\n2. What is a tuple? [easy, coding]\n"


async def _audit(database: Database, action: str) -> list[tuple[int | None, str]]:
    async with database.session() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return [(e.actor_id, e.target) for e in rows]


async def test_an_import_is_audited_and_clears_the_cache_after_its_commit(
    database: Database, unique: str
) -> None:
    cache = MemoryCache(ttl=60)
    await cache.set("page", b"stale")
    async with database.session() as session:
        admin = await factories.user(session, role=Role.ADMIN)
        report = await service.import_file(
            session,
            data=LIST,
            filename="list.md",
            track_slug=f"svc-{unique}",
            max_bytes=2**20,
            actor=admin,
            cache=cache,
        )
        assert await cache.get("page") == b"stale"  # not before the rows are committed
    assert report.created == 2
    assert await cache.get("page") is None
    assert await _audit(database, "track.import") == [(admin.id, f"svc-{unique}")]


async def test_a_failed_unit_of_work_keeps_the_cache_and_writes_no_audit_entry(
    database: Database, unique: str
) -> None:
    cache = MemoryCache(ttl=60)
    await cache.set("page", b"kept")
    with pytest.raises(RuntimeError):
        async with database.session() as session:
            await service.import_file(
                session,
                data=LIST,
                filename="list.md",
                track_slug=f"svc-{unique}",
                max_bytes=2**20,
                cache=cache,
            )
            raise RuntimeError("the caller fails after the import")
    assert await cache.get("page") == b"kept"
    assert await _audit(database, "track.import") == []
    async with database.session() as session:
        with pytest.raises(NotFound):
            await service.require_track(session, slug=f"svc-{unique}")


async def test_an_empty_or_binary_upload_is_rejected_before_anything_is_written(
    database: Database, unique: str
) -> None:
    async with database.session() as session:
        with pytest.raises(ImportRejected):
            await service.import_file(
                session,
                data=b"\x00\x01\x02" * 100,
                filename="x.md",
                track_slug=f"bin-{unique}",
                max_bytes=2**20,
            )
    assert await _audit(database, "track.import") == []


async def test_an_authored_question_is_appended_audited_and_may_stay_unset(
    database: Database,
) -> None:
    cache = MemoryCache(ttl=60)
    await cache.set("page", b"stale")
    async with database.session() as session:
        track = await factories.track(session, categories=("Basics",), questions=2)
        author = await factories.user(session, role=Role.INTERVIEWER)
        detail = await service.add_question(
            session,
            track_slug=track.slug,
            data=QuestionIn(category="New one", text="What is a generator?"),
            actor=author,
            cache=cache,
        )
        slug = track.slug
    assert (detail.number, detail.category.title) == (3, "New one")
    assert (detail.kind, detail.difficulty) == ("theory", "medium")  # the form's defaults
    assert await cache.get("page") is None
    assert await _audit(database, "question.create") == [(author.id, f"{slug}/q3")]


async def test_unset_kind_and_difficulty_are_listed_filtered_and_exported_as_unset(
    database: Database,
) -> None:
    async with database.session() as session:
        track = await factories.track(session)
        await factories.question(session, track=track, text="Unmarked?")
        await factories.question(
            session, track=track, text="Marked?", kind="sql", difficulty="hard"
        )
        everything, _ = await service.list_questions(
            session, filters=QuestionFilter(track=track.slug), after=None, limit=10
        )
        unset, _ = await service.list_questions(
            session, filters=QuestionFilter(track=track.slug, kind="unset"), after=None, limit=10
        )
        hard, _ = await service.list_questions(
            session,
            filters=QuestionFilter(track=track.slug, difficulty="hard"),
            after=None,
            limit=10,
        )
        markdown, _, _ = await service.export_track(session, slug=track.slug, fmt="md")
    assert [(q.text, q.kind, q.difficulty) for q in everything] == [
        ("Unmarked?", None, None),
        ("Marked?", "sql", "hard"),
    ]
    assert [q.text for q in unset] == ["Unmarked?"] and [q.text for q in hard] == ["Marked?"]
    assert "1. Unmarked?\n" in markdown and "2. Marked? [hard, sql]" in markdown


async def test_a_question_loads_or_is_not_found(database: Database) -> None:
    async with database.session() as session:
        track = await factories.track(session)
        row = await factories.question(session, track=track, answer="Because.")
        detail = await service.get_question(session, question_id=row.id)
        assert detail.answer is not None and detail.answer.summary == "Because."
        assert (await service.require_question(session, question_id=row.id)).id == row.id
        with pytest.raises(NotFound):
            await service.require_question(session, question_id=2**31 - 1)
