"""A mock interview template can offer the hands-on challenges (performance, test-writing,
SQL...) of each question it draws: the candidate sees them beside the question while the
interview runs, only of the template's kinds, and only on the built-in track."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.conftest import Client
from tests.practice.test_mock import user_with_token
from tests.practice.test_pages import sign_in
from viva.bank.models import BUILTIN_TRACK, Category, Question, Track
from viva.db import Database
from viva.settings import Settings


async def scenario_category(database: Database) -> str:
    async with database.session() as session:
        slug = await session.scalar(
            select(Category.slug)
            .join(Question, Question.category_id == Category.id)
            .join(Track, Track.id == Question.track_id)
            .where(Track.slug == BUILTIN_TRACK, Question.number == 93)
        )
    assert slug is not None
    return slug


async def test_a_template_offers_its_kinds_of_challenges_beside_each_question(
    client: Client, database: Database, settings: Settings
) -> None:
    _, iv = await user_with_token(database, settings, "interviewer")
    base = {
        "title": "Scenarios, hands-on",
        "track": BUILTIN_TRACK,
        "duration_seconds": 1800,
        "question_count": 10,  # the whole category: questions 91-100
        "category_weights": {await scenario_category(database): 1},
    }
    offered, plain = f"hands-on-{uuid.uuid4().hex[:6]}", f"plain-{uuid.uuid4().hex[:6]}"
    created = await client.post(
        "/api/v1/mock/templates",
        json=base | {"slug": offered, "challenge_kinds": ["fastapi", "tests"]},
        headers=iv,
    )
    assert created.status_code == 201, created.text
    assert created.json()["challenge_kinds"] == ["fastapi", "tests"]
    bad = await client.post(
        "/api/v1/mock/templates",
        json=base | {"slug": f"bad-{uuid.uuid4().hex[:6]}", "challenge_kinds": ["essay"]},
        headers=iv,
    )
    assert bad.status_code == 422
    assert (
        await client.post("/api/v1/mock/templates", json=base | {"slug": plain}, headers=iv)
    ).status_code == 201

    seen: dict[str, dict[int, str]] = {}
    for template in (offered, plain):
        _, csrf = await sign_in(client, database, "candidate")
        started = await client.post("/mock", data={"template": template, "csrf_token": csrf})
        assert started.status_code == 303, started.text
        iid = int(started.headers["location"].rsplit("/", 1)[1])
        await client.post(f"/mock/{iid}/start", data={"csrf_token": csrf})
        pages: dict[int, str] = {}
        for position in range(10):
            page = (await client.get(f"/mock/{iid}")).text
            pages[position] = page
            await client.post(
                f"/mock/{iid}/save",
                data={"position": str(position), "action": "next", "csrf_token": csrf},
            )
        seen[template] = pages
    texts = list(seen[offered].values())
    index = next(t for t in texts if "A database query is taking too long" in t)
    assert 'id="mock-challenges"' in index and 'href="/challenges/fastapi-missing-index"' in index
    streaming = next(t for t in texts if "10,000 concurrent users" in t)
    assert 'href="/challenges/fastapi-streaming-export"' in streaming
    unrelated = next(t for t in texts if "migrate a monolithic application" in t)
    assert 'id="mock-challenges"' not in unrelated  # no challenge practises that one
    assert not any('id="mock-challenges"' in t for t in seen[plain].values())
