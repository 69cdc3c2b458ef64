"""The practice pages with a cookie session: review a card, run and score a mock interview."""

from __future__ import annotations

import re
import uuid

from tests.conftest import Client
from viva.accounts import service as accounts
from viva.accounts.models import User
from viva.db import Database
from viva.practice import mock_templates


async def sign_in(client: Client, database: Database, role: str) -> tuple[User, str]:
    """Sign this client in through a one-time link; returns the user and the CSRF token."""
    async with database.session() as session:
        user = await accounts.create_user(
            session, username=f"p-{uuid.uuid4().hex[:6]}", password=None, role=role
        )
        token = await accounts.create_login_link(session, user=user)
    client.cookies.clear()
    response = await client.get(f"/auth/link/{token}")
    assert response.status_code == 303
    return user, client.cookies["viva_csrf"]


async def test_reviewing_a_card_in_the_browser(client: Client, database: Database) -> None:
    _, csrf = await sign_in(client, database, "candidate")
    page = await client.get("/practice")
    assert page.status_code == 200 and "Start review" in page.text
    first = await client.get("/practice/next")
    assert first.status_code == 303
    card_url = first.headers["location"]
    qid = int(card_url.rsplit("/", 1)[1])
    card = await client.get(card_url)
    assert "Check my answer" in card.text
    checked = await client.post(
        f"/practice/review/{qid}/reveal",
        data={
            "answer": "Python 2 reached end of life in 2020-01-01; 2.7.18 was the last release",
            "csrf_token": csrf,
        },
    )
    assert checked.status_code == 200
    assert "Key points you covered: 1 of" in checked.text and "✓" in checked.text
    forged = await client.post(f"/practice/review/{qid}/rate", data={"rating": "good"})
    assert forged.status_code == 403  # no CSRF token
    rated = await client.post(
        f"/practice/review/{qid}/rate", data={"rating": "good", "csrf_token": csrf}
    )
    assert rated.status_code == 303 and rated.headers["location"].startswith("/practice/next")
    stats = (await client.get("/api/v1/me/review/stats")).json()
    assert stats["cards"] == 1 and sum(stats["heatmap"].values()) == 1


async def test_an_interviewer_scores_and_releases_in_the_browser(
    client: Client, database: Database
) -> None:
    interviewer, iv_csrf = await sign_in(client, database, "interviewer")
    created = await client.post(
        "/mock",
        data={
            "template": mock_templates.DEFAULT_TEMPLATE,
            "question_count": "1",
            "mode": "interviewer",
            "csrf_token": iv_csrf,
        },
    )
    assert created.status_code == 200 and "Invite link" in created.text
    invite = re.search(r'value="(http[^"]+/mock/invite/[^"]+)"', created.text)
    assert invite is not None
    interviewer_cookies = dict(client.cookies)
    candidate, c_csrf = await sign_in(client, database, "candidate")
    opened = await client.get("/mock/invite/" + invite.group(1).rsplit("/", 1)[1])
    assert opened.status_code == 303
    take = opened.headers["location"]
    iid = int(take.rsplit("/", 1)[1])
    assert "Start" in (await client.get(take)).text
    await client.post(f"/mock/{iid}/start", data={"csrf_token": c_csrf})
    running = await client.get(take)
    assert 'id="countdown"' in running.text and "Question 1 of 1" in running.text
    await client.post(
        f"/mock/{iid}/save",
        data={"position": "0", "action": "finish", "answer": "my answer", "csrf_token": c_csrf},
    )
    waiting = await client.get(f"/mock/{iid}/report")
    assert "has not released the report yet" in waiting.text
    client.cookies.clear()
    client.cookies.update(interviewer_cookies)
    score_page = await client.get(f"/mock/{iid}")
    assert score_page.status_code == 303 and score_page.headers["location"].endswith("/score")
    form = await client.get(f"/mock/{iid}/score")
    fields = re.findall(r'name="(rubric-0-\d+)"', form.text)
    assert fields and "my answer" in form.text
    data = {name: "4" for name in fields} | {
        "notes-0": "SECRET note",
        "signal": "hire",
        "summary": "SECRET summary",
        "release": "1",
        "csrf_token": iv_csrf,
    }
    saved = await client.post(f"/mock/{iid}/score", data=data)
    assert saved.status_code == 303
    report = await client.get(f"/mock/{iid}/report")
    assert "100%" in report.text and "SECRET note" in report.text
    client.cookies.clear()
    await sign_in(client, database, "candidate")  # someone else
    assert (await client.get(f"/mock/{iid}/report")).status_code == 404
    assert interviewer.id != candidate.id


async def test_an_interviewer_sees_only_their_candidates_pages(
    client: Client, database: Database
) -> None:
    candidate, _ = await sign_in(client, database, "candidate")
    other, _ = await sign_in(client, database, "candidate")
    assert (await client.get("/candidates")).status_code == 403  # candidates cannot
    interviewer, _ = await sign_in(client, database, "interviewer")
    assigned = await client.post(
        "/api/v1/assignments",
        json={"interviewer_id": interviewer.id, "candidate_id": candidate.id},
        headers=client.admin,
    )
    assert assigned.status_code == 204
    page = await client.get("/candidates")
    assert page.status_code == 200
    assert candidate.username in page.text and other.username not in page.text
    mine = await client.get(f"/candidates/{candidate.id}")
    assert mine.status_code == 200 and f"Progress of {candidate.username}" in mine.text
    assert (await client.get(f"/candidates/{other.id}")).status_code == 404
