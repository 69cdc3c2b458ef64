"""A submission graded in a `viva worker` process reaches its author's browser through Redis
pub/sub: the API process only enqueues, the worker grades and publishes, and the API process
that holds the browser's notification socket delivers it (server mode, PostgreSQL and a
redis-server of the test's own: tests/infra/cluster.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from playwright.sync_api import Browser

from tests.e2e.conftest import link_for, new_user
from tests.infra.cluster import Cluster
from tests.infra.conftest import cluster  # noqa: F401 (the fixture)

SOLUTION = (
    Path(__file__).parents[2] / "src/viva/content/challenges/palindrome/solution.py"
).read_text()

LISTEN = """() => new Promise((resolve, reject) => {
  window.heard = [];
  const socket = new WebSocket(`ws://${location.host}/api/v1/notifications/ws`);
  socket.onmessage = (event) => window.heard.push(JSON.parse(event.data));
  socket.onopen = () => resolve(true);
  socket.onclose = (event) => reject(new Error(`closed ${event.code} ${event.reason}`));
})"""

SUBMIT = """async (source) => {
  const csrf = decodeURIComponent(
    (document.cookie.match(/(?:^|; )viva_csrf=([^;]*)/) || [])[1] || "");
  const response = await fetch("/api/v1/challenges/palindrome/submissions", {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
    body: JSON.stringify({source}),
  });
  return [response.status, await response.json()];
}"""


def test_a_submission_graded_by_a_worker_reaches_its_authors_browser(
    browser: Browser,
    cluster: Cluster,  # noqa: F811
) -> None:
    worker = cluster.start_worker(slots=1)
    db_url = cluster.settings.effective_database_url
    username = new_user(db_url)
    page = browser.new_context().new_page()
    page.goto(link_for(db_url, cluster.api_url, username))
    page.goto(f"{cluster.api_url}/challenges/palindrome")
    # The browser's own socket: its session cookie, sent with the page's Origin.
    assert page.evaluate(LISTEN) is True
    page.wait_for_timeout(500)  # the API's listener is subscribed to the Redis channel
    status, body = page.evaluate(SUBMIT, SOLUTION)
    assert status in (201, 202), body
    submission_id = int(body["id"])

    deadline = time.monotonic() + 120  # a bound on grading under load, not a timing
    graded: list[dict[str, object]] = []
    while not graded:
        heard = page.evaluate("() => window.heard")
        graded = [
            n
            for n in heard
            if n["type"] == "submission.graded" and n["data"]["submission_id"] == submission_id
        ]
        assert time.monotonic() < deadline, f"no submission.graded notice; heard {heard}"
        page.wait_for_timeout(200)
    (row,) = cluster.rows([submission_id])
    assert graded[0]["data"] == {
        "submission_id": submission_id,
        "challenge": "palindrome",
        "verdict": row.verdict,
        "accepted": True,
    }
    assert row.verdict == "Accepted"
    # Graded in the worker, not in the API process that holds the socket.
    logs = {p.name: p.read_text(errors="replace") for p in cluster.tmp.glob("*.log")}
    graders = [
        name
        for name, text in logs.items()
        for line in text.splitlines()
        if '"submission_graded"' in line and json.loads(line).get("submission") == submission_id
    ]
    assert graders == [f"worker-{cluster.procs.index(worker)}.log"], graders
