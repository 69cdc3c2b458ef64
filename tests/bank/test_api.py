"""REST API v1 of the question bank, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Client, make_user
from viva.accounts.policy import iter_api_routes
from viva.app import create_app
from viva.bank.models import Answer, Category, Question, Track
from viva.db import Database
from viva.settings import Settings

DATA = Path(__file__).parent / "data"
BUILTIN = "python-fastapi-sql"


async def upload(
    client: Client, content: bytes, *, name: str = "list.md", track: str | None = None
) -> httpx.Response:
    """An admin imports a file (imports are for admins only)."""
    params = {"track": track} if track else {}
    return await client.post(
        "/api/v1/tracks/import",
        params=params,
        files={"file": (name, content, "text/markdown")},
        headers=client.admin,
    )


async def snapshot(database: Database, slug: str) -> list[tuple[object, ...]]:
    async with database.session() as s:
        track = await s.scalar(select(Track).where(Track.slug == slug))
        assert track is not None
        cats = (
            await s.execute(
                select(Category.id, Category.slug, Category.title, Category.position)
                .where(Category.track_id == track.id)
                .order_by(Category.id)
            )
        ).all()
        qs = (
            await s.execute(
                select(
                    Question.id,
                    Question.slug,
                    Question.text,
                    Question.position,
                    Question.content_hash,
                )
                .where(Question.track_id == track.id)
                .order_by(Question.id)
            )
        ).all()
        return [(track.id, track.updated_at, track.source_hash), *cats, *qs]


async def test_a_fresh_database_holds_the_builtin_track(client: httpx.AsyncClient) -> None:
    tracks = (await client.get("/api/v1/tracks")).json()
    builtin = next(t for t in tracks if t["slug"] == BUILTIN)
    assert (builtin["question_count"], builtin["category_count"]) == (100, 10)
    cats = (await client.get(f"/api/v1/tracks/{BUILTIN}/categories")).json()
    assert [c["position"] for c in cats] == list(range(1, 11))
    assert all(c["question_count"] == 10 for c in cats)


async def test_questions_come_in_seed_order_with_cursor_pagination(
    client: httpx.AsyncClient,
) -> None:
    numbers, url = [], f"/api/v1/questions?track={BUILTIN}&limit=30"
    pages = 0
    while url:
        page = (await client.get(url)).json()
        numbers += [q["number"] for q in page["items"]]
        url, pages = page["next"], pages + 1
    assert numbers == list(range(1, 101))
    assert pages == 4


async def test_page_size_is_clamped(client: httpx.AsyncClient) -> None:
    page = (await client.get(f"/api/v1/questions?track={BUILTIN}&limit=1000")).json()
    assert len(page["items"]) == 100 and page["next"] is None
    assert (await client.get("/api/v1/questions?limit=0")).status_code == 422


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=GIL", [2]),
        ("q=gil", [2]),
        ("q=union+all", [30]),
        ("q=docker+volumes", [55]),
        ("q=pagination", [47]),
        ("q=nosuchwordanywhere", []),
        ("q=gil%29*%3A%22%28%26", [2]),  # FTS5/tsquery operators are neutralised, not a 500
        ("category=redis-and-caching&q=streams", [69]),
    ],
)
async def test_full_text_search(client: httpx.AsyncClient, query: str, expected: list[int]) -> None:
    response = await client.get(f"/api/v1/questions?track={BUILTIN}&{query}")
    assert response.status_code == 200
    found = [q["number"] for q in response.json()["items"]]
    # Answers add tags to questions, so a search may find more; it must find these first.
    assert set(expected) <= set(found) if expected else found == []


async def test_filters_by_category_kind_difficulty_and_tag(client: httpx.AsyncClient) -> None:
    base = f"/api/v1/questions?track={BUILTIN}&limit=100"
    redis = (await client.get(f"{base}&category=redis-and-caching")).json()["items"]
    assert [q["number"] for q in redis] == list(range(61, 71))
    for field, value in (("kind", "scenario"), ("difficulty", "hard")):
        items = (await client.get(f"{base}&{field}={value}")).json()["items"]
        assert items and all(q[field] == value for q in items)
    tagged = (await client.get(f"{base}&tag=redis")).json()["items"]
    assert tagged and all("redis" in q["tags"] for q in tagged)
    bad = await client.get(f"{base}&kind=poetry")
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


async def test_unmarked_questions_stay_unset_and_can_be_filtered(
    client: httpx.AsyncClient, unique: str
) -> None:
    text = b"# Unset\n\n## Basics\n\n1. What is a list?\n2. What is a tuple? [hard, coding]\n"
    track = f"unset-{unique}"
    assert (await upload(client, text, track=track)).status_code == 201
    base = f"/api/v1/questions?track={track}"
    items = (await client.get(base)).json()["items"]
    assert [(q["kind"], q["difficulty"]) for q in items] == [(None, None), ("coding", "hard")]
    for field in ("kind", "difficulty"):
        unset = (await client.get(f"{base}&{field}=unset")).json()["items"]
        assert [q["number"] for q in unset] == [1]
    assert [q["number"] for q in (await client.get(f"{base}&kind=coding")).json()["items"]] == [2]
    page = await client.get(f"/tracks/{track}", headers={"accept": "text/html"})
    assert page.status_code == 200 and page.text.count(">unset</span>") == 2
    filtered = await client.get(f"/tracks/{track}?kind=unset", headers={"accept": "text/html"})
    assert "What is a list?" in filtered.text and "What is a tuple?" not in filtered.text
    md = (await client.get(f"/api/v1/tracks/{track}/export?format=md")).text
    assert "1. What is a list?\n" in md and "2. What is a tuple? [hard, coding]" in md
    exported = (await client.get(f"/api/v1/tracks/{track}/export?format=json")).json()
    first = exported["categories"][0]["questions"][0]
    assert (first["kind"], first["difficulty"]) == (None, None)


async def test_question_detail_and_answer(client: httpx.AsyncClient) -> None:
    listing = (await client.get(f"/api/v1/questions?track={BUILTIN}&q=palindrome")).json()
    qid = listing["items"][0]["id"]
    detail = (await client.get(f"/api/v1/questions/{qid}")).json()
    assert detail["number"] == 8 and detail["answer"]["kind"] == "coding"
    answer = (await client.get(f"/api/v1/questions/{qid}/answer")).json()
    assert 3 <= len(answer["key_points"]) <= 7
    assert "casefold" in answer["explanation"]


async def test_unknown_resources_are_problem_json(client: httpx.AsyncClient) -> None:
    for url in ("/api/v1/questions/999999", "/api/v1/tracks/nope/categories", "/api/v1/nothing"):
        response = await client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 404 and body["title"] and body["detail"]
    bad_cursor = await client.get("/api/v1/questions?cursor=!!!")
    assert bad_cursor.status_code == 400 and bad_cursor.json()["title"] == "Invalid cursor"


async def test_etag_gives_304_and_changes_after_an_import(
    client: httpx.AsyncClient, unique: str
) -> None:
    first = await client.get("/api/v1/tracks")
    etag = first.headers["etag"]
    again = await client.get("/api/v1/tracks", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert (await upload(client, b"1. What is a test?\n", track=f"t-{unique}")).status_code == 201
    after = await client.get("/api/v1/tracks", headers={"If-None-Match": etag})
    assert after.status_code == 200  # the import invalidated the cache
    assert any(t["slug"] == f"t-{unique}" for t in after.json())
    assert after.headers["etag"] != etag


async def test_import_reports_counts_and_warnings(client: httpx.AsyncClient, unique: str) -> None:
    response = await upload(
        client, (DATA / "q_numbering_emoji_crlf.md").read_bytes(), track=f"imp-{unique}"
    )
    assert response.status_code == 201
    report = response.json()
    assert report["summary"] == "4 questions in 2 categories"
    assert report["created"] == 4 and len(report["warnings"]) == 1
    questions = (await client.get(f"/api/v1/questions?track=imp-{unique}")).json()["items"]
    assert [q["slug"] for q in questions] == ["q1", "q2", "q3", "q3-2"]


async def test_importing_the_same_file_twice_changes_nothing(
    client: httpx.AsyncClient, database: Database, unique: str
) -> None:
    content = (DATA / "bold_numbering.md").read_bytes()
    assert (await upload(client, content, track=f"same-{unique}")).status_code == 201
    before = await snapshot(database, f"same-{unique}")
    second = (await upload(client, content, track=f"same-{unique}")).json()
    assert (second["created"], second["updated"], second["unchanged"], second["removed"]) == (
        0,
        0,
        3,
        0,
    )
    assert await snapshot(database, f"same-{unique}") == before


async def test_reimporting_the_builtin_seed_changes_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    from viva.bank.builtin import builtin_seed_text

    before = await snapshot(database, BUILTIN)
    report = (await upload(client, builtin_seed_text().encode(), track=BUILTIN)).json()
    assert report["summary"] == "100 questions in 10 categories" and report["unchanged"] == 100
    assert await snapshot(database, BUILTIN) == before


@pytest.mark.parametrize(
    ("content", "status", "detail"),
    [
        (b"", 422, "empty"),
        (b"\x00\x01\x02binary\x00", 422, "binary"),
        (b"no numbers in here\n", 422, "no numbered questions"),
        (b"1. q\n" * 1_100_000, 413, "limit is 5 MB"),
        (b'{"format": "viva-track", "slug": "x"}', 422, "not a Viva JSON export"),
    ],
)
async def test_bad_uploads_get_a_problem_and_write_nothing(
    client: httpx.AsyncClient, unique: str, content: bytes, status: int, detail: str
) -> None:
    response = await upload(client, content, track=f"bad-{unique}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]
    tracks = (await client.get("/api/v1/tracks")).json()
    assert not any(t["slug"] == f"bad-{unique}" for t in tracks)


async def test_a_conflicting_export_is_rejected_before_anything_is_written(
    client: httpx.AsyncClient, database: Database, unique: str
) -> None:
    export = {
        "slug": "x",
        "title": "Half",
        "categories": [
            {
                "title": "One",
                "questions": [{"number": 1, "text": "First?"}, {"number": 2, "text": "Second?"}],
            },
            {"title": "Two", "questions": [{"number": 3, "slug": "q1", "text": "Clashes with q1"}]},
        ],
    }
    response = await upload(
        client, json.dumps(export).encode(), name="half.json", track=f"half-{unique}"
    )
    assert response.status_code == 422
    assert "q1" in response.json()["detail"]
    async with database.session() as s:
        assert await s.scalar(select(Track).where(Track.slug == f"half-{unique}")) is None
        assert not (await s.scalars(select(Question).where(Question.text == "First?"))).all()


@pytest.mark.parametrize("fmt", ["md", "json"])
async def test_export_then_import_round_trips(
    client: httpx.AsyncClient, database: Database, unique: str, fmt: str
) -> None:
    source = f"src-{unique}"
    await upload(client, (DATA / "q_numbering_emoji_crlf.md").read_bytes(), track=source)
    exported = await client.get(f"/api/v1/tracks/{source}/export?format={fmt}")
    assert exported.status_code == 200
    copy = f"copy-{unique}"
    report = (await upload(client, exported.content, name=f"x.{fmt}", track=copy)).json()
    assert report["created"] == 4 and report["warnings"] == []

    def shape(items: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [
            (
                q["category"],
                q["number"],
                q["slug"],
                q["text"],
                q["kind"],
                q["difficulty"],
                q["tags"],
            )
            for q in items
        ]

    a = (await client.get(f"/api/v1/questions?track={source}")).json()["items"]
    b = (await client.get(f"/api/v1/questions?track={copy}")).json()["items"]
    assert shape(a) == shape(b)


async def test_json_export_of_the_builtin_track_carries_answers_and_round_trips(
    client: httpx.AsyncClient, database: Database, unique: str
) -> None:
    exported = (await client.get(f"/api/v1/tracks/{BUILTIN}/export?format=json")).json()
    assert sum(len(c["questions"]) for c in exported["categories"]) == 100
    with_answers = [q for c in exported["categories"] for q in c["questions"] if q["answer"]]
    assert with_answers
    report = (
        await upload(client, json.dumps(exported).encode(), name="b.json", track=f"rt-{unique}")
    ).json()
    assert report["summary"] == "100 questions in 10 categories"
    again = (await client.get(f"/api/v1/tracks/rt-{unique}/export?format=json")).json()
    assert again["categories"] == exported["categories"]
    async with database.session() as s:
        n = len(
            (
                await s.scalars(
                    select(Answer).join(Question).join(Track).where(Track.slug == f"rt-{unique}")
                )
            ).all()
        )
    assert n == len(with_answers)


async def test_anki_tsv_export_has_headers_and_stable_guids(client: httpx.AsyncClient) -> None:
    first = (await client.get(f"/api/v1/tracks/{BUILTIN}/export?format=anki-tsv")).text
    lines = first.splitlines()
    assert lines[:5] == [
        "#separator:tab",
        "#html:true",
        "#guid column:1",
        "#deck column:2",
        "#tags column:5",
    ]
    rows = [line.split("\t") for line in lines[5:]]
    assert len(rows) == 100 and all(len(r) == 5 for r in rows)
    assert rows[0][0] == f"viva-{BUILTIN}-q1"
    assert (await client.get(f"/api/v1/tracks/{BUILTIN}/export?format=anki-tsv")).text == first
    assert (await client.get(f"/api/v1/tracks/{BUILTIN}/export?format=pdf")).status_code == 422


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] is True


async def test_openapi_lists_every_api_endpoint(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """Every route the app serves outside the pages is in the schema, and nothing else is."""
    spec = (await client.get("/openapi.json")).json()
    app = create_app(settings)
    served = {
        (method.lower(), route.path)
        for route in iter_api_routes(list(app.routes))
        if route.include_in_schema
        for method in route.methods - {"HEAD"}
    }
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert len(served) > 40 and served == documented
    assert {"/api/v1/tracks/import", "/healthz", "/readyz"} <= set(spec["paths"])
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()


async def test_security_headers_on_api_and_pages(client: httpx.AsyncClient) -> None:
    for url in ("/api/v1/tracks", "/"):
        headers = (await client.get(url)).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


async def test_a_failure_half_way_through_an_import_leaves_nothing(
    database: Database, unique: str
) -> None:
    """The import is one transaction: a crash after 40 of 100 questions writes none of them."""
    from viva.bank.builtin import builtin_seed_text
    from viva.bank.service import import_file

    def crash(done: int, total: int) -> None:
        if done == 40:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        async with database.session() as s:
            await import_file(
                s,
                data=builtin_seed_text().encode(),
                filename="seed.md",
                track_slug=f"crash-{unique}",
                max_bytes=5 * 2**20,
                progress=crash,
            )
    async with database.session() as s:
        assert await s.scalar(select(Track).where(Track.slug == f"crash-{unique}")) is None


async def test_with_redis_the_cache_is_shared_and_an_import_invalidates_it(
    settings: Settings, database: Database, redis_url: str, unique: str
) -> None:
    """Two app instances on one Redis: what one caches the other serves, until an import."""
    shared = settings.model_copy(update={"redis_url": redis_url, "cache_prefix": f"t-{unique}"})
    first, second = create_app(shared), create_app(shared)
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        a = Client(transport=httpx.ASGITransport(app=first), base_url="http://a")
        a.admin = await make_user(database, settings, role="admin")
        b = httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://b")
        etag = (await a.get("/api/v1/tracks")).headers["etag"]
        assert (await b.get("/api/v1/tracks", headers={"If-None-Match": etag})).status_code == 304
        assert (await upload(a, b"1. Shared?\n", track=f"redis-{unique}")).status_code == 201
        for _ in range(100):  # the other process hears of the invalidation within milliseconds
            fresh = await b.get("/api/v1/tracks", headers={"If-None-Match": etag})
            if fresh.status_code == 200:
                break
            await asyncio.sleep(0.02)
        assert fresh.status_code == 200
        assert any(t["slug"] == f"redis-{unique}" for t in fresh.json())
        await a.aclose()
        await b.aclose()


async def test_interviewers_author_a_question_with_the_form(
    client: Client, database: Database
) -> None:
    from tests.practice.test_pages import sign_in

    track = "form-track"
    files = {"file": ("t.md", b"## Basics\n\n1. What is Python?\n", "text/markdown")}
    await client.post(f"/api/v1/tracks/import?track={track}", files=files, headers=client.admin)
    _, csrf = await sign_in(client, database, "interviewer")
    form = await client.get(f"/author/question?track={track}")
    assert form.status_code == 200 and 'value="Basics"' in form.text
    fields = {"track": track, "category": "Basics", "kind": "theory", "difficulty": "hard"}
    short = await client.post("/author/question", data=fields | {"text": "Hm?", "csrf_token": csrf})
    assert short.status_code == 422 and "text" in short.text
    created = await client.post(
        "/author/question",
        data=fields | {"text": "What does the walrus operator do?", "csrf_token": csrf},
    )
    assert created.status_code == 303
    page = await client.get(created.headers["location"])
    assert "What does the walrus operator do?" in page.text
    listed = (await client.get(f"/api/v1/questions?track={track}")).json()["items"]
    assert [q["number"] for q in listed] == [1, 2]
