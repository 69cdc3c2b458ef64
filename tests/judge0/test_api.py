"""The Judge0 API's contract in process (ASGI): Judge0's error shapes for hostile and broken
requests, who may see what, quotas, and the operator's endpoints; on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
import uuid
import zipfile
from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.conftest import Client
from viva.accounts import service as accounts
from viva.app import create_app
from viva.db import Database
from viva.settings import Settings

KeyMaker = Callable[..., Awaitable[str]]


@pytest.fixture
def make_key(database: Database) -> KeyMaker:
    async def make(*, role: str = "candidate", scopes: tuple[str, ...] = ("judge0",)) -> str:
        async with database.session() as session:
            user = await accounts.create_user(
                session, username=f"j0-{uuid.uuid4().hex[:12]}", password=None, role=role
            )
            _, secret = await accounts.create_api_key(
                session, user=user, name="judge0", scopes=list(scopes)
            )
        return secret

    return make


async def submit(
    client: httpx.AsyncClient, key: str, body: object, **params: str
) -> httpx.Response:
    return await client.post(
        "/judge0/submissions", params=params, json=body, headers={"X-Auth-Token": key}
    )


HELLO = {"source_code": "print('hi')", "language_id": 71}


async def test_information_endpoints_answer_as_judge0(client: Client) -> None:
    about = (await client.get("/judge0/about")).json()
    assert about["version"] == "1.13.1"
    languages = {x["id"]: x for x in (await client.get("/judge0/languages")).json()}
    assert languages[82]["name"].startswith("SQL (SQLite 3.")
    assert languages[71]["name"].startswith("Python (3.")
    assert all(set(language) == {"id", "name"} for language in languages.values())
    python = (await client.get("/judge0/languages/71")).json()
    assert set(python) == {"id", "name", "is_archived", "source_file", "compile_cmd", "run_cmd"}
    assert python["source_file"] == "script.py" and python["compile_cmd"] is None
    statuses = (await client.get("/judge0/statuses")).json()
    assert statuses[:3] == [
        {"id": 1, "description": "In Queue"},
        {"id": 2, "description": "Processing"},
        {"id": 3, "description": "Accepted"},
    ]
    assert statuses[-1] == {"id": 15, "description": "Memory Limit Exceeded"}
    config = (await client.get("/judge0/config_info")).json()
    assert config["max_memory_limit"] == 512000 and config["enable_network"] is False


@pytest.mark.parametrize("language_id", ["999", "0", "abc", "-1"])
async def test_an_unknown_language_is_judge0s_not_found(client: Client, language_id: str) -> None:
    response = await client.get(f"/judge0/languages/{language_id}")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


async def test_submitting_needs_a_judge0_key(client: Client, make_key: KeyMaker) -> None:
    assert (await client.post("/judge0/submissions", json=HELLO)).status_code == 401
    wrong = await submit(client, "viva_not-a-key", HELLO)
    assert (wrong.status_code, wrong.content) == (401, b"")
    read_only = await make_key(scopes=("read", "submit"))
    assert (await submit(client, read_only, HELLO)).status_code == 401
    assert (await submit(client, await make_key(), HELLO)).status_code == 201


BAD_SUBMISSIONS: list[tuple[object, dict[str, str], dict[str, list[str]]]] = [
    ({"language_id": 71}, {}, {"source_code": ["can't be blank"]}),
    (
        {"source_code": "print(1)", "language_id": 9999},
        {},
        {"language_id": ["language with id 9999 doesn't exist"]},
    ),
    ({"source_code": "x", "language_id": "seventy"}, {}, {"language_id": ["is not a number"]}),
    (
        {"source_code": "%%% not base64 %%%", "language_id": 71},
        {"base64_encoded": "true"},
        {"source_code": ["is not valid base64"]},
    ),
    (
        {"source_code": "cHJpbnQoMSk=", "stdin": "a", "language_id": 71},
        {"base64_encoded": "true"},
        {"stdin": ["is not valid base64"]},
    ),
    (
        {"source_code": "x" * 70_000, "language_id": 71},
        {},
        {"source_code": ["is too long (maximum is 65536 bytes)"]},
    ),
    (
        {"source_code": "x", "language_id": 71, "stdin": "y" * (2 * 1024 * 1024 + 1)},
        {},
        {"stdin": ["is too long (maximum is 2097152 bytes)"]},
    ),
    (
        {**HELLO, "cpu_time_limit": 99},
        {},
        {"cpu_time_limit": ["must be less than or equal to 15.0"]},
    ),
    ({**HELLO, "memory_limit": -5}, {}, {"memory_limit": ["must be greater than 0"]}),
    ({**HELLO, "wall_time_limit": "soon"}, {}, {"wall_time_limit": ["is not a number"]}),
    ({**HELLO, "number_of_runs": 1.5}, {}, {"number_of_runs": ["must be an integer"]}),
    (
        {**HELLO, "enable_network": True},
        {},
        {"enable_network": ["enabling network is not allowed"]},
    ),
    (
        {**HELLO, "enable_per_process_and_thread_time_limit": True},
        {},
        {"enable_per_process_and_thread_time_limit": ["this option cannot be enabled"]},
    ),
    (
        {**HELLO, "compiler_options": "-O2"},
        {},
        {"compiler_options": ["setting compiler options is not allowed here"]},
    ),
    (
        {**HELLO, "command_line_arguments": "'unclosed"},
        {},
        {"command_line_arguments": ["cannot be split into arguments"]},
    ),
    (
        {**HELLO, "additional_files": "bm90IGEgemlw"},
        {},
        {"additional_files": ["is not a zip archive"]},
    ),
    (
        {**HELLO, "callback_url": "http://127.0.0.1:9/x"},
        {},
        {"callback_url": ["callbacks are not enabled on this server"]},
    ),
    ({**HELLO, "viva_tests": []}, {}, {"viva_tests": ["must be a list of 1 to 20 test cases"]}),
    (["not", "an", "object"], {}, {"submission": ["must be a JSON object"]}),
]


async def test_a_bad_submission_gets_judge0s_field_errors_and_is_not_stored(
    client: Client, make_key: KeyMaker, database: Database
) -> None:
    from sqlalchemy import func, select

    from viva.judge0.models import Judge0Submission

    key = await make_key()
    for body, params, errors in BAD_SUBMISSIONS:
        response = await submit(client, key, body, **params)
        assert (response.status_code, response.json()) == (422, errors), body
    async with database.session() as session:
        stored = await session.scalar(select(func.count()).select_from(Judge0Submission))
    assert stored == 0


async def test_a_zip_bomb_is_refused_before_it_is_stored(
    client: Client, make_key: KeyMaker
) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("zeros", b"\0" * (9 * 1024 * 1024))
    body = {**HELLO, "additional_files": base64.b64encode(archive.getvalue()).decode()}
    response = await submit(client, await make_key(), body)
    assert response.status_code == 422
    assert response.json() == {
        "additional_files": ["extracts to more than max_extract_size (8192 KB)"]
    }


@pytest.mark.parametrize("fields", ["garbage", "stdout,nope,token", "*,;drop table"])
async def test_unknown_fields_are_judge0s_400(
    client: Client, make_key: KeyMaker, fields: str
) -> None:
    key = await make_key()
    response = await submit(client, key, HELLO, fields=fields)
    assert response.status_code == 400
    unknown = [f for f in fields.split(",") if f not in ("stdout", "token", "*")]
    assert response.json() == {"error": f"invalid fields: [{', '.join(unknown)}]"}


async def test_a_body_that_is_not_json_is_a_400(client: Client, make_key: KeyMaker) -> None:
    response = await client.post(
        "/judge0/submissions", content=b"{not json", headers={"X-Auth-Token": await make_key()}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "the request body is not valid JSON"}


async def test_another_clients_token_finds_nothing(client: Client, make_key: KeyMaker) -> None:
    owner, stranger = await make_key(), await make_key()
    created = (await submit(client, owner, HELLO, wait="true")).json()
    token = created["token"]
    mine = await client.get(f"/judge0/submissions/{token}", headers={"X-Auth-Token": owner})
    assert mine.status_code == 200 and mine.json()["stdout"] == "hi\n"
    theirs = await client.get(f"/judge0/submissions/{token}", headers={"X-Auth-Token": stranger})
    assert (theirs.status_code, theirs.json()) == (404, {"error": "Not Found"})
    unknown = await client.get(
        f"/judge0/submissions/{uuid.uuid4()}", headers={"X-Auth-Token": stranger}
    )
    assert unknown.json() == theirs.json()  # no difference between "not yours" and "none"
    batch = await client.get(
        "/judge0/submissions/batch", params={"tokens": token}, headers={"X-Auth-Token": stranger}
    )
    assert batch.json() == {"submissions": [None]}


async def test_the_operator_lists_and_deletes_with_x_auth_user(
    client: Client, make_key: KeyMaker, settings: Settings
) -> None:
    user, admin = await make_key(), await make_key(role="admin")
    token = (await submit(client, user, HELLO, wait="true")).json()["token"]
    listing = await client.get("/judge0/submissions", headers={"X-Auth-Token": user})
    assert (listing.status_code, listing.content) == (403, b"")
    operator = {"X-Auth-Token": user, "X-Auth-User": admin}
    listing = await client.get("/judge0/submissions", params={"fields": "token"}, headers=operator)
    assert {"token": token} in listing.json()["submissions"]
    assert listing.json()["meta"]["current_page"] == 1
    refused = await client.delete(f"/judge0/submissions/{token}", headers=operator)
    assert refused.json() == {"error": "delete not allowed"}  # Judge0's default: disabled
    assert (await client.get("/judge0/system_info", headers=operator)).status_code == 200
    assert (
        await client.get("/judge0/system_info", headers={"X-Auth-Token": user})
    ).status_code == 403


async def test_delete_when_enabled_answers_the_deleted_submission(
    settings: Settings, database: Database, make_key: KeyMaker
) -> None:
    enabled = settings.model_copy(
        update={"judge0": settings.judge0.model_copy(update={"enable_submission_delete": True})}
    )
    app = create_app(enabled)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://viva.test") as client:
            user, admin = await make_key(), await make_key(role="admin")
            token = (await submit(client, user, HELLO, wait="true")).json()["token"]
            operator = {"X-Auth-Token": user, "X-Auth-User": admin}
            gone = await client.delete(f"/judge0/submissions/{token}", headers=operator)
            assert gone.status_code == 200
            assert base64.b64decode(gone.json()["stdout"]) == b"hi\n"
            again = await client.get(f"/judge0/submissions/{token}", headers={"X-Auth-Token": user})
            assert again.status_code == 404


async def test_judge0_jobs_share_the_submission_quota(
    settings: Settings, database: Database, make_key: KeyMaker
) -> None:
    limited = settings.model_copy(update={"rate_limit_submissions": "3/minute"})
    app = create_app(limited)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://viva.test") as client:
            key = await make_key()
            for _ in range(3):
                assert (await submit(client, key, HELLO)).status_code == 201
            refused = await submit(client, key, HELLO)
            assert refused.status_code == 429
            assert "rate limit of 3/minute exceeded" in refused.json()["error"]
            assert int(refused.headers["Retry-After"]) >= 1
            batch = await client.post(
                "/judge0/submissions/batch",
                json={"submissions": [HELLO]},
                headers={"X-Auth-Token": await make_key()},
            )
            assert batch.status_code == 201


async def test_batches_are_bounded_as_in_judge0(client: Client, make_key: KeyMaker) -> None:
    headers = {"X-Auth-Token": await make_key()}
    empty = await client.post(
        "/judge0/submissions/batch", json={"submissions": []}, headers=headers
    )
    assert empty.json() == {"error": "there should be at least one submission in a batch"}
    many = await client.post(
        "/judge0/submissions/batch", json={"submissions": [HELLO] * 21}, headers=headers
    )
    assert many.json() == {
        "error": "number of submissions in a batch should be less than or equal to 20"
    }
    mixed = await client.post(
        "/judge0/submissions/batch",
        json={"submissions": [HELLO, {"language_id": 71}]},
        headers=headers,
    )
    assert mixed.status_code == 201
    first, second = mixed.json()
    assert set(first) == {"token"} and second == {"source_code": ["can't be blank"]}


async def test_a_submission_left_in_the_queue_runs_when_the_next_process_starts(
    settings: Settings, database: Database, make_key: KeyMaker
) -> None:
    import asyncio

    from viva.judge0.models import Judge0Submission

    key = await make_key()
    async with database.session() as session:
        owner = await accounts.user_for_api_key(session, secret=key)
        assert owner is not None
        session.add(
            Judge0Submission(
                token="left-behind",
                user_id=owner[0].id,
                language_id=71,
                source_code=b"print('picked up')",
                options={
                    "cpu_time_limit": 5.0,
                    "cpu_extra_time": 1.0,
                    "wall_time_limit": 10.0,
                    "memory_limit": 128000,
                    "max_file_size": 1024,
                    "number_of_runs": 1,
                },
                status_id=2,  # Processing when its process died
                attempts=1,
            )
        )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://viva.test") as client:
            for _ in range(300):
                found = await client.get(
                    "/judge0/submissions/left-behind",
                    params={"fields": "status_id,stdout"},
                    headers={"X-Auth-Token": key},
                )
                if found.json()["status_id"] >= 3:
                    break
                await asyncio.sleep(0.1)
            assert found.json() == {"status_id": 3, "stdout": "picked up\n"}


async def test_two_workers_claim_a_submission_once_and_leave_a_live_run_alone(
    settings: Settings, database: Database, make_key: KeyMaker
) -> None:
    import asyncio
    from datetime import UTC, datetime

    from viva.judge0 import service
    from viva.judge0.models import Judge0Submission

    key = await make_key()
    options = {
        "cpu_time_limit": 5.0,
        "cpu_extra_time": 1.0,
        "wall_time_limit": 10.0,
        "memory_limit": 128000,
        "max_file_size": 1024,
        "number_of_runs": 1,
    }
    async with database.session() as session:
        owner = await accounts.user_for_api_key(session, secret=key)
        assert owner is not None
        queued = Judge0Submission(
            token=str(uuid.uuid4()),
            user_id=owner[0].id,
            language_id=71,
            source_code=b"print('once')",
            options=options,
            status_id=1,
            attempts=0,
        )
        live = Judge0Submission(
            token=str(uuid.uuid4()),
            user_id=owner[0].id,
            language_id=71,
            source_code=b"print('elsewhere')",
            options=options,
            status_id=2,
            attempts=1,
            started_at=datetime.now(UTC),  # another process started it a moment ago
        )
        session.add_all([queued, live])
    done = await asyncio.gather(
        service.process(database, settings=settings, submission_id=queued.id),
        service.process(database, settings=settings, submission_id=queued.id),
    )
    ran = [d for d in done if d is not None]
    assert len(ran) == 1 and ran[0].stdout == "once\n" and ran[0].attempts == 1
    assert await service.process(database, settings=settings, submission_id=live.id) is None
    waits = dict(await service.unfinished(database))
    assert 0 < waits[live.id] <= 70 and queued.id not in waits
