"""Why a key point was not credited, in the candidate's terms, on the review card and in the
mock report (issue 22)."""

from __future__ import annotations

from tests.conftest import Client
from tests.practice.test_disputes import GIL_WRONG, PY3_FAIR, question_id
from tests.practice.test_mock import user_with_token
from tests.practice.test_pages import sign_in
from viva.bank import repository
from viva.db import Database
from viva.practice import mock_templates
from viva.practice.matcher import match_key_points
from viva.settings import Settings


def test_the_feedback_says_why_a_point_is_not_credited() -> None:
    gil = "The GIL does not make your code thread-safe; still use locks"
    (opposite,) = match_key_points(GIL_WRONG, [gil])
    assert opposite.feedback.startswith("you said the opposite: “")
    (partly,) = match_key_points("the hit ratio matters", ["Measure hit ratio and latency"])
    assert partly.feedback == "mentioned hit ratio but not Measure, latency"
    (absent,) = match_key_points("docker images are layered", ["Measure hit ratio and latency"])
    assert absent.feedback == "not mentioned"
    weakref = "weakref references an object without keeping it alive"
    (denial,) = match_key_points("weak references reference an object", [weakref])
    assert denial.feedback == "you did not say what it rules out: alive"
    (credited,) = match_key_points("measure the hit ratio and the latency", [partly.point])
    assert credited.covered and credited.feedback == ""


async def test_the_review_card_says_why_a_point_was_not_credited(
    client: Client, database: Database
) -> None:
    _, csrf = await sign_in(client, database, "candidate")
    fair = await client.post(
        f"/practice/review/{await question_id(database, 1)}/reveal",
        data={"answer": PY3_FAIR + ". exceptions look a bit different", "csrf_token": csrf},
    )
    assert fair.status_code == 200
    assert "not credited: mentioned Exceptions but not " in fair.text
    assert "not credited: not mentioned" in fair.text
    wrong = await client.post(
        f"/practice/review/{await question_id(database, 2)}/reveal",
        data={"answer": GIL_WRONG, "csrf_token": csrf},
    )
    assert "you said the opposite, you wrote “" in wrong.text


async def test_the_mock_report_says_why_a_point_was_not_credited(
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
    assert credited["covered"] and credited["reason"] == ""
    assert others and all(p["reason"] for p in others)
    markdown = await client.get(f"/api/v1/mock/interviews/{iid}/report?format=md", headers=me)
    assert "(not credited: " in markdown.text


async def test_the_solo_mock_report_page_says_why_a_point_was_not_credited(
    client: Client, database: Database
) -> None:
    _, csrf = await sign_in(client, database, "candidate")
    created = await client.post(
        "/mock",
        data={
            "template": mock_templates.DEFAULT_TEMPLATE,
            "question_count": "1",
            "csrf_token": csrf,
        },
    )
    assert created.status_code == 303
    iid = int(created.headers["location"].rsplit("/", 1)[1])
    await client.post(f"/mock/{iid}/start", data={"csrf_token": csrf})
    answer = "i would look at the logs first"
    await client.post(
        f"/mock/{iid}/save",
        data={"position": "0", "action": "finish", "answer": answer, "csrf_token": csrf},
    )
    page = await client.get(f"/mock/{iid}/report")
    assert page.status_code == 200 and answer in page.text
    assert "not credited: " in page.text
