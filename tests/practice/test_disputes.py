"""Why the checker credited a key point, and a candidate's "I did cover this"."""

from __future__ import annotations

import yaml
from sqlalchemy import func, select

from tests.conftest import Client
from tests.practice.test_mock import user_with_token
from tests.practice.test_pages import sign_in
from viva.bank import repository
from viva.bank.models import Question
from viva.db import Database
from viva.practice import mock_templates, review
from viva.practice.evalset import parse_eval_set
from viva.practice.models import PointDispute
from viva.settings import Settings

GIL_WRONG = "the GIL makes all your code thread-safe, so you never need locks"
PY3_FAIR = (
    "python 3 uses unicode strings and print became a function. python 2 end of life was 2020"
)


async def question_id(database: Database, number: int) -> int:
    async with database.session() as session:
        found = await session.scalar(select(Question.id).where(Question.number == number))
    assert found is not None
    return found


async def test_the_review_card_shows_why_and_a_contradiction(
    client: Client, database: Database
) -> None:
    _, csrf = await sign_in(client, database, "candidate")
    qid = await question_id(database, 2)
    page = await client.post(
        f"/practice/review/{qid}/reveal", data={"answer": GIL_WRONG, "csrf_token": csrf}
    )
    assert page.status_code == 200
    assert "contradicts the model answer" in page.text
    assert "you wrote “thread-safe" in page.text
    assert "I did cover this" in page.text


async def test_i_did_cover_this_is_recorded_and_exported(
    client: Client, database: Database
) -> None:
    user, csrf = await sign_in(client, database, "candidate")
    qid = await question_id(database, 1)
    page = await client.post(
        f"/practice/review/{qid}/reveal", data={"answer": PY3_FAIR, "csrf_token": csrf}
    )
    assert "matched: " in page.text and "(you wrote “" in page.text
    async with database.session() as session:
        _, matches = await review.check_answer(session, question_id=qid, text=PY3_FAIR)
    missed = next(i for i, m in enumerate(matches) if not m.covered)
    credited = next(i for i, m in enumerate(matches) if m.covered)
    url = f"/practice/review/{qid}/dispute"
    forged = await client.post(url, data={"point": str(missed), "answer": PY3_FAIR})
    assert forged.status_code == 403  # no CSRF token
    done = await client.post(
        url, data={"point": str(missed), "answer": PY3_FAIR, "csrf_token": csrf}
    )
    assert done.status_code == 200 and "Recorded: you say you covered this" in done.text
    refused = [
        await client.post(url, data={"point": str(p), "answer": a, "csrf_token": csrf})
        for p, a in ((credited, PY3_FAIR), (99, PY3_FAIR), (missed, "  "))
    ]
    assert [r.status_code for r in refused] == [422, 422, 422]
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(PointDispute)) == 1
        rows = await review.disputes(session)
    ((dispute, number),) = rows
    assert (dispute.user_id, number, dispute.point_index) == (user.id, 1, missed)
    assert dispute.answer == PY3_FAIR and dispute.key_points == [m.point for m in matches]


async def test_disputes_export_into_the_evaluation_set_format(
    client: Client, database: Database
) -> None:
    from bench.export_disputes import export

    _, csrf = await sign_in(client, database, "candidate")
    qid = await question_id(database, 1)
    await client.post(
        f"/practice/review/{qid}/dispute",
        data={"point": "3", "answer": PY3_FAIR, "csrf_token": csrf},
    )
    (answer,) = parse_eval_set(yaml.safe_load(await export(database.url)))
    assert (answer.question, answer.kind, answer.text) == (1, "feedback", PY3_FAIR)
    assert answer.covered == answer.labelled == frozenset({3})
    assert answer.is_labelled(3) and not answer.is_labelled(0)


async def test_the_mock_report_says_why_each_point_was_credited(
    client: Client, database: Database, settings: Settings
) -> None:
    _, me = await user_with_token(database, settings, "candidate")
    created = await client.post(
        "/api/v1/mock/interviews",
        json={"template": mock_templates.DEFAULT_TEMPLATE, "question_count": 1, "seed": 7},
        headers=me,
    )
    iid = created.json()["id"]
    await client.post(f"/api/v1/mock/interviews/{iid}/start", headers=me)
    async with database.session() as session:
        first = await repository.get_question(
            session, question_id=created.json()["items"][0]["question_id"]
        )
    assert first is not None and first.answer is not None
    point = first.answer.key_points[0]
    await client.put(f"/api/v1/mock/interviews/{iid}/items/0", json={"answer": point}, headers=me)
    await client.post(f"/api/v1/mock/interviews/{iid}/submit", headers=me)
    report = (await client.get(f"/api/v1/mock/interviews/{iid}/report", headers=me)).json()
    credited, *others = report["items"][0]["points"]
    assert credited["covered"] and credited["matched"] and credited["evidence"]
    assert not credited["contradicted"] and all(not p["covered"] for p in others)
    assert all(p["missing"] for p in others)
    markdown = await client.get(f"/api/v1/mock/interviews/{iid}/report?format=md", headers=me)
    assert f"{point} (checker matched: " in markdown.text
