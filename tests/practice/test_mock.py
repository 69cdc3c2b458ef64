"""Mock interviews: drawing, the timed session, hints, auto-submit, reports, interviewer mode."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import Client
from viva.accounts import security
from viva.accounts import service as accounts
from viva.accounts.models import AuditEntry, User
from viva.bank import repository
from viva.bank.models import BUILTIN_TRACK
from viva.clock import now
from viva.db import Database
from viva.practice import mock, mock_templates
from viva.practice.models import MockTemplate, ReviewLog
from viva.settings import Settings


async def user_with_token(
    database: Database, settings: Settings, role: str
) -> tuple[User, dict[str, str]]:
    async with database.session() as session:
        user = await accounts.create_user(
            session, username=f"{role[:4]}-{uuid.uuid4().hex[:6]}", password=None, role=role
        )
    token = security.encode_token(
        user_id=user.id,
        role=user.role,
        kind="access",
        ttl=security.ACCESS_TTL,
        key=settings.effective_secret_key,
    )
    return user, {"Authorization": f"Bearer {token}"}


def test_allocation_follows_the_weights() -> None:
    assert mock_templates.allocate(10, {"a": 1, "b": 1}) == {"a": 5, "b": 5}
    assert mock_templates.allocate(3, {"a": 2, "b": 1, "c": 0}) == {"a": 2, "b": 1, "c": 0}
    assert sum(mock_templates.allocate(7, {"a": 1, "b": 1, "c": 1}).values()) == 7
    assert mock_templates.allocate(0, {"a": 1}) == {"a": 0}


async def test_the_default_template_samples_the_ten_sections(database: Database) -> None:
    async with database.session() as session:
        template = await mock_templates.get_template(session, slug=mock_templates.DEFAULT_TEMPLATE)
        track = await repository.get_track(session, slug=BUILTIN_TRACK)
        assert track is not None and template.track_id == track.id
        questions = list(await repository.questions_of_track(session, track_id=track.id))
        drawn = [
            mock_templates.draw(
                questions,
                count=template.question_count,
                category_weights=template.category_weights,
                difficulty_mix=template.difficulty_mix,
                rng=random.Random(seed),
            )
            for seed in (1, 1, 2)
        ]
    assert len(drawn[0]) == 10
    assert len({q.category_id for q in drawn[0]}) == 10  # one per section
    assert [q.id for q in drawn[0]] == [q.id for q in drawn[1]]  # a seed repeats a draw
    assert [q.id for q in drawn[0]] != [q.id for q in drawn[2]]


async def test_a_candidate_practises_alone_and_reads_the_report(
    client: Client, database: Database, settings: Settings
) -> None:
    user, me = await user_with_token(database, settings, "candidate")
    created = await client.post(
        "/api/v1/mock/interviews",
        json={"template": mock_templates.DEFAULT_TEMPLATE, "question_count": 2, "seed": 7},
        headers=me,
    )
    assert created.status_code == 201, created.text
    interview = created.json()
    iid, items = interview["id"], interview["items"]
    assert interview["status"] == "created" and len(items) == 2 and interview["invite_url"] is None
    started = await client.post(f"/api/v1/mock/interviews/{iid}/start", headers=me)
    assert started.json()["status"] == "running" and started.json()["deadline"]
    async with database.session() as session:
        first = await repository.get_question(session, question_id=items[0]["question_id"])
        assert first is not None and first.answer is not None
        model_points = first.answer.key_points
    saved = await client.put(
        f"/api/v1/mock/interviews/{iid}/items/0",
        json={"answer": "\n".join(model_points), "notes": "felt good", "go_to": 1},
        headers=me,
    )
    assert saved.status_code == 200 and saved.json()["current"] == 1
    hint = await client.post(f"/api/v1/mock/interviews/{iid}/items/1/hint", headers=me)
    assert hint.status_code == 200 and hint.json()["hints_used"] == 1
    assert (
        await client.get(f"/api/v1/mock/interviews/{iid}/report", headers=me)
    ).status_code == 409
    submitted = await client.post(f"/api/v1/mock/interviews/{iid}/submit", headers=me)
    assert submitted.json()["status"] == "released"  # alone: the matcher's report at once
    again = await client.put(
        f"/api/v1/mock/interviews/{iid}/items/0", json={"answer": "late"}, headers=me
    )
    assert again.status_code == 409
    report = (await client.get(f"/api/v1/mock/interviews/{iid}/report", headers=me)).json()
    one, two = report["items"]
    assert all(p["covered"] for p in one["points"]) and one["score"] == 1.0
    assert one["notes"] == "felt good" and one["time_spent_seconds"] >= 0
    assert len(two["hints"]) == 1 and two["score"] == 0.0  # empty answer, and a hint
    assert report["hints_used"] == 1 and report["private_summary"] is None
    assert {c["category"] for c in report["categories"]} == {one["category"], two["category"]}
    assert report["recommended"] == [two["question_id"]]
    assert (two["number"], two["points"][0]["text"]) in [tuple(m) for m in report["missed"]]
    markdown = await client.get(f"/api/v1/mock/interviews/{iid}/report?format=md", headers=me)
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "## Score per category" in markdown.text and f"Q{two['number']}." in markdown.text
    async with database.session() as session:
        logs = (await session.scalars(select(ReviewLog).where(ReviewLog.user_id == user.id))).all()
    assert sorted((log.source, log.rating) for log in logs) == [("mock", 1), ("mock", 3)]


async def test_time_running_out_submits_what_was_saved(
    client: Client, database: Database, settings: Settings
) -> None:
    user, me = await user_with_token(database, settings, "candidate")
    created = await client.post(
        "/api/v1/mock/interviews",
        json={
            "template": mock_templates.DEFAULT_TEMPLATE,
            "question_count": 2,
            "duration_seconds": 60,
        },
        headers=me,
    )
    iid = created.json()["id"]
    async with database.session() as session:
        interview = await mock.load(session, interview_id=iid)
        await mock.start(session, interview=interview, user=user, at=now() - timedelta(minutes=5))
        await mock.save(
            session,
            interview=interview,
            user=user,
            position=0,
            answer="draft",
            at=now() - timedelta(minutes=4, seconds=30),
        )
    late = await client.put(
        f"/api/v1/mock/interviews/{iid}/items/0", json={"answer": "too late"}, headers=me
    )
    assert late.status_code == 409 and "released" in late.json()["detail"]
    report = (await client.get(f"/api/v1/mock/interviews/{iid}/report", headers=me)).json()
    assert report["auto_submitted"] is True
    assert report["items"][0]["answer"] == "draft"
    assert report["time_used_seconds"] <= 60  # time is counted up to the deadline only


async def test_interviewer_mode_permissions_and_release(
    client: Client, database: Database, settings: Settings
) -> None:
    interviewer, iv = await user_with_token(database, settings, "interviewer")
    other_iv = (await user_with_token(database, settings, "interviewer"))[1]
    candidate, cand = await user_with_token(database, settings, "candidate")
    stranger = (await user_with_token(database, settings, "candidate"))[1]
    body = {
        "template": mock_templates.DEFAULT_TEMPLATE,
        "question_count": 2,
        "candidate_id": candidate.id,
    }
    refused = await client.post("/api/v1/mock/interviews", json=body, headers=iv)
    assert refused.status_code == 403  # not their candidate yet
    await client.post(
        "/api/v1/assignments",
        json={"interviewer_id": interviewer.id, "candidate_id": candidate.id},
        headers=client.admin,
    )
    self_invite = await client.post(
        "/api/v1/mock/interviews", json=body | {"candidate_id": candidate.id}, headers=cand
    )
    assert self_invite.status_code == 403  # candidates cannot run interviews for others
    created = await client.post("/api/v1/mock/interviews", json=body, headers=iv)
    assert created.status_code == 201
    interview = created.json()
    iid, token = interview["id"], interview["invite_url"].rsplit("/", 1)[1]
    assert interview["role"] == "interviewer"
    assert (await client.post(f"/api/v1/mock/invites/{token}", headers=stranger)).status_code == 404
    assert (await client.get(f"/api/v1/mock/interviews/{iid}", headers=stranger)).status_code == 404
    assert (await client.get(f"/api/v1/mock/interviews/{iid}", headers=other_iv)).status_code == 404
    accepted = await client.post(f"/api/v1/mock/invites/{token}", headers=cand)
    assert accepted.status_code == 200 and accepted.json()["role"] == "candidate"
    assert (
        await client.post(f"/api/v1/mock/interviews/{iid}/start", headers=iv)
    ).status_code == 403
    await client.post(f"/api/v1/mock/interviews/{iid}/start", headers=cand)
    answer = {"answer": "my answer"}
    assert (
        await client.put(f"/api/v1/mock/interviews/{iid}/items/0", json=answer, headers=iv)
    ).status_code == 403
    await client.put(f"/api/v1/mock/interviews/{iid}/items/0", json=answer, headers=cand)
    early = await client.put(
        f"/api/v1/mock/interviews/{iid}/items/0/score", json={"rubric": [4]}, headers=iv
    )
    assert early.status_code == 409  # not submitted yet
    await client.post(f"/api/v1/mock/interviews/{iid}/submit", headers=cand)
    waiting = await client.get(f"/api/v1/mock/interviews/{iid}/report", headers=cand)
    assert waiting.status_code == 409 and "not released" in waiting.json()["detail"]
    report = (await client.get(f"/api/v1/mock/interviews/{iid}/report", headers=iv)).json()
    sizes = [len(item["points"]) for item in report["items"]]
    score_url = f"/api/v1/mock/interviews/{iid}/items/{{}}/score"
    by_candidate = await client.put(
        score_url.format(0), json={"rubric": [4] * sizes[0]}, headers=cand
    )
    assert by_candidate.status_code == 403
    wrong_size = await client.put(score_url.format(0), json={"rubric": [4]}, headers=iv)
    assert wrong_size.status_code == 422
    scored = await client.put(
        score_url.format(0),
        json={"rubric": [4] * sizes[0], "private_notes": "PRIVATE-NOTE strong"},
        headers=iv,
    )
    assert scored.status_code == 204
    decision = {"signal": "hire", "private_summary": "PRIVATE-SUMMARY", "release": True}
    unfinished = await client.post(
        f"/api/v1/mock/interviews/{iid}/decision", json=decision, headers=iv
    )
    assert unfinished.status_code == 409 and "missing: 2" in unfinished.json()["detail"]
    await client.put(score_url.format(1), json={"rubric": [1] * sizes[1]}, headers=iv)
    released = await client.post(
        f"/api/v1/mock/interviews/{iid}/decision", json=decision, headers=iv
    )
    assert released.status_code == 200 and released.json()["status"] == "released"
    seen = await client.get(f"/api/v1/mock/interviews/{iid}/report", headers=cand)
    assert seen.status_code == 200
    assert "PRIVATE" not in seen.text and seen.json()["signal"] == "hire"
    assert [i["score"] for i in seen.json()["items"]] == [1.0, 0.0]
    assert seen.json()["total_score"] == 0.5
    full = (await client.get(f"/api/v1/mock/interviews/{iid}/report", headers=iv)).json()
    assert full["items"][0]["private_notes"] == "PRIVATE-NOTE strong"
    assert full["private_summary"] == "PRIVATE-SUMMARY"
    async with database.session() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor_id == interviewer.id)
            )
        ).all()
    assert {"mock.invite", "mock.release"} <= set(actions)


async def test_templates_are_validated(
    client: Client, database: Database, settings: Settings
) -> None:
    _, iv = await user_with_token(database, settings, "interviewer")
    base = {
        "slug": f"t-{uuid.uuid4().hex[:6]}",
        "title": "SQL only",
        "track": BUILTIN_TRACK,
        "duration_seconds": 600,
        "question_count": 3,
        "category_weights": {"sql-and-databases": 1},
        "difficulty_mix": {"hard": 1},
    }
    bad_category = await client.post(
        "/api/v1/mock/templates", json=base | {"category_weights": {"nope": 1}}, headers=iv
    )
    assert bad_category.status_code == 422 and "nope" in bad_category.json()["detail"]
    created = await client.post("/api/v1/mock/templates", json=base, headers=iv)
    assert created.status_code == 201, created.text
    interview = await client.post(
        "/api/v1/mock/interviews", json={"template": base["slug"], "seed": 3}, headers=iv
    )
    categories = {item["category"] for item in interview.json()["items"]}
    assert len(interview.json()["items"]) == 3 and len(categories) == 1
    async with database.session() as session:
        assert await session.scalar(
            select(MockTemplate.id).where(MockTemplate.slug == base["slug"])
        )


@pytest.mark.parametrize("signal", ["maybe", ""])
async def test_bad_signals_are_refused(client: Client, signal: str) -> None:
    response = await client.post(
        "/api/v1/mock/interviews/1/decision", json={"signal": signal}, headers=client.admin
    )
    assert response.status_code == 422
