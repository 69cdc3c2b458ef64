"""Every shipped challenge (Python, SQL, test-writing, performance) is linked from the page of
the seed question it practises, and the performance and test-writing ones exist for the
questions issue 16 names."""

from __future__ import annotations

from tests.conftest import Client
from viva.grading.catalogue import Catalogue

PERFORMANCE = {
    "fastapi-n-plus-one": 23,
    "fastapi-missing-index": 93,
    "fastapi-cache-aside": 67,
    "fastapi-streaming-export": 94,
}


async def test_every_challenge_is_linked_from_its_seed_questions_page(client: Client) -> None:
    summaries = Catalogue().summaries()
    seeds = {c.seed_question for c in summaries if c.seed_question is not None}
    assert {c.slug: c.seed_question for c in summaries if c.slug in PERFORMANCE} == PERFORMANCE
    assert {c.kind for c in summaries} >= {"function", "class", "fastapi", "sql", "tests"}
    unlinked = []
    for number in sorted(seeds):
        page = await client.get(f"/questions/by-number/{number}", follow_redirects=True)
        assert page.status_code == 200, number
        for c in summaries:
            if c.seed_question == number and f'href="/challenges/{c.slug}"' not in page.text:
                unlinked.append((number, c.slug))
    assert unlinked == []
