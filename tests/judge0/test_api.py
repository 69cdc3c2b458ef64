"""The Judge0 API's contract in process (ASGI): Judge0's error shapes for hostile and broken
requests, who may see what, quotas, and the operator's endpoints; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import io
import uuid
import zipfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from tests.conftest import Client
from viva.accounts import service as accounts
from viva.accounts.models import AuditEntry
from viva.app import create_app
from viva.db import Database
from viva.events import EventBus
from viva.grading import claims
from viva.grading.catalogue import Catalogue
from viva.grading.models import Submission, SubmissionStatus
from viva.grading.service import GradingContext
from viva.judge0 import jobs
from viva.judge0 import repository as judge0_repository
from viva.judge0.models import KIND, Judge0Submission
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
    async with database.session() as session:  # its grading row went with it
        left = await session.scalars(select(Submission.id).where(Submission.challenge == KIND))
        assert left.all() == []


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


OPTIONS = {
    "cpu_time_limit": 5.0,
    "cpu_extra_time": 1.0,
    "wall_time_limit": 10.0,
    "memory_limit": 128000,
    "max_file_size": 1024,
    "number_of_runs": 1,
}


async def _stored_job(
    database: Database, key: str, source: bytes, **job: object
) -> tuple[str, int]:
    """A Judge0 submission and its grading row as a process left them (`job`: the row's
    status, claim and attempts); its token and the grading row's id."""
    async with database.session() as session:
        owner = await accounts.user_for_api_key(session, secret=key)
        assert owner is not None
        row = Submission(challenge=KIND, source="", tests=[], message="", **job)
        session.add(row)
        await session.flush()
        token = str(uuid.uuid4())
        session.add(
            Judge0Submission(
                token=token,
                submission_id=row.id,
                user_id=owner[0].id,
                language_id=71,
                source_code=source,
                options=OPTIONS,
                status_id=1,
            )
        )
        return token, row.id


async def _grading_row(database: Database, submission_id: int) -> Submission:
    async with database.session() as session:
        found = await session.get(Submission, submission_id)
        assert found is not None
        return found


async def _until_finished(client: httpx.AsyncClient, key: str, token: str) -> dict[str, object]:
    for _ in range(600):
        found = await client.get(
            f"/judge0/submissions/{token}",
            params={"fields": "status_id,stdout,message"},
            headers={"X-Auth-Token": key},
        )
        if found.json()["status_id"] >= 3:
            return dict(found.json())
        await asyncio.sleep(0.1)
    raise AssertionError(f"{token} never finished: {found.json()}")


async def test_a_run_whose_process_died_is_taken_over_by_the_grading_queue(
    settings: Settings, database: Database, make_key: KeyMaker
) -> None:
    """A job left running on an expired lease (its process died) and one left queued are
    recovered by the next process's grading queue, like graded submissions; a job
    interrupted too often ends as Internal Error, saying why."""
    key = await make_key()
    expired = datetime.now(UTC) - timedelta(minutes=5)
    died = dict(status=SubmissionStatus.RUNNING, claimed_by="gone", lease_expires_at=expired)
    taken_over, taken_over_id = await _stored_job(
        database, key, b"print('picked up')", attempts=1, **died
    )
    queued, _ = await _stored_job(
        database, key, b"print('queued')", status=SubmissionStatus.QUEUED, attempts=0
    )
    given_up, _ = await _stored_job(database, key, b"print('never')", attempts=3, **died)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://viva.test") as client:
            first = await _until_finished(client, key, taken_over)
            second = await _until_finished(client, key, queued)
            third = await _until_finished(client, key, given_up)
    assert first == {"status_id": 3, "stdout": "picked up\n", "message": None}
    assert second == {"status_id": 3, "stdout": "queued\n", "message": None}
    assert third == {
        "status_id": 13,
        "stdout": None,
        "message": "grading was interrupted 3 times; giving up",
    }
    row = await _grading_row(database, taken_over_id)
    assert (row.status, row.verdict, row.attempts) == ("done", "Accepted", 2)


async def test_two_processes_race_for_a_judge0_job_and_it_runs_once(
    settings: Settings, database: Database, make_key: KeyMaker
) -> None:
    """The grading queue's conditional claim, for Judge0 jobs too: of two processes (two
    grading contexts) racing for one job exactly one runs it, and a job another live
    process holds on a lease is left alone."""
    key = await make_key()
    token, queued = await _stored_job(
        database, key, b"print('once')", status=SubmissionStatus.QUEUED, attempts=0
    )
    lease = datetime.now(UTC) + timedelta(minutes=5)
    live = dict(status=SubmissionStatus.RUNNING, claimed_by="alive", lease_expires_at=lease)
    _, held = await _stored_job(database, key, b"print('elsewhere')", attempts=1, **live)
    contexts = []
    for _ in range(2):
        ctx = GradingContext.build(
            settings=settings, database=database, catalogue=Catalogue(), events=EventBus()
        )
        jobs.install(ctx, metrics=None)
        contexts.append(ctx)
    try:
        done = await asyncio.gather(
            *(claims.grade_submission(c, submission_id=queued) for c in contexts)
        )
        assert await claims.grade_submission(contexts[0], submission_id=held) is None
    finally:
        for ctx in contexts:
            await ctx.close()
    assert sorted(str(d and d.verdict) for d in done) == ["Accepted", "None"]
    row = await _grading_row(database, queued)
    assert (row.status, row.attempts) == ("done", 1)
    async with database.session() as session:
        ran = await judge0_repository.by_token(session, token=token)
        assert ran is not None and (ran.stdout, ran.status_id) == ("once\n", 3)
    assert (await _grading_row(database, held)).claimed_by == "alive"


async def test_a_judge0_job_is_audited_and_counted_like_a_graded_submission(
    client: Client, make_key: KeyMaker, database: Database
) -> None:
    key = await make_key()
    token = (await submit(client, key, HELLO, wait="true")).json()["token"]
    wrong = {**HELLO, "expected_output": "bye"}
    assert (await submit(client, key, wrong, wait="true")).json()["status"]["id"] == 4
    async with database.session() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "judge0.submit"))
        ).all()
        found = await judge0_repository.by_token(session, token=token)
        assert found is not None
    assert len(entries) == 2 and token in {e.target for e in entries}
    assert found.job.challenge == KIND and found.job.verdict == "Accepted"
    text = (await client.get("/metrics")).text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("viva_judge0_jobs_total", (("status", "Accepted"),))] == 1
    assert samples[("viva_judge0_jobs_total", (("status", "Wrong Answer"),))] == 1
    assert samples[("viva_judge0_duration_seconds_count", ())] == 2
    # The grading queue counted them too, by the verdict stored on their grading rows.
    assert samples[("viva_grading_jobs_total", (("verdict", "Accepted"),))] == 1
    assert samples[("viva_grading_jobs_total", (("verdict", "Wrong Answer"),))] == 1
