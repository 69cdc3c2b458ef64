"""A mock interview template can offer the hands-on challenges (performance, test-writing,
SQL...) of each question it draws: the candidate sees them beside the question while the
interview runs, only of the template's kinds, and only on the built-in track."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.conftest import Client
from tests.practice.test_mock import user_with_token
from tests.practice.test_pages import sign_in
from viva.bank.models import Category, Question, Track
from viva.bank.service import BUILTIN_TRACK
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


async def test_an_interviewer_picks_the_challenge_kinds_in_the_template_form(
    client: Client, database: Database
) -> None:
    _, csrf = await sign_in(client, database, "interviewer")
    page = (await client.get("/mock")).text
    assert 'action="/mock/templates"' in page
    for kind in ("function", "class", "fastapi", "sql", "tests"):
        assert f'name="challenge_kinds" value="{kind}"' in page
    slug = f"form-{uuid.uuid4().hex[:6]}"
    form = {
        "csrf_token": csrf,
        "slug": slug,
        "title": "Hands-on from the form",
        "minutes": "30",
        "question_count": "5",
        "hint_percent": "20",
        "challenge_kinds": ["tests", "fastapi"],
    }
    created = await client.post("/mock/templates", data=form)
    assert created.status_code == 303, created.text
    listed = {t["slug"]: t for t in (await client.get("/api/v1/mock/templates")).json()}
    assert listed[slug]["challenge_kinds"] == ["fastapi", "tests"]
    assert listed[slug]["duration_seconds"] == 1800 and listed[slug]["hint_penalty"] == 0.2

    # Bad input: a clear error, and the form keeps what was typed.
    again = await client.post("/mock/templates", data=form | {"title": "Twice"})
    assert again.status_code == 422 and f"a template &#39;{slug}&#39; exists" in again.text
    assert 'value="Twice"' in again.text and 'value="tests" checked' in again.text
    unknown = await client.post(
        "/mock/templates", data=form | {"slug": f"x-{slug}", "challenge_kinds": ["essay"]}
    )
    assert unknown.status_code == 422 and "unknown challenge kinds: essay" in unknown.text
    assert f"x-{slug}" not in {
        t["slug"] for t in (await client.get("/api/v1/mock/templates")).json()
    }

    _, csrf = await sign_in(client, database, "candidate")
    assert 'action="/mock/templates"' not in (await client.get("/mock")).text
    refused = await client.post(
        "/mock/templates", data=form | {"csrf_token": csrf, "slug": f"c-{slug}"}
    )
    assert refused.status_code == 403
